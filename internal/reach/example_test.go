package reach_test

import (
	"fmt"

	"github.com/enclave-dev/enclave/internal/reach"
)

func Example() {
	books := map[string]reach.AddressBook{
		"core": {Addresses: map[string]string{"users": "10.1.0.0/24", "admin": "10.1.0.7/32"}},
		"hci":  {Addresses: map[string]string{"cluster": "10.20.0.0/24"}},
	}
	before := reach.Config{Zones: books, Policies: []reach.ZonePair{{From: "core", To: "hci", Policies: []reach.Policy{
		{Name: "admin-ssh", Source: []string{"admin"}, Destination: []string{"cluster"}, Application: []string{"junos-ssh"}, Action: "permit"},
		{Name: "deny-all", Source: []string{"any"}, Destination: []string{"any"}, Application: []string{"any"}, Action: "deny"},
	}}}}
	after := reach.Config{Zones: books, Policies: []reach.ZonePair{{From: "core", To: "hci", Policies: []reach.Policy{
		{Name: "web", Source: []string{"users"}, Destination: []string{"cluster"}, Application: []string{"junos-https"}, Action: "permit"},
		{Name: "deny-all", Source: []string{"any"}, Destination: []string{"any"}, Application: []string{"any"}, Action: "deny"},
	}}}}
	r, err := reach.Diff(before, after)
	if err != nil {
		panic(err)
	}
	fmt.Print(r)
	fmt.Println("opens into hci:", len(r.OpensInto("hci")) > 0, "- any to any:", len(r.OpensAnyToAny()) > 0)
	// Output:
	// + core -> hci: 10.1.0.0/24 -> 10.20.0.0/24 tcp/443
	// - core -> hci: 10.1.0.7/32 -> 10.20.0.0/24 tcp/22
	// opens into hci: true - any to any: false
}
