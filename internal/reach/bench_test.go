package reach

import (
	"fmt"
	"math/rand"
	"net/netip"
	"testing"
	"time"
)

// largeConfig is a device with 5 zones of 400 addresses each (2,000 addresses), 40 custom
// applications and 100 policies in each of the 20 zone pairs (2,000 policies), every list
// ending in a deny-all.
func largeConfig(seed int64) Config {
	rng := rand.New(rand.NewSource(seed))
	zones := []string{"z0", "z1", "z2", "z3", "z4"}
	cfg := Config{Zones: map[string]AddressBook{}, Global: book(), Applications: map[string]Application{}}
	for zi, z := range zones {
		b := book()
		for i := 0; i < 400; i++ {
			a := netip.AddrFrom4([4]byte{10, byte(zi), byte(rng.Intn(256)), byte(rng.Intn(256))})
			p, _ := a.Prefix([]int{32, 32, 32, 28, 26, 24}[rng.Intn(6)])
			b.Addresses[fmt.Sprintf("%s-a%d", z, i)] = p.String()
		}
		cfg.Zones[z] = b
	}
	var apps []string
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("app%d", i)
		lo := 1000 + rng.Intn(9000)
		cfg.Applications[name] = Application{Protocol: []string{"tcp", "udp"}[rng.Intn(2)],
			DestinationPort: fmt.Sprintf("%d-%d", lo, lo+rng.Intn(20))}
		apps = append(apps, name)
	}
	apps = append(apps, "junos-ssh", "junos-https", "junos-http", "junos-dns-udp", "junos-ntp", "junos-icmp-ping", "junos-ldap")
	pick := func(z string, n int) []string {
		out := make([]string, n)
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
			zp := ZonePair{From: from, To: to}
			for i := 0; i < 99; i++ {
				action := "permit"
				if rng.Intn(7) == 0 {
					action = "deny"
				}
				zp.Policies = append(zp.Policies, Policy{
					Name:        fmt.Sprintf("%s-%s-%d", from, to, i),
					Source:      pick(from, 1+rng.Intn(3)),
					Destination: pick(to, 1+rng.Intn(3)),
					Application: []string{apps[rng.Intn(len(apps))], apps[rng.Intn(len(apps))]},
					Action:      action,
				})
			}
			zp.Policies = append(zp.Policies, Policy{Name: "deny-all", Source: []string{"any"}, Destination: []string{"any"},
				Application: []string{"any"}, Action: "deny"})
			cfg.Policies = append(cfg.Policies, zp)
		}
	}
	return cfg
}

// largeChange changes one policy of z1 -> z3: another destination and application.
func largeChange() (before, after Config) {
	before = largeConfig(7)
	after = cloneConfig(before)
	for i := range after.Policies {
		zp := &after.Policies[i]
		if zp.From == "z1" && zp.To == "z3" {
			p := &zp.Policies[50]
			p.Destination = []string{"z3-a7", "z3-a8"}
			p.Application = []string{"junos-https", "app3"}
			p.Action = "permit"
		}
	}
	return before, after
}

func BenchmarkDiff2000Policies(b *testing.B) {
	before, after := largeChange()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Diff(before, after); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPermits2000Policies(b *testing.B) {
	cfg := largeConfig(7)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Permits(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// The large change is right (checked against the brute-force walk at every box's corners)
// and confined to its zone pair.
func TestLargeDiff(t *testing.T) {
	before, after := largeChange()
	start := time.Now()
	res, err := Diff(before, after)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Diff of 2,000 policies, one changed: %v (%d opens, %d closes)", time.Since(start), len(res.Opens), len(res.Closes))
	if !res.Changed() {
		t.Fatal("the change changes nothing")
	}
	g := propGen{rand.New(rand.NewSource(1))}
	for _, bs := range [][]Box{res.Opens, res.Closes} {
		for _, b := range bs {
			if b.From != "z1" || b.To != "z3" {
				t.Fatalf("box outside the changed pair: %v", b)
			}
			for i := 0; i < 50; i++ {
				p := g.corner(b)
				bp, ap := brutePermits(&before, p), brutePermits(&after, p)
				if got, want := countIn(res.Opens, p) == 1, ap && !bp; got != want {
					t.Fatalf("%+v: in Opens %v, newly permitted %v", p, got, want)
				}
				if got, want := countIn(res.Closes, p) == 1, bp && !ap; got != want {
					t.Fatalf("%+v: in Closes %v, newly denied %v", p, got, want)
				}
			}
		}
	}
}
