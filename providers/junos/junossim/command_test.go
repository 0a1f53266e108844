package junossim

import (
	"strings"
	"testing"
)

const seedPolicies = `
set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24
set interfaces ge-0/0/2 unit 0 family inet address 10.2.0.1/24
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone trust address-book address web 10.1.0.10/32
set security zones security-zone untrust interfaces ge-0/0/2.0
set security policies from-zone untrust to-zone trust policy allow-web match source-address any
set security policies from-zone untrust to-zone trust policy allow-web match destination-address web
set security policies from-zone untrust to-zone trust policy allow-web match application junos-https
set security policies from-zone untrust to-zone trust policy allow-web then permit
set security policies from-zone trust to-zone untrust policy out match source-address any
set security policies from-zone trust to-zone untrust policy out match destination-address any
set security policies from-zone trust to-zone untrust policy out match application any
set security policies from-zone trust to-zone untrust policy out then permit
`

// TestCommand pins the <command> RPC's answers to golden files under testdata/command/:
// operational commands in XML and text, `show configuration` with paths and pipes, and the
// errors for what Junos would not parse.
func TestCommand(t *testing.T) {
	cases := []struct {
		name, personality, format, cmd string
	}{
		{"show-version-xml", "srx", "", "show version"},
		{"show-version-text", "srx", "text", "show version"},
		{"show-version-text-ex", "ex", "text", "show version"},
		{"show-version-invoke-on", "srx", "xml", "show version invoke-on all-routing-engines"},
		{"show-version-display-xml-rpc", "srx", "xml", "show version| display xml rpc"},
		{"show-system-information-text", "srx", "text", "show system information"},
		{"show-system-information-xml", "ex", "", "show system information"},
		{"show-chassis-hardware-xml", "ex", "", "show chassis hardware"},
		{"show-chassis-hardware-text", "ex", "text", "show chassis hardware"},
		{"show-chassis-cluster-status-ex", "ex", "", "show chassis cluster status"},
		{"show-chassis-cluster-status-srx", "srx", "", "show chassis cluster status"},
		{"show-chassis-routing-engine-xml", "srx", "xml", "show chassis routing-engine"},
		{"show-bridge-mac-table", "srx", "", "show bridge mac-table count"},
		{"show-configuration-text", "srx", "text", "show configuration"},
		{"show-configuration-set", "srx", "text", "show configuration | display set"},
		{"show-configuration-xml", "srx", "", "show configuration"},
		{"policies-text", "srx", "text", "show configuration security policies"},
		{"policies-set", "srx", "text", "show configuration security policies | display set"},
		{"policies-set-no-more", "srx", "text", "show configuration security policies | display set | no-more"},
		{"policies-set-relative", "srx", "text", "show configuration security policies | display set relative"},
		{"policies-set-relative-xml-format", "srx", "xml", "show configuration security policies | display set relative"},
		{"zone-pair-set-relative", "srx", "text", "show configuration security policies from-zone untrust to-zone trust | display set relative"},
		{"policy-set-relative", "srx", "text", `show configuration security policies from-zone untrust to-zone trust policy "allow-web" | display set relative`},
		{"policies-xml", "srx", "xml", "show configuration security policies"},
		{"policies-display-xml", "srx", "text", "show configuration security policies | display xml"},
		{"policies-json", "srx", "text", "show configuration security policies | display json"},
		{"policies-json-format", "srx", "json", "show configuration security policies"},
		{"policies-set-format", "srx", "set", "show configuration security policies"},
		{"policies-set-format-relative", "srx", "set", "show configuration security policies | display set relative"},
		{"unconfigured-set-format", "srx", "set", "show configuration security nat"},
		{"show-version-set-format", "srx", "set", "show version"},
		{"policies-inheritance", "srx", "text", "show configuration security policies | display inheritance"},
		{"zones-list-set-relative", "srx", "text", "show configuration security zones security-zone | display set relative"},
		{"address-set", "srx", "text", "show configuration security zones security-zone trust address-book address web | display set"},
		{"address-set-relative", "srx", "text", "show configuration security zones security-zone trust address-book address web | display set relative"},
		{"interface-set", "srx", "text", "show configuration interfaces ge-0/0/1 | display set"},
		{"leaf-text", "srx", "text", "show configuration system host-name"},
		{"unconfigured-text", "srx", "text", "show configuration security nat"},
		{"unconfigured-set", "srx", "text", "show configuration security policies from-zone dmz to-zone trust | display set relative"},
		{"unconfigured-xml", "srx", "xml", "show configuration security nat"},
		{"incomplete-zone-pair", "srx", "text", "show configuration security policies from-zone untrust"},
		{"unknown-pipe", "srx", "text", "show configuration | match policy"},
		{"unknown-command", "srx", "text", "show running-config"},
	}
	sims := map[string]*testSim{}
	clients := map[string]*rawClient{}
	for _, p := range []string{"srx", "ex"} {
		sims[p] = startPersonality(t, p)
		clients[p] = sims[p].dial(t, false)
	}
	if err := sims["srx"].LoadSet(seedPolicies); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			xmlEscape(&b, tc.cmd)
			attr := ""
			if tc.format != "" {
				attr = ` format="` + tc.format + `"`
			}
			c := clients[tc.personality]
			c.mustCall(`<command` + attr + `>` + b.String() + `</command>`)
			golden(t, "command/"+tc.name+".xml", c.lastRaw)
		})
	}
}

// TestShowConfigurationSemantics checks what clients rely on beyond the golden files: the
// relative set lines load back at the path they were read from, every path's XML is the
// configuration cut down to it, and a path with nothing configured answers an empty reply.
func TestShowConfigurationSemantics(t *testing.T) {
	ts := startPersonality(t, "srx")
	if err := ts.LoadSet(seedPolicies); err != nil {
		t.Fatal(err)
	}
	c := ts.dial(t, false)
	cmd := func(format, line string) *elem {
		t.Helper()
		var b strings.Builder
		xmlEscape(&b, line)
		return c.mustOK(`<command format="` + format + `">` + b.String() + `</command>`)
	}
	full := setOf(ts.db.committed)
	paths := []string{
		"security policies",
		"security policies from-zone untrust to-zone trust",
		"security policies from-zone untrust to-zone trust policy allow-web",
		"security zones security-zone trust",
		"interfaces ge-0/0/2",
		"system",
		"security zones security-zone trust address-book address web",
	}
	for _, path := range paths {
		rel := cmd("text", "show configuration "+path+" | display set relative").Child("configuration-information").ChildText("configuration-output")
		abs := cmd("text", "show configuration "+path+" | display set").Child("configuration-information").ChildText("configuration-output")
		if rel == "" || abs == "" {
			t.Errorf("%s: empty set output", path)
			continue
		}
		var rebuilt []string
		for _, l := range strings.Split(rel, "\n") {
			rebuilt = append(rebuilt, "set "+path+" "+strings.TrimPrefix(l, "set "))
		}
		if got := strings.Join(rebuilt, "\n"); got != abs {
			t.Errorf("%s: relative lines under the path:\n%s\nabsolute:\n%s", path, got, abs)
		}
		for _, l := range strings.Split(abs, "\n") {
			if !strings.Contains(full, l+"\n") {
				t.Errorf("%s: %q is not in the configuration", path, l)
			}
		}
		x := cmd("xml", "show configuration "+path).Child("configuration")
		if got := setOf(x); strings.TrimSpace(got) != abs {
			t.Errorf("%s: XML answer as set lines:\n%s\nwant:\n%s", path, got, abs)
		}
	}
	for _, path := range []string{"security nat", "security policies from-zone dmz to-zone trust", "interfaces ge-0/0/9", "vlans"} {
		for _, pipe := range []string{"", " | display set", " | display set relative"} {
			if r := cmd("text", "show configuration "+path+pipe); len(r.Children) != 0 {
				t.Errorf("%s%s: %s", path, pipe, c.lastRaw)
			}
		}
		if x := cmd("xml", "show configuration "+path).Child("configuration"); x == nil || len(x.Children) != 0 {
			t.Errorf("%s in XML: %s", path, c.lastRaw)
		}
	}
	// The committed configuration, not the candidate.
	c.mustOK(loadSetRPC("set security policies from-zone untrust to-zone trust policy uncommitted then deny"))
	if out := cmd("text", "show configuration security policies | display set").Child("configuration-information").ChildText("configuration-output"); strings.Contains(out, "uncommitted") {
		t.Errorf("show configuration shows the candidate:\n%s", out)
	}
}
