package junos

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/enclave-dev/enclave/providers"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

func indented(e *element) string {
	var b strings.Builder
	e.indent(&b, 0)
	return b.String()
}

// renderCases are change sets whose load-configuration document is kept as a golden file.
func renderCases(t *testing.T) map[string][]providers.Change {
	d := func(typ string, o obj) obj { return desired(t, typ, o) }
	return map[string][]providers.Change{
		"srx-cluster": {
			create("junos_chassis_cluster.c", TypeChassisCluster, d(TypeChassisCluster, obj{"reth_count": int64(2), "redundancy_group": blocks(
				obj{"id": int64(0), "node0_priority": int64(200), "node1_priority": int64(100)},
				obj{"id": int64(1), "node0_priority": int64(200), "node1_priority": int64(100), "preempt": true})})),
			create("junos_interface.reth1", TypeInterface, d(TypeInterface, obj{"name": "reth1", "description": "mail & ldap", "redundancy_group": int64(1),
				"unit": blocks(obj{"id": int64(120), "vlan_id": int64(120), "addresses": list("10.120.0.1/24", "2001:db8:120::1/64")})})),
			create("junos_interface.n0", TypeInterface, d(TypeInterface, obj{"name": "ge-0/0/4", "member_of": "reth1"})),
			create("junos_interface.ae0", TypeInterface, d(TypeInterface, obj{"name": "ae0", "lacp": "active"})),
			create("junos_interface.ae0m", TypeInterface, d(TypeInterface, obj{"name": "ge-0/0/5", "member_of": "ae0"})),
		},
		"srx-security": {
			create("junos_security_zone.trust", TypeSecurityZone, d(TypeSecurityZone, obj{"name": "trust", "interfaces": list("reth1.120"),
				"system_services": list("ssh", "ping"), "protocols": list("bgp"),
				"address":     blocks(obj{"name": "mail", "prefix": "10.120.0.10/32"}),
				"address_set": blocks(obj{"name": "svc", "addresses": list("mail")})})),
			create("junos_address_book.global", TypeAddressBook, d(TypeAddressBook, obj{"name": "global",
				"address": blocks(obj{"name": "dns1", "prefix": "192.0.2.53/32"})})),
			create("junos_application.imaps", TypeApplication, d(TypeApplication, obj{"name": "imaps-alt", "protocol": "tcp",
				"destination_port": "1993", "inactivity_timeout": int64(3600)})),
			update("junos_security_policies.out", TypeSecurityPolicies, obj{"id": "trust>untrust"}, d(TypeSecurityPolicies, policies("trust", "untrust",
				obj{"name": "mail", "source_address": list("mail"), "destination_address": list("any"), "application": list("junos-smtp", "imaps-alt"), "action": "permit", "log": true},
				obj{"name": "deny", "source_address": list("any"), "destination_address": list("any"), "application": list("any"), "action": "deny"}))),
			remove("junos_application.old", TypeApplication, obj{"id": "old-app", "name": "old-app"}),
			remove("junos_security_policies.gone", TypeSecurityPolicies, obj{"id": "dmz>untrust"}),
		},
		"routes-and-replace": {
			create("junos_static_route.default", TypeStaticRoute, d(TypeStaticRoute, obj{"destination": "0.0.0.0/0", "next_hops": list("192.0.2.1")})),
			create("junos_static_route.mgmt", TypeStaticRoute, d(TypeStaticRoute, obj{"destination": "10.0.0.0/8", "routing_instance": "mgmt", "next_hops": list("10.255.0.1", "10.255.0.2")})),
			create("junos_static_route.mgmt2", TypeStaticRoute, d(TypeStaticRoute, obj{"destination": "172.16.0.0/12", "routing_instance": "mgmt", "next_hops": list("10.255.0.1")})),
			remove("junos_static_route.old", TypeStaticRoute, obj{"id": "mgmt/192.168.0.0/16"}),
			{Addr: "junos_application.renamed", Type: TypeApplication, Action: providers.Replace, Prior: obj{"id": "app-a", "name": "app-a"},
				Planned: d(TypeApplication, obj{"name": "app-b", "protocol": "udp"})},
		},
		"ex-switching": {
			create("junos_vlan.mail", TypeVLAN, d(TypeVLAN, obj{"name": "mail", "vlan_id": int64(120), "l3_interface": "irb.120", "description": "mail servers"})),
			create("junos_interface.irb", TypeInterface, d(TypeInterface, obj{"name": "irb", "unit": blocks(obj{"id": int64(120), "addresses": list("10.120.0.2/24")})})),
			create("junos_interface.esx1", TypeInterface, d(TypeInterface, obj{"name": "ge-0/0/10", "mtu": int64(9216), "unit": blocks(obj{"id": int64(0),
				"switching": obj{"mode": "trunk", "vlans": list("mail", "ldap")}})})),
		},
	}
}

// TestRenderGolden: the load-configuration document for each change set, as sent.
func TestRenderGolden(t *testing.T) {
	for name, changes := range renderCases(t) {
		t.Run(name, func(t *testing.T) {
			lp, err := buildLoad(changes)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("render", name+".xml"), indented(lp.doc))
			// What goes on the wire is the same document, compact, inside the RPC.
			wire := lp.loadRPC()
			if !strings.HasPrefix(wire, `<load-configuration action="replace" format="xml"><configuration>`) {
				t.Errorf("RPC %.80s", wire)
			}
			if _, err := parseElement([]byte(wire)); err != nil {
				t.Errorf("RPC is not well-formed: %v", err)
			}
		})
	}
}

// TestRenderParseRoundTrip: parsing a rendered stanza gives back the desired object, for every
// object of the golden change sets and the lifecycle cases.
func TestRenderParseRoundTrip(t *testing.T) {
	p := New(providers.Options{}).(*Provider)
	check := func(typ string, o obj) {
		t.Helper()
		rt := types[typ]
		got := rt.parse(rt.render(o))
		if typ == TypeStaticRoute && providers.Has(o, "routing_instance") {
			got["routing_instance"] = o["routing_instance"]
		}
		want, _ := p.Normalize(typ, o)
		delete(want, "id")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", typ, got, want)
		}
	}
	for _, changes := range renderCases(t) {
		for _, c := range changes {
			if c.Planned != nil {
				check(c.Type, c.Planned)
			}
		}
	}
	for _, tc := range lifecycleCases {
		check(tc.typ, desired(t, tc.typ, tc.create))
		check(tc.typ, desired(t, tc.typ, tc.update))
	}
}

// TestNormalize: the desired form matches what refresh reads.
func TestNormalize(t *testing.T) {
	p := New(providers.Options{}).(*Provider)
	got, err := p.Normalize(TypeInterface, obj{"name": "reth0", "tags": map[string]any{"role": "uplink"},
		"unit": []any{map[string]any{"id": int64(0), "addresses": list("2001:db8::1/64", "10.0.0.1/24"), "description": ""}}})
	if err != nil {
		t.Fatal(err)
	}
	want := obj{"name": "reth0", "tags": map[string]any{"role": "uplink"},
		"unit": []any{obj{"id": int64(0), "addresses": list("10.0.0.1/24", "2001:db8::1/64")}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	got, _ = p.Normalize(TypeSecurityPolicies, obj{"from_zone": "a", "to_zone": "b", "id": "a>b",
		"policy": []any{obj{"name": "p", "source_address": list("any"), "destination_address": list("any"), "application": list("any"), "action": "deny"}}})
	if pol := providers.Blocks(got, "policy")[0]; pol["log"] != false || got["id"] != "a>b" {
		t.Errorf("policy: %#v", got)
	}
	// Addresses and prefixes as Junos writes them back.
	got, _ = p.Normalize(TypeStaticRoute, obj{"destination": "2001:DB8:0::1", "next_hops": list("2001:db8:0:0::fe", "192.0.2.1")})
	if !reflect.DeepEqual(got, obj{"destination": "2001:db8::1/128", "next_hops": list("2001:db8::fe", "192.0.2.1")}) {
		t.Errorf("route: %#v", got)
	}
	got, _ = p.Normalize(TypeAddressBook, obj{"name": "global", "address": []any{obj{"name": "h", "prefix": "192.0.2.7"}}})
	if pfx := providers.Blocks(got, "address")[0]["prefix"]; pfx != "192.0.2.7/32" {
		t.Errorf("address: %v", pfx)
	}
	// A block holding a value known only after apply is passed through as it is.
	type unknownMarker struct{}
	units := []any{map[string]any{"id": int64(0), "switching": map[string]any{"mode": "trunk", "vlans": unknownMarker{}}}}
	got, _ = p.Normalize(TypeInterface, obj{"name": "ge-0/0/1", "unit": units, "description": "x"})
	if !reflect.DeepEqual(got, obj{"name": "ge-0/0/1", "unit": units, "description": "x"}) {
		t.Errorf("unknown inside a block: %#v", got)
	}
	// Keys the engine left out (unknown at plan time) stay out.
	got, _ = p.Normalize(TypeInterface, obj{"name": "ge-0/0/1", "description": ""})
	if !reflect.DeepEqual(got, obj{"name": "ge-0/0/1"}) {
		t.Errorf("partial: %#v", got)
	}
	if _, err := p.Normalize("junos_nope", obj{}); err == nil {
		t.Error("unknown type normalized")
	}
}

func TestBuildLoadErrors(t *testing.T) {
	app := obj{"name": "a", "protocol": "tcp"}
	cases := []struct {
		name    string
		changes []providers.Change
		want    string
	}{
		{"unknown type", []providers.Change{create("junos_nope.x", "junos_nope", obj{})}, `junos_nope.x: unknown resource type "junos_nope"`},
		{"two writers", []providers.Change{create("junos_application.x", TypeApplication, app), create("junos_application.y", TypeApplication, app)},
			`junos_application.y: junos_application "a" is also written by junos_application.x`},
		{"delete without id", []providers.Change{remove("junos_vlan.v", TypeVLAN, obj{})}, "junos_vlan.v: delete without the object's id"},
		{"missing key", []providers.Change{create("junos_vlan.v", TypeVLAN, obj{"vlan_id": int64(3)})}, "junos_vlan.v: name is required"},
		{"bad policies id", []providers.Change{remove("junos_security_policies.p", TypeSecurityPolicies, obj{"id": "trust"})}, `id "trust" is not FROM>TO`},
		{"bad route id", []providers.Change{remove("junos_static_route.r", TypeStaticRoute, obj{"id": "a/b/c/d"})}, "is not DESTINATION"},
		{"bad action", []providers.Change{{Addr: "junos_vlan.v", Type: TypeVLAN, Action: "frobnicate", Planned: obj{"name": "v"}}}, `unsupported action "frobnicate"`},
	}
	for _, tc := range cases {
		if _, err := buildLoad(tc.changes); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestVerify: the read-back comparison catches a stanza that is missing, different, in another
// order, or still there after its delete.
func TestVerify(t *testing.T) {
	pols := desired(t, TypeSecurityPolicies, policies("trust", "untrust", policy("a", "any"), policy("b", "any")))
	lp, err := buildLoad([]providers.Change{
		create("junos_security_policies.p", TypeSecurityPolicies, pols),
		create("junos_application.x", TypeApplication, obj{"name": "x", "protocol": "tcp"}),
		remove("junos_vlan.v", TypeVLAN, obj{"id": "v"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	good := func() *element {
		cfg := el("configuration")
		for _, k := range sortedTids(lp.written) {
			steps, _, _ := types[k.typ].where(k.id)
			place(cfg, steps, lp.written[k].cloneBare())
		}
		return cfg
	}
	if err := lp.verify(good()); err != nil {
		t.Fatalf("verify of what was loaded: %v", err)
	}
	cases := map[string]func(cfg *element){
		`junos_application "x" is missing`: func(cfg *element) { cfg.Children = cfg.all("security") },
		`junos_application "x" differs`: func(cfg *element) {
			cfg.path("applications", "application").child("protocol").Text = "udp"
		},
		`junos_security_policies "trust>untrust" differs`: func(cfg *element) {
			pair := cfg.path("security", "policies", "policy")
			pair.Children[2], pair.Children[3] = pair.Children[3], pair.Children[2]
		},
		`junos_vlan "v" is still there`: func(cfg *element) { cfg.add(el("vlans", el("vlan", leafEl("name", "v")))) },
	}
	for want, tamper := range cases {
		cfg := good()
		tamper(cfg)
		if err := lp.verify(cfg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}
