package junos

import (
	"reflect"
	"strings"
	"testing"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos/junossim"
)

type obj = providers.Object

func list(ss ...string) []any { return providers.StringList(ss) }

func blocks(os ...obj) []any { return providers.BlockList(os) }

// lifecycleCases: for each type, an object to create and one to update it to, on a device
// seeded with what the objects refer to.
var lifecycleCases = []struct {
	name        string
	personality string
	seed        string
	typ         string
	id          string
	create      obj
	update      obj
	// inText must appear in the committed configuration after the create: set lines, or
	// XML fragments (compared without the whitespace between elements).
	inText []string
}{
	{
		name: "reth interface", typ: TypeInterface, id: "reth1",
		seed: "set chassis cluster reth-count 2",
		create: obj{"name": "reth1", "description": "mail uplink", "mtu": int64(9192), "redundancy_group": int64(1), "lacp": "active",
			"unit": blocks(obj{"id": int64(120), "vlan_id": int64(120), "description": "mail",
				"addresses": list("2001:db8:120::1/64", "10.120.0.1/24")})},
		update: obj{"name": "reth1", "description": "mail uplink (moved)", "redundancy_group": int64(1),
			"unit": blocks(
				obj{"id": int64(120), "vlan_id": int64(120), "addresses": list("10.120.0.1/24")},
				obj{"id": int64(130), "vlan_id": int64(130), "addresses": list("10.130.0.1/24")})},
		inText: []string{
			"set interfaces reth1 vlan-tagging",
			"set interfaces reth1 redundant-ether-options redundancy-group 1",
			"set interfaces reth1 redundant-ether-options lacp active",
			"set interfaces reth1 unit 120 family inet address 10.120.0.1/24",
			"set interfaces reth1 unit 120 family inet6 address 2001:db8:120::1/64",
		},
	},
	{
		name: "reth member port", typ: TypeInterface, id: "ge-0/0/4",
		create: obj{"name": "ge-0/0/4", "member_of": "reth1"},
		update: obj{"name": "ge-0/0/4", "member_of": "reth2", "description": "now in reth2"},
		inText: []string{"<gigether-options><redundant-parent><parent>reth1</parent></redundant-parent></gigether-options>"},
	},
	{
		name: "ae bundle and member", typ: TypeInterface, id: "ge-0/0/5",
		create: obj{"name": "ge-0/0/5", "member_of": "ae0"},
		update: obj{"name": "ge-0/0/5", "member_of": "ae1"},
		inText: []string{"<ether-options><ieee-802.3ad><bundle>ae0</bundle></ieee-802.3ad></ether-options>"},
	},
	{
		name: "ae with lacp", typ: TypeInterface, id: "ae0",
		create: obj{"name": "ae0", "lacp": "active", "unit": blocks(obj{"id": int64(0), "addresses": list("10.9.0.1/30")})},
		update: obj{"name": "ae0", "lacp": "passive", "mtu": int64(1600)},
		inText: []string{"set interfaces ae0 aggregated-ether-options lacp active"},
	},
	{
		name: "ex access and trunk ports", personality: "ex", typ: TypeInterface, id: "ge-0/0/10",
		seed: "set vlans mail vlan-id 120\nset vlans ldap vlan-id 130",
		create: obj{"name": "ge-0/0/10", "unit": blocks(obj{"id": int64(0),
			"switching": obj{"mode": "trunk", "vlans": list("mail", "ldap")}})},
		update: obj{"name": "ge-0/0/10", "description": "esx3 vmnic2", "unit": blocks(obj{"id": int64(0),
			"switching": obj{"mode": "access", "vlans": list("mail")}})},
		inText: []string{"set interfaces ge-0/0/10 unit 0 family ethernet-switching interface-mode trunk",
			"set interfaces ge-0/0/10 unit 0 family ethernet-switching vlan members ldap"},
	},
	{
		name: "chassis cluster", typ: TypeChassisCluster, id: "chassis-cluster",
		create: obj{"reth_count": int64(2), "redundancy_group": blocks(
			obj{"id": int64(0), "node0_priority": int64(200), "node1_priority": int64(100)},
			obj{"id": int64(1), "node0_priority": int64(200), "node1_priority": int64(100), "preempt": true})},
		update: obj{"reth_count": int64(4), "redundancy_group": blocks(
			obj{"id": int64(0), "node0_priority": int64(200), "node1_priority": int64(100)})},
		inText: []string{"set chassis cluster reth-count 2", "set chassis cluster redundancy-group 1 preempt",
			"set chassis cluster redundancy-group 1 node 1 priority 100"},
	},
	{
		name: "security zone", typ: TypeSecurityZone, id: "trust",
		seed: "set interfaces ge-0/0/3 unit 0 family inet address 10.0.3.1/24\nset interfaces ge-0/0/6 unit 0 family inet address 10.0.6.1/24",
		create: obj{"name": "trust", "interfaces": list("ge-0/0/3.0"), "system_services": list("ssh", "ping"), "protocols": list("bgp"),
			"address":     blocks(obj{"name": "mail-net", "prefix": "10.120.0.0/24"}, obj{"name": "ldap-net", "prefix": "10.130.0.0/24"}),
			"address_set": blocks(obj{"name": "services", "addresses": list("mail-net", "ldap-net")})},
		update: obj{"name": "trust", "interfaces": list("ge-0/0/3.0", "ge-0/0/6.0"), "system_services": list("ssh"),
			"address": blocks(obj{"name": "mail-net", "prefix": "10.121.0.0/24"})},
		inText: []string{"set security zones security-zone trust host-inbound-traffic protocols bgp",
			"set security zones security-zone trust address-book address-set services address ldap-net"},
	},
	{
		name: "global address book", typ: TypeAddressBook, id: "global",
		create: obj{"name": "global", "address": blocks(obj{"name": "dns1", "prefix": "192.0.2.53/32"}),
			"address_set": blocks(obj{"name": "dns", "addresses": list("dns1")})},
		update: obj{"name": "global", "address": blocks(obj{"name": "dns1", "prefix": "192.0.2.53/32"}, obj{"name": "dns2", "prefix": "192.0.2.54/32"}),
			"address_set": blocks(obj{"name": "dns", "addresses": list("dns1", "dns2")})},
		inText: []string{"set security address-book global address dns1 192.0.2.53/32"},
	},
	{
		name: "application", typ: TypeApplication, id: "imaps-alt",
		create: obj{"name": "imaps-alt", "protocol": "tcp", "destination_port": "1993", "inactivity_timeout": int64(3600)},
		update: obj{"name": "imaps-alt", "protocol": "tcp", "destination_port": "1993-1994", "source_port": "1024-65535"},
		inText: []string{"set applications application imaps-alt destination-port 1993"},
	},
	{
		name: "security policies", typ: TypeSecurityPolicies, id: "trust>untrust",
		seed: "set security zones security-zone trust\nset security zones security-zone untrust\nset applications application imaps-alt protocol tcp destination-port 1993",
		create: obj{"from_zone": "trust", "to_zone": "untrust", "policy": blocks(
			obj{"name": "mail-out", "source_address": list("any"), "destination_address": list("any"), "application": list("junos-smtp", "imaps-alt"), "action": "permit", "log": true},
			obj{"name": "deny-rest", "source_address": list("any"), "destination_address": list("any"), "application": list("any"), "action": "deny"})},
		update: obj{"from_zone": "trust", "to_zone": "untrust", "policy": blocks(
			obj{"name": "dns-out", "source_address": list("any"), "destination_address": list("any"), "application": list("junos-dns-udp"), "action": "permit"},
			obj{"name": "mail-out", "source_address": list("any"), "destination_address": list("any"), "application": list("junos-smtp"), "action": "permit"},
			obj{"name": "deny-rest", "source_address": list("any"), "destination_address": list("any"), "application": list("any"), "action": "reject", "log": true})},
		inText: []string{"set security policies from-zone trust to-zone untrust policy mail-out then log session-close"},
	},
	{
		name: "vlan", personality: "ex", typ: TypeVLAN, id: "mail",
		create: obj{"name": "mail", "vlan_id": int64(120), "l3_interface": "irb.120", "description": "mail servers"},
		update: obj{"name": "mail", "vlan_id": int64(121)},
		inText: []string{"set vlans mail l3-interface irb.120"},
	},
	{
		name: "static route", typ: TypeStaticRoute, id: "0.0.0.0/0",
		create: obj{"destination": "0.0.0.0/0", "next_hops": list("192.0.2.1")},
		update: obj{"destination": "0.0.0.0/0", "next_hops": list("192.0.2.1", "192.0.2.2")},
		inText: []string{"set routing-options static route 0.0.0.0/0 next-hop 192.0.2.1"},
	},
	{
		name: "static route in an instance", typ: TypeStaticRoute, id: "mgmt/10.0.0.0/8",
		seed:   "set routing-instances mgmt instance-type virtual-router",
		create: obj{"destination": "10.0.0.0/8", "routing_instance": "mgmt", "next_hops": list("10.255.0.1")},
		update: obj{"destination": "10.0.0.0/8", "routing_instance": "mgmt", "next_hops": list("10.255.0.2")},
		inText: []string{"set routing-instances mgmt routing-options static route 10.0.0.0/8 next-hop 10.255.0.1"},
	},
}

// TestLifecycle: for each type, create, read back equal, update, read back equal, delete,
// read back gone — each step one transaction and the device left clean.
func TestLifecycle(t *testing.T) {
	for _, tc := range lifecycleCases {
		t.Run(tc.name, func(t *testing.T) {
			d := startDevice(t, junossim.Options{Personality: tc.personality})
			if tc.seed != "" {
				if err := d.sim.LoadSet(tc.seed); err != nil {
					t.Fatal(err)
				}
			}
			p := d.provider(t, nil)
			want := func(o obj) obj {
				n, err := p.Normalize(tc.typ, desired(t, tc.typ, o))
				if err != nil {
					t.Fatal(err)
				}
				n["id"] = tc.id
				return n
			}
			addr := tc.typ + ".test"

			res := mustApply(t, p, create(addr, tc.typ, desired(t, tc.typ, tc.create)))
			if !reflect.DeepEqual(res[0].New, want(tc.create)) {
				t.Fatalf("create result:\n got %#v\nwant %#v", res[0].New, want(tc.create))
			}
			set, xml := d.sim.CommittedSet(), compactXML(d.sim.CommittedXML())
			for _, line := range tc.inText {
				in := set
				if strings.HasPrefix(line, "<") {
					in = xml
				}
				if !strings.Contains(in, line) {
					t.Errorf("committed configuration lacks %q:\n%s", line, in)
				}
			}
			got := refreshOne(t, p, tc.typ, tc.id)
			if !reflect.DeepEqual(got, want(tc.create)) {
				t.Fatalf("refresh after create:\n got %#v\nwant %#v", got, want(tc.create))
			}
			d.assertClean(t)

			res = mustApply(t, p, update(addr, tc.typ, got, desired(t, tc.typ, tc.update)))
			if !reflect.DeepEqual(res[0].New, want(tc.update)) {
				t.Fatalf("update result:\n got %#v\nwant %#v", res[0].New, want(tc.update))
			}
			got = refreshOne(t, p, tc.typ, tc.id)
			if !reflect.DeepEqual(got, want(tc.update)) {
				t.Fatalf("refresh after update:\n got %#v\nwant %#v", got, want(tc.update))
			}
			d.assertClean(t)

			if len(d.warnings) > 0 {
				t.Errorf("warnings about a stanza enclave wrote: %q", d.warnings)
			}
			res = mustApply(t, p, remove(addr, tc.typ, got))
			if res[0].New != nil {
				t.Fatalf("delete result New = %#v", res[0].New)
			}
			if got := refreshOne(t, p, tc.typ, tc.id); got != nil {
				t.Fatalf("refresh after delete: %#v", got)
			}
			d.assertClean(t)
		})
	}
}

// compactXML drops the indentation between elements.
func compactXML(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(line))
	}
	return b.String()
}
