package reach

import (
	"reflect"
	"strings"
	"testing"
)

// planned holds values the way enclave's plans hold them: lists as []any, blocks as []any of
// map[string]any.
func planned() []Resource {
	return []Resource{
		{Type: "junos_security_zone", Values: map[string]any{
			"id": "trust", "name": "trust", "interfaces": []any{"ge-0/0/1.0"},
			"address": []any{
				map[string]any{"name": "lan", "prefix": "10.0.0.0/16"},
				map[string]any{"name": "h1", "prefix": "10.0.9.1/32"},
			},
			"address_set": []any{map[string]any{"name": "admins", "addresses": []any{"h1"}}},
		}},
		{Type: "junos_security_zone", Values: map[string]any{"name": "dmz",
			"address": []map[string]any{{"name": "web", "prefix": "10.20.0.0/24"}}}},
		{Type: "junos_address_book", Values: map[string]any{"name": "global",
			"address": []any{map[string]any{"name": "dns", "prefix": "10.99.0.53/32"}}, "address_set": []any{}}},
		{Type: "junos_address_book", Values: map[string]any{"name": "other",
			"address": []any{map[string]any{"name": "ignored", "prefix": "1.2.3.4/32"}}}},
		{Type: "junos_application", Values: map[string]any{"name": "alt-https", "protocol": "tcp",
			"destination_port": "8443", "inactivity_timeout": int64(600)}},
		{Type: "junos_security_policies", Values: map[string]any{"id": "trust>dmz", "from_zone": "trust", "to_zone": "dmz",
			"policy": []any{
				map[string]any{"name": "web", "source_address": []any{"lan"}, "destination_address": []any{"web"},
					"application": []any{"junos-https", "alt-https"}, "action": "permit", "log": true},
				map[string]any{"name": "deny-all", "source_address": []string{"any"}, "destination_address": []string{"any"},
					"application": []string{"any"}, "action": "deny", "log": false},
			}}},
		{Type: "junos_interface", Values: map[string]any{"name": "ge-0/0/1"}},
	}
}

func TestFromResources(t *testing.T) {
	cfg, err := FromResources(planned())
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Zones: map[string]AddressBook{
			"trust": {Addresses: map[string]string{"lan": "10.0.0.0/16", "h1": "10.0.9.1/32"},
				AddressSets: map[string][]string{"admins": {"h1"}}},
			"dmz": {Addresses: map[string]string{"web": "10.20.0.0/24"}, AddressSets: map[string][]string{}},
		},
		Global:       AddressBook{Addresses: map[string]string{"dns": "10.99.0.53/32"}, AddressSets: map[string][]string{}},
		Applications: map[string]Application{"alt-https": {Protocol: "tcp", DestinationPort: "8443"}},
		Policies: []ZonePair{{From: "trust", To: "dmz", Policies: []Policy{
			{Name: "web", Source: []string{"lan"}, Destination: []string{"web"}, Application: []string{"junos-https", "alt-https"}, Action: "permit"},
			{Name: "deny-all", Source: []string{"any"}, Destination: []string{"any"}, Application: []string{"any"}, Action: "deny"},
		}}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %#v\nwant %#v", cfg, want)
	}
	r, err := Diff(Config{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "+ trust -> dmz: 10.0.0.0/16 -> 10.20.0.0/24 tcp/443,8443\n" {
		t.Errorf("Diff from nothing = %q", got)
	}
}

func TestFromResourcesErrors(t *testing.T) {
	type unknown struct{}
	for _, tc := range []struct {
		name string
		rs   []Resource
		want string
	}{
		{"unknown prefix", []Resource{{Type: "junos_security_zone", Values: map[string]any{"name": "z",
			"address": []any{map[string]any{"name": "a", "prefix": unknown{}}}}}}, `address "a": prefix is not a known string`},
		{"unknown source list", []Resource{{Type: "junos_security_policies", Values: map[string]any{"from_zone": "a", "to_zone": "b",
			"policy": []any{map[string]any{"name": "p", "source_address": unknown{}}}}}}, `policy 0 ("p"): source_address is not a known list`},
		{"unknown list element", []Resource{{Type: "junos_security_policies", Values: map[string]any{"from_zone": "a", "to_zone": "b",
			"policy": []any{map[string]any{"name": "p", "application": []any{"junos-ssh", unknown{}}}}}}}, `application[1] is not a known string`},
		{"duplicate pair", []Resource{
			{Type: "junos_security_policies", Values: map[string]any{"from_zone": "a", "to_zone": "b"}},
			{Type: "junos_security_policies", Values: map[string]any{"from_zone": "a", "to_zone": "b"}},
		}, "a>b appears twice"},
		{"duplicate zone", []Resource{
			{Type: "junos_security_zone", Values: map[string]any{"name": "a"}},
			{Type: "junos_security_zone", Values: map[string]any{"name": "a"}},
		}, `"a" appears twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromResources(tc.rs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
