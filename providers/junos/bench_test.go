package junos

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos/junossim"
)

// srx2000 is the desired state of a big SRX: 11 zones, a global address book of 2,000
// addresses and 2,000 policies over 10 zone pairs, each policy naming two addresses.
func srx2000(t testing.TB) []providers.Change {
	var changes []providers.Change
	zone := func(name string) {
		changes = append(changes, create("junos_security_zone."+name, TypeSecurityZone, desired(t, TypeSecurityZone, obj{"name": name})))
	}
	zone("trust")
	var addrs []obj
	for i := range 2000 {
		addrs = append(addrs, obj{"name": fmt.Sprintf("host-%04d", i), "prefix": fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)})
	}
	changes = append(changes, create("junos_address_book.global", TypeAddressBook, desired(t, TypeAddressBook, obj{"name": "global", "address": blocks(addrs...)})))
	for z := range 10 {
		to := fmt.Sprintf("svc%d", z)
		zone(to)
		var pols []obj
		for i := range 200 {
			n := z*200 + i
			pols = append(pols, obj{"name": fmt.Sprintf("p-%04d", n), "source_address": list(fmt.Sprintf("host-%04d", n)),
				"destination_address": list(fmt.Sprintf("host-%04d", (n+1)%2000)), "application": list("junos-https", "junos-ssh"),
				"action": "permit", "log": i%2 == 0})
		}
		changes = append(changes, create("junos_security_policies."+to, TypeSecurityPolicies, desired(t, TypeSecurityPolicies, policies("trust", to, pols...))))
	}
	return changes
}

// BenchmarkPlanSRX2000 is what plan costs per device: one refresh of every resource, and the
// desired state normalised and rendered into its load document.
func BenchmarkPlanSRX2000(b *testing.B) {
	d := startDevice(b, junossim.Options{})
	p := d.provider(b, map[string]any{"timeout_seconds": int64(60)})
	changes := srx2000(b)
	res := mustApply(b, p, changes...)
	var reqs []providers.RefreshRequest
	for i, c := range changes {
		reqs = append(reqs, providers.RefreshRequest{Addr: c.Addr, Type: c.Type, ID: providers.String(res[i].New, "id")})
	}
	d.sim.ResetCounts()
	b.ResetTimer()
	for b.Loop() {
		got, err := p.Refresh(context.Background(), reqs)
		if err != nil {
			b.Fatal(err)
		}
		for i, c := range changes {
			n, err := p.Normalize(c.Type, c.Planned)
			if err != nil || got[i].Current == nil {
				b.Fatal(err)
			}
			_ = n
		}
		if _, err := buildLoad(changes); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if per := b.Elapsed() / time.Duration(b.N); per > 3*time.Second {
		b.Errorf("plan of one 2,000-policy SRX took %v, over the 3 s budget", per)
	}
	if gets := d.sim.RPCCount("get-configuration"); gets != b.N {
		b.Fatalf("%d get-configuration RPCs for %d refreshes", gets, b.N)
	}
}

// BenchmarkApplySRX2000 is one transaction that creates the whole SRX configuration.
func BenchmarkApplySRX2000(b *testing.B) {
	changes := srx2000(b)
	for b.Loop() {
		b.StopTimer()
		d := startDevice(b, junossim.Options{})
		p := d.provider(b, map[string]any{"timeout_seconds": int64(60)})
		b.StartTimer()
		mustApply(b, p, changes...)
		b.StopTimer()
		if n := d.sim.CommitCount(); n != 3 {
			b.Fatalf("%d commits", n)
		}
		p.Close()
		d.sim.Close()
		b.StartTimer()
	}
}
