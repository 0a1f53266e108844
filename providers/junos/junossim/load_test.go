package junossim

import (
	"strings"
	"testing"
)

func TestLoadActions(t *testing.T) {
	ts := startSim(t, Options{})
	if err := ts.LoadSet(seedSRX); err != nil {
		t.Fatal(err)
	}
	c := ts.dial(t, false)
	c.mustOK(`<lock-configuration/>`)

	// The text a device prints loads back with override to the same configuration.
	text := c.mustOK(`<get-configuration database="committed" format="text"/>`).ChildText("configuration-text")
	before := ts.CommittedSet()
	c.mustOK(loadSetRPC("set system host-name scratch", "delete security zones security-zone untrust"))
	var b strings.Builder
	xmlEscape(&b, text)
	c.mustOK(`<load-configuration action="override" format="text"><configuration-text>` + b.String() + `</configuration-text></load-configuration>`)
	if got := ts.CandidateSet(); got != before {
		t.Errorf("override with the device's own text:\n%s\nwant:\n%s", got, before)
	}
	if ts.CandidateModified() {
		t.Error("candidate modified after an identical override")
	}

	// replace: tags in text replace a stanza only under action replace.
	patch := `security { zones { replace: security-zone trust { interfaces { ge-0/0/1.0; } } } }`
	c.mustOK(`<load-configuration action="merge" format="text"><configuration-text>` + patch + `</configuration-text></load-configuration>`)
	if !strings.Contains(ts.CandidateSet(), "security-zone trust address-book address web") {
		t.Error("merge honoured replace:")
	}
	c.mustOK(`<load-configuration action="replace" format="text"><configuration-text>` + patch + `</configuration-text></load-configuration>`)
	if strings.Contains(ts.CandidateSet(), "security-zone trust address-book") {
		t.Errorf("replace did not replace the zone:\n%s", ts.CandidateSet())
	}
	c.mustOK(`<discard-changes/>`)

	// update behaves like override.
	c.mustOK(`<load-configuration action="update"><configuration><system><host-name>only</host-name></system></configuration></load-configuration>`)
	if got := ts.CandidateSet(); got != "set system host-name only\n" {
		t.Errorf("update:\n%s", got)
	}
	c.mustOK(`<discard-changes/>`)

	// Errors leave the candidate untouched and say where.
	r := c.mustCall(`<load-configuration action="set" format="text"><configuration-set>set system domain-name ok.example
set security policies from-zone a to-zone</configuration-set></load-configuration>`)
	e := findAll(r, "rpc-error")
	if len(e) != 1 || !strings.HasPrefix(e[0].ChildText("error-message"), "syntax error") || e[0].ChildText("error-path") != "[edit security policies]" {
		t.Errorf("load error: %s", c.lastRaw)
	}
	if ts.CandidateModified() {
		t.Error("a failed load changed the candidate")
	}
	for _, bad := range []string{
		`<load-configuration action="explode"><configuration/></load-configuration>`,
		`<load-configuration format="json"><configuration-json>{}</configuration-json></load-configuration>`,
		`<load-configuration/>`,
		`<load-configuration format="text"><configuration-text>system {</configuration-text></load-configuration>`,
		`<load-configuration url="ftp://x/y"/>`,
	} {
		if len(errorMessages(c.mustCall(bad))) == 0 {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestMessageIDAndAttributesEchoed(t *testing.T) {
	ts := startSim(t, Options{})
	c := ts.dial(t, false)
	msg := `<rpc xmlns="` + nsBase + `" message-id="urn:uuid:42" client="x&amp;y"><get/></rpc>`
	if err := c.fr.WriteMessage([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	raw, err := c.fr.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `message-id="urn:uuid:42"`) || !strings.Contains(string(raw), `client="x&amp;y"`) {
		t.Errorf("reply %s", raw)
	}
	// Malformed XML gets an rpc-error and the session goes on.
	if err := c.fr.WriteMessage([]byte(`<rpc><get></rpc>`)); err != nil {
		t.Fatal(err)
	}
	raw, _ = c.fr.ReadMessage()
	if !strings.Contains(string(raw), "malformed-message") {
		t.Errorf("malformed: %s", raw)
	}
	c.mustOK(`<get/>`)
	if msgs := errorMessages(c.mustCall(`<kill-session><session-id>1</session-id></kill-session>`)); len(msgs) != 1 {
		t.Errorf("kill unknown session: %q", msgs)
	}
	if msgs := errorMessages(c.mustCall(`<kill-session><session-id>` + c.sessionID() + `</session-id></kill-session>`)); len(msgs) != 1 {
		t.Errorf("kill own session: %q", msgs)
	}
}
