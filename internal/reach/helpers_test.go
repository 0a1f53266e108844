package reach

import (
	"strings"
	"testing"
)

// pol builds a policy from space-separated name lists.
func pol(name, action, src, dst, app string) Policy {
	return Policy{Name: name, Action: action, Source: strings.Fields(src), Destination: strings.Fields(dst), Application: strings.Fields(app)}
}

// pair builds a zone pair's policies.
func pair(from, to string, ps ...Policy) ZonePair { return ZonePair{From: from, To: to, Policies: ps} }

// book builds an address book from "name=prefix" addresses and "name:member,member" sets.
func book(entries ...string) AddressBook {
	b := AddressBook{Addresses: map[string]string{}, AddressSets: map[string][]string{}}
	for _, e := range entries {
		if name, members, ok := strings.Cut(e, ":"); ok {
			b.AddressSets[name] = strings.Split(members, ",")
			continue
		}
		name, prefix, _ := strings.Cut(e, "=")
		b.Addresses[name] = prefix
	}
	return b
}

func mustDiff(t *testing.T, before, after Config) Result {
	t.Helper()
	r, err := Diff(before, after)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return r
}
