package junossim

import (
	"strings"
	"testing"
)

func mustSet(t *testing.T, lines string) *elem {
	t.Helper()
	cfg := &elem{Name: "configuration"}
	if err := loadSetLines(cfg, lines); err != nil {
		t.Fatalf("%v\n%s", err, lines)
	}
	return cfg
}

func setOf(cfg *elem) string {
	var b strings.Builder
	renderSet(&b, cfg, schemaRoot, nil)
	return b.String()
}

func textOf(cfg *elem) string {
	var b strings.Builder
	renderText(&b, cfg, schemaRoot, 0)
	return b.String()
}

func TestSetFormat(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"leaf and containers", "set system host-name fw1", "set system host-name fw1\n"},
		{"quoted value", `set interfaces ge-0/0/0 description "uplink to core"`, "set interfaces ge-0/0/0 description \"uplink to core\"\n"},
		{"elided interface list and positional address", `
set interfaces ge-0/0/1 unit 0 family inet address 10.0.0.1/24
set security address-book global address a1 10.0.0.0/24
set security address-book global address-set s1 address a1`, `set interfaces ge-0/0/1 unit 0 family inet address 10.0.0.1/24
set security address-book global address a1 10.0.0.0/24
set security address-book global address-set s1 address a1
`},
		{"zone pair policies keep order", `
set security policies from-zone a to-zone b policy p2 then deny
set security policies from-zone a to-zone b policy p1 match source-address any destination-address any application [ junos-http junos-https ]
set security policies from-zone a to-zone b policy p1 then permit`, `set security policies from-zone a to-zone b policy p2 then deny
set security policies from-zone a to-zone b policy p1 match source-address any
set security policies from-zone a to-zone b policy p1 match destination-address any
set security policies from-zone a to-zone b policy p1 match application junos-http
set security policies from-zone a to-zone b policy p1 match application junos-https
set security policies from-zone a to-zone b policy p1 then permit
`},
		{"delete leaf-list value and entry", `
set vlans mail vlan-id 120
set vlans web vlan-id 130
set interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members [ mail web ]
delete interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members web
delete vlans web`, `set interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members mail
set vlans mail vlan-id 120
`},
		{"delete prunes empty containers", `
set routing-options static route 0.0.0.0/0 next-hop 192.0.2.1
delete routing-options static route 0.0.0.0/0`, ``},
		{"delete what is not there", "delete security zones security-zone nope", ""},
		{"insert moves an ordered entry", `
set security policies from-zone a to-zone b policy p1 then permit
set security policies from-zone a to-zone b policy p2 then deny
set security policies from-zone a to-zone b policy p3 then deny
insert security policies from-zone a to-zone b policy p3 before policy p1
insert security policies from-zone a to-zone b policy p1 after policy p2`, `set security policies from-zone a to-zone b policy p3 then deny
set security policies from-zone a to-zone b policy p2 then deny
set security policies from-zone a to-zone b policy p1 then permit
`},
		{"chassis cluster", `
set chassis cluster reth-count 2
set chassis cluster redundancy-group 1 node 0 priority 200
set chassis cluster redundancy-group 1 node 1 priority 100
set chassis cluster redundancy-group 1 preempt`, `set chassis cluster reth-count 2
set chassis cluster redundancy-group 1 node 0 priority 200
set chassis cluster redundancy-group 1 node 1 priority 100
set chassis cluster redundancy-group 1 preempt
`},
		{"cli keywords that differ from elements", `
set interfaces ge-0/0/5 gigether-options redundant-parent reth1
set interfaces ge-0/0/6 ether-options 802.3ad ae0
set interfaces reth1 redundant-ether-options redundancy-group 1
set interfaces ae0 aggregated-ether-options lacp active`, `set interfaces ge-0/0/5 gigether-options redundant-parent reth1
set interfaces ge-0/0/6 ether-options 802.3ad ae0
set interfaces reth1 redundant-ether-options redundancy-group 1
set interfaces ae0 aggregated-ether-options lacp active
`},
		{"unknown hierarchy is kept", "set snmp community public authorization read-only", "set snmp community public authorization read-only\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustSet(t, tc.in)
			got := setOf(cfg)
			if got != tc.want {
				t.Fatalf("set output:\n%s\nwant:\n%s", got, tc.want)
			}
			// Round trips: set output loads back to the same tree, and so does text.
			if again := mustSet(t, got); !equal(again, cfg) {
				t.Errorf("set round trip differs:\n%s", again)
			}
			parsed, err := parseText(textOf(cfg))
			if err != nil {
				t.Fatalf("text round trip: %v\n%s", err, textOf(cfg))
			}
			if !equal(parsed, cfg) {
				t.Errorf("text round trip differs:\n%s\nfrom:\n%s", parsed, textOf(cfg))
			}
		})
	}
}

func TestSetFormatErrors(t *testing.T) {
	cases := []struct{ in, element string }{
		{"set security policies from-zone a policy p1 then permit", "from-zone"},
		{"set system host-name", "host-name"},
		{`set system host-name "unterminated`, ""},
		{"activate system", "activate"},
		{"insert security policies from-zone a to-zone b policy p9 before policy p1", "security policies from-zone a to-zone b policy p9"},
		{"set security zones security-zone", "security-zone"},
	}
	for _, tc := range cases {
		cfg := &elem{Name: "configuration"}
		err := loadSetLines(cfg, tc.in)
		if err == nil {
			t.Errorf("%q: no error", tc.in)
			continue
		}
		if se, ok := err.(*syntaxError); !ok || !(strings.Contains(se.message, "syntax error") || se.message == "statement not found") {
			t.Errorf("%q: %v", tc.in, err)
		} else if tc.element != "" && se.element != tc.element {
			t.Errorf("%q: bad element %q, want %q", tc.in, se.element, tc.element)
		}
	}
}

func TestTextFormat(t *testing.T) {
	text := `
/* a comment */
security {
    zones {
        security-zone trust {
            host-inbound-traffic {
                system-services {
                    ssh;
                    ping;
                }
            }
            interfaces {
                ge-0/0/1.0;
                ge-0/0/2.0 {
                    host-inbound-traffic {
                        protocols {
                            bgp;
                        }
                    }
                }
            }
        }
    }
    policies {
        from-zone trust to-zone untrust {
            policy p1 {
                match {
                    source-address [ a b ];
                    destination-address any;
                    application junos-https;
                }
                then {
                    permit;
                    log {
                        session-close;
                    }
                }
            }
        }
    }
}
vlans {
    mail {
        vlan-id 120;
        l3-interface irb.120; # trailing comment
    }
}
`
	cfg, err := parseText(text)
	if err != nil {
		t.Fatal(err)
	}
	want := `set security zones security-zone trust host-inbound-traffic system-services ssh
set security zones security-zone trust host-inbound-traffic system-services ping
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone trust interfaces ge-0/0/2.0 host-inbound-traffic protocols bgp
set security policies from-zone trust to-zone untrust policy p1 match source-address a
set security policies from-zone trust to-zone untrust policy p1 match source-address b
set security policies from-zone trust to-zone untrust policy p1 match destination-address any
set security policies from-zone trust to-zone untrust policy p1 match application junos-https
set security policies from-zone trust to-zone untrust policy p1 then permit
set security policies from-zone trust to-zone untrust policy p1 then log session-close
set vlans mail vlan-id 120
set vlans mail l3-interface irb.120
`
	if got := setOf(cfg); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := textOf(cfg); !strings.Contains(got, "source-address [ a b ];") || !strings.Contains(got, "        ge-0/0/1.0;\n") {
		t.Errorf("rendered text:\n%s", got)
	}
	for _, bad := range []string{"system { host-name x; ", "system { host-name x }", "}", `system { host-name "x; }`} {
		if _, err := parseText(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestTextTags(t *testing.T) {
	base := mustSet(t, `
set system host-name fw1
set system domain-name example.net
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone trust interfaces ge-0/0/2.0`)
	patch, err := parseText(`
system { delete: domain-name; }
security { zones { replace: security-zone trust { interfaces { ge-0/0/3.0; } } } }`)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := applyPatch(base.Clone(), patch, "replace")
	if err != nil {
		t.Fatal(err)
	}
	want := "set system host-name fw1\nset security zones security-zone trust interfaces ge-0/0/3.0\n"
	if got := setOf(cfg); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDiffText(t *testing.T) {
	old := mustSet(t, `
set system host-name fw1
set security zones security-zone trust interfaces ge-0/0/1.0`)
	cur := mustSet(t, `
set system host-name fw2
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone trust interfaces ge-0/0/2.0
set applications application a1 protocol tcp`)
	got := diffText(old, cur)
	for _, want := range []string{
		"[edit system]\n-   host-name fw1;\n+   host-name fw2;\n",
		"[edit security zones security-zone trust]\n+   interfaces {\n+       ge-0/0/2.0;\n+   }\n",
		"[edit]\n+   applications {\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if d := diffText(old, old.Clone()); d != "\n" {
		t.Errorf("no-change diff %q", d)
	}
}

func TestCLIKeywordsMapToJunosXML(t *testing.T) {
	cfg := mustSet(t, `
set interfaces ge-0/0/5 gigether-options redundant-parent reth1
set interfaces ge-0/0/6 ether-options 802.3ad ae0
set vlans mail vlan-id 120
set vlans mail l3-interface irb.120`)
	x := cfg.String()
	for _, want := range []string{
		"<redundant-parent>\n          <parent>reth1</parent>",
		"<ieee-802.3ad>\n          <bundle>ae0</bundle>",
		"<vlans>\n    <vlan>\n      <name>mail</name>\n      <vlan-id>120</vlan-id>\n      <l3-interface>irb.120</l3-interface>",
		"<interface>\n      <name>ge-0/0/5</name>",
	} {
		if !strings.Contains(x, want) {
			t.Errorf("XML lacks %q:\n%s", want, x)
		}
	}
}
