package junossim

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSubtreeFilter(t *testing.T) {
	cfg := mustSet(t, `
set system host-name fw1
set interfaces ge-0/0/1 description a
set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24
set interfaces ge-0/0/2 description b
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone untrust interfaces ge-0/0/2.0`)
	cases := []struct {
		filter string
		want   string
	}{
		{`<configuration/>`, setOf(cfg)},
		{`<configuration><system/></configuration>`, "set system host-name fw1\n"},
		{`<configuration><interfaces><interface><name>ge-0/0/2</name></interface></interfaces></configuration>`,
			"set interfaces ge-0/0/2 description b\n"},
		{`<configuration><interfaces><interface><name>ge-0/0/1</name><unit/></interface></interfaces></configuration>`,
			"set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24\n"},
		{`<configuration><security><zones><security-zone><name>untrust</name></security-zone></zones></security></configuration>`,
			"set security zones security-zone untrust interfaces ge-0/0/2.0\n"},
		{`<configuration><interfaces><interface><name>ge-0/0/9</name></interface></interfaces></configuration>`, ""},
		{`<configuration><vlans/></configuration>`, ""},
	}
	for _, tc := range cases {
		got := setOf(filterConfig(cfg, mustXML(t, tc.filter)))
		if got != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.filter, got, tc.want)
		}
	}
	if !strings.Contains(setOf(cfg), "ge-0/0/1 unit 0") {
		t.Error("filtering changed the configuration")
	}
}

// TestGetConfigurationFormats pins get-configuration's answer in each format PyEZ's
// get_config(options={"format": ...}) asks for to golden files, and reads the JSON back as
// a client does.
func TestGetConfigurationFormats(t *testing.T) {
	ts := startPersonality(t, "srx")
	if err := ts.LoadSet(seedPolicies + "set system domain-name example.net\nset interfaces ge-0/0/1 unit 0 family inet dhcp\nset security zones security-zone trust host-inbound-traffic system-services ssh"); err != nil {
		t.Fatal(err)
	}
	c := ts.dial(t, false)
	filter := `<configuration><security><policies/></security></configuration>`
	for _, format := range []string{"xml", "text", "set", "json"} {
		t.Run(format, func(t *testing.T) {
			c.mustOK(`<get-configuration database="committed" format="` + format + `">` + filter + `</get-configuration>`)
			golden(t, "getconfig/policies-"+format+".xml", c.lastRaw)
		})
	}
	r := c.mustOK(`<get-configuration database="committed" format="json"/>`)
	var doc struct {
		Configuration map[string]json.RawMessage `json:"configuration"`
	}
	if err := json.Unmarshal([]byte(r.Text), &doc); err != nil {
		t.Fatalf("%v in %s", err, r.Text)
	}
	var stamp map[string]string
	var system struct {
		HostName   string `json:"host-name"`
		DomainName string `json:"domain-name"`
	}
	var ifaces struct {
		Interface []struct {
			Name string `json:"name"`
			Unit []struct {
				Name   json.Number `json:"name"`
				Family struct {
					Inet struct {
						Address []struct{ Name string } `json:"address"`
						DHCP    []any                   `json:"dhcp"`
					} `json:"inet"`
				} `json:"family"`
			} `json:"unit"`
		} `json:"interface"`
	}
	var security struct {
		Zones struct {
			Zone []struct {
				Name string `json:"name"`
				HIT  struct {
					Services []struct{ Name string } `json:"system-services"`
				} `json:"host-inbound-traffic"`
				Interfaces []struct{ Name string } `json:"interfaces"`
			} `json:"security-zone"`
		} `json:"zones"`
		Policies struct {
			Pair []struct {
				From   string `json:"from-zone-name"`
				To     string `json:"to-zone-name"`
				Policy []struct {
					Name  string `json:"name"`
					Match struct {
						Application []string `json:"application"`
					} `json:"match"`
					Then struct {
						Permit []any `json:"permit"`
					} `json:"then"`
				} `json:"policy"`
			} `json:"policy"`
		} `json:"policies"`
	}
	for key, dst := range map[string]any{"@": &stamp, "system": &system, "interfaces": &ifaces, "security": &security} {
		if err := json.Unmarshal(doc.Configuration[key], dst); err != nil {
			t.Fatalf("%s: %v in %s", key, err, doc.Configuration[key])
		}
	}
	if !strings.Contains(r.Text, `"reth-count" : 2,`) || !strings.Contains(r.Text, `"name" : 0,`) || !strings.Contains(r.Text, `"priority" : 200`) {
		t.Errorf("numbers are quoted: %s", r.Text)
	}
	if ifaces.Interface[0].Unit[0].Name != "0" {
		t.Errorf("unit %q", ifaces.Interface[0].Unit[0].Name)
	}
	if stamp["junos:commit-user"] != "root" || system.HostName != "fw1" || system.DomainName != "example.net" {
		t.Errorf("stamp %v system %+v", stamp, system)
	}
	if len(ifaces.Interface) != 2 || ifaces.Interface[0].Unit[0].Family.Inet.Address[0].Name != "10.1.0.1/24" ||
		len(ifaces.Interface[0].Unit[0].Family.Inet.DHCP) != 1 || ifaces.Interface[0].Unit[0].Family.Inet.DHCP[0] != nil {
		t.Errorf("interfaces %+v", ifaces)
	}
	z := security.Zones.Zone
	if len(z) != 2 || z[0].HIT.Services[0].Name != "ssh" || z[0].Interfaces[0].Name != "ge-0/0/1.0" {
		t.Errorf("zones %+v", z)
	}
	p := security.Policies.Pair
	if len(p) != 2 || p[0].From != "untrust" || p[0].To != "trust" || p[0].Policy[0].Name != "allow-web" ||
		len(p[0].Policy[0].Match.Application) != 1 || len(p[0].Policy[0].Then.Permit) != 1 || p[0].Policy[0].Then.Permit[0] != nil {
		t.Errorf("policies %+v", p)
	}
}
