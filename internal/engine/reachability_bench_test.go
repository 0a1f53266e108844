package engine

import (
	"fmt"
	"math/rand"
	"net/netip"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/plans"
)

// largeDevice is one SRX as a plan records it: 5 zones with 400 addresses each (2,000
// addresses), 40 custom applications and 20 zone pairs of 100 policies (2,000 policies, each
// list ending in a deny-all), every resource a no-op but the z1 -> z3 policies, whose 51st
// policy gets another destination and application.
func largeDevice() map[string]*plans.ResourceChange {
	rng := rand.New(rand.NewSource(7))
	all := map[string]*plans.ResourceChange{}
	add := func(typ, name string, v map[string]any) *plans.ResourceChange {
		c := &plans.ResourceChange{Addr: typ + "." + name, Mode: "managed", Type: typ, Name: name, Provider: "junos.srx", Action: plans.NoOp, Before: v, After: v}
		all[c.Addr] = c
		return c
	}
	zones := []string{"z0", "z1", "z2", "z3", "z4"}
	for zi, z := range zones {
		var addrs []any
		for i := 0; i < 400; i++ {
			a := netip.AddrFrom4([4]byte{10, byte(zi), byte(rng.Intn(256)), byte(rng.Intn(256))})
			p, _ := a.Prefix([]int{32, 32, 32, 28, 26, 24}[rng.Intn(6)])
			addrs = append(addrs, map[string]any{"name": fmt.Sprintf("%s-a%d", z, i), "prefix": p.String()})
		}
		add("junos_security_zone", z, map[string]any{"id": z, "name": z, "address": addrs})
	}
	apps := []string{"junos-ssh", "junos-https", "junos-http", "junos-dns-udp", "junos-ntp", "junos-icmp-ping", "junos-ldap"}
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("app%d", i)
		lo := 1000 + rng.Intn(9000)
		add("junos_application", name, map[string]any{"id": name, "name": name, "protocol": []string{"tcp", "udp"}[rng.Intn(2)],
			"destination_port": fmt.Sprintf("%d-%d", lo, lo+rng.Intn(20))})
		apps = append(apps, name)
	}
	pick := func(z string, n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s-a%d", z, rng.Intn(400))
		}
		return out
	}
	for _, from := range zones {
		for _, to := range zones {
			if from == to {
				continue
			}
			var pols []any
			for i := 0; i < 99; i++ {
				action := "permit"
				if rng.Intn(7) == 0 {
					action = "deny"
				}
				pols = append(pols, map[string]any{"name": fmt.Sprintf("%s-%s-%d", from, to, i), "source_address": pick(from, 1+rng.Intn(3)),
					"destination_address": pick(to, 1+rng.Intn(3)), "application": []any{apps[rng.Intn(len(apps))], apps[rng.Intn(len(apps))]},
					"action": action, "log": true})
			}
			pols = append(pols, map[string]any{"name": "deny-all", "source_address": []any{"any"}, "destination_address": []any{"any"},
				"application": []any{"any"}, "action": "deny", "log": true})
			c := add("junos_security_policies", from+"_"+to, map[string]any{"id": from + ">" + to, "from_zone": from, "to_zone": to, "policy": pols})
			if from == "z1" && to == "z3" {
				after := map[string]any{}
				for k, v := range c.Before {
					after[k] = v
				}
				changed := append([]any(nil), pols...)
				p := map[string]any{}
				for k, v := range pols[50].(map[string]any) {
					p[k] = v
				}
				p["destination_address"] = []any{"z3-a7", "z3-a8"}
				p["application"] = []any{"junos-https", "app3"}
				p["action"] = "permit"
				changed[50] = p
				after["policy"] = changed
				c.After, c.Action = after, plans.Update
			}
		}
	}
	return all
}

func kept(all map[string]*plans.ResourceChange) []plans.ResourceChange {
	out := make([]plans.ResourceChange, 0, len(all))
	for _, k := range keysOf(all) {
		out = append(out, *all[k])
	}
	return out
}

// BenchmarkPlanReachability2000Policies is the plan's part of issue 14's performance case: a
// device with 2,000 addresses and 2,000 policies across 20 zone pairs, one policy changed,
// from the plan's records to the flows it stores (the whole must stay under a second).
func BenchmarkPlanReachability2000Policies(b *testing.B) {
	all := largeDevice()
	k := kept(all)
	b.ResetTimer()
	for b.Loop() {
		if r := planReachability(all, k); len(r) != 1 || r[0].NotComputed != "" {
			b.Fatalf("%+v", r)
		}
	}
}

// The large case is confined to the changed pair. How long it takes is the benchmark's to
// say (about 30 ms on a 2-core machine): a wall-clock bound here would fail under -race.
func TestPlanReachabilityLarge(t *testing.T) {
	all := largeDevice()
	start := time.Now()
	r := planReachability(all, kept(all))
	t.Logf("reachability of 2,000 addresses and 2,000 policies, one changed: %v", time.Since(start))
	if len(r) != 1 || r[0].NotComputed != "" || len(r[0].Opens)+len(r[0].Closes) == 0 {
		t.Fatalf("%+v", r)
	}
	for _, fs := range [][]plans.Flow{r[0].Opens, r[0].Closes} {
		for _, f := range fs {
			if f.FromZone != "z1" || f.ToZone != "z3" {
				t.Errorf("flow outside the changed pair: %s", f.Text)
			}
		}
	}
}
