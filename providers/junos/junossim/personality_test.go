package junossim

import (
	"strings"
	"testing"
)

func TestPersonalities(t *testing.T) {
	if _, err := New(Options{Personality: "mx"}); err == nil {
		t.Error("unknown personality accepted")
	}
	ex := startSim(t, Options{Personality: "ex", Hostname: "sw1"})
	if err := ex.LoadSet(`
set vlans mail vlan-id 120
set vlans mail l3-interface irb.120
set interfaces irb unit 120 family inet address 10.120.0.1/24
set interfaces ae0 aggregated-ether-options lacp active
set interfaces ae0 unit 0 family ethernet-switching interface-mode trunk
set interfaces ae0 unit 0 family ethernet-switching vlan members mail
set interfaces ge-0/0/0 ether-options 802.3ad ae0`); err != nil {
		t.Fatal(err)
	}
	if err := ex.LoadSet("set chassis cluster reth-count 2"); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("chassis cluster on ex: %v", err)
	}
	c := ex.dial(t, false)
	r := c.mustOK(`<get-software-information/>`)
	if r.Child("software-information").ChildText("host-name") != "sw1" || !strings.HasPrefix(r.Child("software-information").ChildText("product-model"), "ex") {
		t.Errorf("ex software information: %s", c.lastRaw)
	}
	r = c.mustCall(`<load-configuration><configuration><security><zones/></security></configuration></load-configuration>`)
	if e := findAll(r, "rpc-error"); len(e) != 1 || e[0].Child("error-info").ChildText("bad-element") != "security" {
		t.Errorf("xml security on ex: %s", c.lastRaw)
	}
	r = c.mustCall(loadSetRPC("delete security"))
	if e := findAll(r, "rpc-error"); len(e) != 1 || e[0].Child("error-info").ChildText("bad-element") != "security" {
		t.Errorf("delete security on ex: %s", c.lastRaw)
	}
	r = c.mustCall(`<edit-config><target><candidate/></target><config><configuration><security/></configuration></config></edit-config>`)
	if len(errorMessages(r)) == 0 {
		t.Error("edit-config security on ex accepted")
	}

	srx := startSim(t, Options{})
	if err := srx.LoadSet(`
set chassis cluster reth-count 2
set chassis cluster redundancy-group 1 node 0 priority 200
set interfaces reth1 redundant-ether-options redundancy-group 1
set interfaces reth1 unit 0 family inet address 10.0.0.1/24
set interfaces ge-0/0/4 gigether-options redundant-parent reth1
set security zones security-zone hci interfaces reth1.0`); err != nil {
		t.Fatal(err)
	}
}
