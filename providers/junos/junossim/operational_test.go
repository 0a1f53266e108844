package junossim

import (
	"strings"
	"testing"
	"time"
)

const seedCluster = `
set chassis cluster reth-count 2
set chassis cluster redundancy-group 0 node 0 priority 200
set chassis cluster redundancy-group 0 node 1 priority 100
set chassis cluster redundancy-group 1 node 0 priority 200
set chassis cluster redundancy-group 1 node 1 priority 100
set chassis cluster redundancy-group 1 preempt
`

// startPersonality runs an SRX cluster (fw1) or an EX (sw1) that has been up for a day and a
// bit, so that up-times are not zero.
func startPersonality(t *testing.T, personality string) *testSim {
	t.Helper()
	host := map[string]string{"srx": "fw1", "ex": "sw1"}[personality]
	ts := startSim(t, Options{Personality: personality, Hostname: host})
	if personality == "srx" {
		if err := ts.LoadSet(seedCluster); err != nil {
			t.Fatal(err)
		}
	}
	ts.clock.Advance(26*time.Hour + 3*time.Minute + 4*time.Second)
	return ts
}

// TestOperationalAnswers pins each operational RPC's answer, per personality, to a golden
// file under testdata/operational/ (the fidelity table in README.md names the source of
// each shape).
func TestOperationalAnswers(t *testing.T) {
	rpcs := []struct{ name, body string }{
		{"get-system-information", `<get-system-information/>`},
		{"get-software-information", `<get-software-information/>`},
		{"get-chassis-inventory", `<get-chassis-inventory/>`},
		{"get-route-engine-information", `<get-route-engine-information/>`},
		{"get-chassis-cluster-status", `<get-chassis-cluster-status/>`},
		{"get-interface-information-private", `<get-interface-information><terse/><routing-instance>__juniper_private1__</routing-instance></get-interface-information>`},
		{"get-interface-information-other", `<get-interface-information><terse/></get-interface-information>`},
		{"file-show-hosts-junos", `<file-show><filename>/etc/hosts.junos</filename></file-show>`},
		{"file-show-other", `<file-show><filename>/etc/resolv.conf</filename></file-show>`},
		{"file-list-home", `<file-list><path>~</path></file-list>`},
	}
	for _, pers := range []string{"srx", "ex"} {
		ts := startPersonality(t, pers)
		c := ts.dial(t, false)
		for _, r := range rpcs {
			t.Run(pers+"/"+r.name, func(t *testing.T) {
				c.mustCall(r.body)
				golden(t, "operational/"+pers+"-"+r.name+".xml", c.lastRaw)
			})
		}
	}
}

// TestOperationalFacts checks the values automation clients read from the operational
// answers (PyEZ's facts modules and the Terraform junos provider's system information).
func TestOperationalFacts(t *testing.T) {
	srx := startPersonality(t, "srx")
	ex := startPersonality(t, "ex")
	cs, ce := srx.dial(t, false), ex.dial(t, false)

	si := cs.mustOK(`<get-system-information/>`).Child("system-information")
	if si.ChildText("hardware-model") != "srx345" || si.ChildText("host-name") != "fw1" || si.ChildText("os-version") != "21.4R3-S5.4" ||
		si.ChildText("serial-number") == "" || si.Child("cluster-node") == nil {
		t.Errorf("srx system information: %s", cs.lastRaw)
	}
	si = ce.mustOK(`<get-system-information/>`).Child("system-information")
	if si.ChildText("hardware-model") != "ex4300-48t" || si.ChildText("host-name") != "sw1" || si.Child("cluster-node") != nil {
		t.Errorf("ex system information: %s", ce.lastRaw)
	}

	// A cluster answers per node; a standalone switch with the bare element.
	items := findAll(cs.mustOK(`<get-software-information/>`), "multi-routing-engine-item")
	if len(items) != 2 || items[0].ChildText("re-name") != "node0" || items[1].ChildText("re-name") != "node1" ||
		items[0].Child("software-information").ChildText("junos-version") != "21.4R3-S5.4" {
		t.Errorf("srx software information: %s", cs.lastRaw)
	}
	if sw := ce.mustOK(`<get-software-information/>`).Child("software-information"); sw == nil || sw.ChildText("product-model") != "ex4300-48t" {
		t.Errorf("ex software information: %s", ce.lastRaw)
	}
	for _, c := range []*rawClient{cs, ce} {
		for _, rpc := range []string{"chassis-inventory", "route-engine-information"} {
			r := c.mustOK(`<get-` + rpc + `/>`)
			for _, n := range findAll(r, rpc) {
				if n.Space != "http://xml.juniper.net/junos/21.4R0/junos-chassis" {
					t.Errorf("%s without the junos-chassis namespace: %s", rpc, c.lastRaw)
				}
			}
		}
	}
	if ch := findAll(cs.mustOK(`<get-chassis-inventory/>`), "chassis"); len(ch) != 2 || ch[0].ChildText("serial-number") != "JNSIMSRX0001" ||
		ch[0].attrNS("http://xml.juniper.net/junos/21.4R0/junos", "style") != "inventory" || ch[0].ChildText("description") != "SRX345" {
		t.Errorf("srx inventory: %s", cs.lastRaw)
	}
	re := findAll(ce.mustOK(`<get-route-engine-information/>`), "route-engine")
	if len(re) != 1 || re[0].ChildText("slot") != "0" || re[0].ChildText("mastership-state") != "master" ||
		re[0].ChildText("up-time") != "1 day, 2 hours, 3 minutes, 4 seconds" {
		t.Errorf("ex routing engine: %s", ce.lastRaw)
	}
	if re := findAll(cs.mustOK(`<get-route-engine-information/>`), "route-engine"); len(re) != 2 || re[1].ChildText("model") != "RE-SRX345" {
		t.Errorf("srx routing engines: %s", cs.lastRaw)
	}

	st := cs.mustOK(`<get-chassis-cluster-status/>`).Child("chassis-cluster-status")
	groups := st.All("redundancy-group")
	if st.ChildText("cluster-id") != "1" || len(groups) != 2 {
		t.Fatalf("cluster status: %s", cs.lastRaw)
	}
	stats := groups[1].Child("device-stats")
	if names := stats.All("device-name"); len(names) != 2 || names[0].Text != "node0" || stats.All("device-priority")[0].Text != "200" ||
		stats.All("redundancy-group-status")[0].Text != "primary" || stats.All("redundancy-group-status")[1].Text != "secondary" ||
		stats.All("preempt")[0].Text != "yes" {
		t.Errorf("redundancy group 1: %s", cs.lastRaw)
	}
	if e := ce.mustCall(`<get-chassis-cluster-status/>`).Child("rpc-error"); e == nil || e.ChildText("error-message") != "syntax error" {
		t.Errorf("cluster status on ex: %s", ce.lastRaw)
	}

	// PyEZ's current_re: the SRX node0's control-link addresses decode to node0 and primary.
	addrs := findAll(cs.mustOK(`<get-interface-information><terse/><routing-instance>__juniper_private1__</routing-instance></get-interface-information>`), "ifa-local")
	if len(addrs) != 2 || addrs[0].Text != "129.16.0.1/2" || addrs[1].Text != "143.16.0.1/2" {
		t.Errorf("srx internal interface: %s", cs.lastRaw)
	}
	hosts := ce.mustOK(`<file-show><filename>/etc/hosts.junos</filename></file-show>`).ChildText("file-content")
	if !strings.Contains(hosts, "128.0.0.4        re0") {
		t.Errorf("hosts.junos: %s", ce.lastRaw)
	}
	if dl := ce.mustOK(`<file-list><path>~</path></file-list>`).Child("directory-list"); dl.Attr("root-path") != "/var/home/enclave/" {
		t.Errorf("file list: %s", ce.lastRaw)
	}
}
