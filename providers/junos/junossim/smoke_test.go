package junossim

import (
	"strings"
	"testing"
)

func TestSmoke(t *testing.T) {
	ts := startSim(t, Options{})
	c := ts.dial(t, false)
	c.mustOK(`<lock-configuration/>`)
	c.mustOK(loadSetRPC(
		"set interfaces ge-0/0/3 unit 0 family inet address 10.0.0.1/24",
		"set security zones security-zone trust interfaces ge-0/0/3.0",
		"set security zones security-zone trust address-book address a1 10.0.0.0/24",
		"set security zones security-zone untrust",
		"set security policies from-zone trust to-zone untrust policy p1 match source-address a1 destination-address any application junos-https",
	))
	r := c.mustOK(`<commit-configuration><check/></commit-configuration>`)
	t.Log(c.lastRaw)
	_ = r
	c.mustOK(`<commit-configuration><log>first</log></commit-configuration>`)
	t.Log(c.lastRaw)
	c.mustOK(`<unlock-configuration/>`)
	r = c.mustOK(`<get-configuration database="committed" format="text"/>`)
	t.Log(r.ChildText("configuration-text"))
	r = c.mustOK(`<get-configuration database="committed" format="set"/>`)
	t.Log(r.ChildText("configuration-set"))
	t.Log(ts.CommittedXML())
	if !strings.Contains(ts.CommittedSet(), "policy p1") {
		t.Fatal("missing")
	}
}
