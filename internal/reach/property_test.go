package reach

import (
	"fmt"
	"math/rand"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// This file checks Diff and Permits against a brute-force evaluator that walks the policies
// for single packets, on random configurations. The evaluator resolves names on its own (with
// netip.Prefix.Contains and its own small application table), sharing nothing with the
// package but the Config type.

var propZones = []string{"z0", "z1", "z2"}

// bruteApps are the predefined applications the generator uses, as the evaluator knows them.
var bruteApps = map[string]func(proto uint8, sport, dport uint16) bool{
	"junos-ssh":       func(p uint8, _, d uint16) bool { return p == 6 && d == 22 },
	"junos-https":     func(p uint8, _, d uint16) bool { return p == 6 && d == 443 },
	"junos-dns-udp":   func(p uint8, _, d uint16) bool { return p == 17 && d == 53 },
	"junos-icmp-ping": func(p uint8, _, d uint16) bool { return p == 1 && d == 8 },
	"junos-icmp-all":  func(p uint8, _, _ uint16) bool { return p == 1 },
	"junos-smb":       func(p uint8, _, d uint16) bool { return p == 6 && (d == 139 || d == 445) },
	"junos-tcp-any":   func(p uint8, _, _ uint16) bool { return p == 6 },
}

var bruteProtocols = map[string]uint8{"tcp": 6, "udp": 17, "icmp": 1, "gre": 47}
var brutePorts = map[string]uint16{"ssh": 22, "https": 443, "domain": 53}

func bruteAddr(cfg *Config, zone, name string, a netip.Addr, depth int) bool {
	if depth > 20 {
		panic("address set too deep")
	}
	switch name {
	case "any", "any-ipv4":
		return true
	case "any-ipv6":
		return false
	}
	lookup := func(b AddressBook, memberZone string) (bool, bool) {
		if s, ok := b.Addresses[name]; ok {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				ad := netip.MustParseAddr(s)
				p = netip.PrefixFrom(ad, ad.BitLen())
			}
			return p.Masked().Contains(a), true
		}
		if ms, ok := b.AddressSets[name]; ok {
			for _, m := range ms {
				if bruteAddr(cfg, memberZone, m, a, depth+1) {
					return true, true
				}
			}
			return false, true
		}
		return false, false
	}
	if b, ok := cfg.Zones[zone]; ok && zone != "" {
		if in, found := lookup(b, zone); found {
			return in
		}
	}
	in, found := lookup(cfg.Global, "")
	if !found {
		panic("unresolvable address " + name)
	}
	return in
}

func brutePortIn(spec string, v uint16) bool {
	if spec == "" {
		return true
	}
	if n, ok := brutePorts[spec]; ok {
		return v == n
	}
	lo, hi, isRange := strings.Cut(spec, "-")
	if !isRange {
		hi = lo
	}
	l, _ := strconv.Atoi(lo)
	h, _ := strconv.Atoi(hi)
	return int(v) >= l && int(v) <= h
}

func bruteApp(cfg *Config, name string, p Packet, depth int) bool {
	if depth > 20 {
		panic("application set too deep")
	}
	if name == "any" {
		return true
	}
	if a, ok := cfg.Applications[name]; ok {
		if a.Protocol != "" {
			n, ok := bruteProtocols[a.Protocol]
			if !ok {
				x, err := strconv.Atoi(a.Protocol)
				if err != nil {
					panic(err)
				}
				n = uint8(x)
			}
			if p.Protocol != n {
				return false
			}
		}
		return brutePortIn(a.DestinationPort, p.DestinationPort) && brutePortIn(a.SourcePort, p.SourcePort)
	}
	if ms, ok := cfg.ApplicationSets[name]; ok {
		for _, m := range ms {
			if bruteApp(cfg, m, p, depth+1) {
				return true
			}
		}
		return false
	}
	f, ok := bruteApps[name]
	if !ok {
		panic("unknown application " + name)
	}
	return f(p.Protocol, p.SourcePort, p.DestinationPort)
}

// brutePermits walks the policies of p's zone pair: first match wins, default deny.
func brutePermits(cfg *Config, p Packet) bool {
	for _, zp := range cfg.Policies {
		if zp.From != p.From || zp.To != p.To {
			continue
		}
		for _, pol := range zp.Policies {
			if slices.ContainsFunc(pol.Source, func(n string) bool { return bruteAddr(cfg, zp.From, n, p.Source, 0) }) &&
				slices.ContainsFunc(pol.Destination, func(n string) bool { return bruteAddr(cfg, zp.To, n, p.Destination, 0) }) &&
				slices.ContainsFunc(pol.Application, func(n string) bool { return bruteApp(cfg, n, p, 0) }) {
				return pol.Action == "permit"
			}
		}
	}
	return false
}

// --- random configurations --------------------------------------------------------------

type propGen struct{ rng *rand.Rand }

func (g propGen) pick(ss ...string) string { return ss[g.rng.Intn(len(ss))] }

func (g propGen) prefix() string {
	switch g.rng.Intn(12) {
	case 0:
		return "0.0.0.0/0"
	case 1:
		return "2001:db8::/64"
	case 2:
		return fmt.Sprintf("10.0.%d.%d", g.rng.Intn(4), g.rng.Intn(256)) // bare host
	}
	bits := []int{16, 20, 22, 23, 24, 25, 26, 28, 30, 31, 32}[g.rng.Intn(11)]
	a := netip.AddrFrom4([4]byte{10, 0, byte(g.rng.Intn(4)), byte(g.rng.Intn(256))})
	p, _ := a.Prefix(bits)
	if g.rng.Intn(4) == 0 {
		return netip.PrefixFrom(a, bits).String() // host bits set
	}
	return p.String()
}

func (g propGen) ports() string {
	switch g.rng.Intn(6) {
	case 0, 1:
		return ""
	case 2:
		return g.pick("ssh", "https", "domain")
	case 3:
		return strconv.Itoa(g.rng.Intn(30))
	}
	lo := g.rng.Intn(30)
	return fmt.Sprintf("%d-%d", lo, lo+g.rng.Intn(15))
}

func (g propGen) application() Application {
	switch g.rng.Intn(6) {
	case 0:
		return Application{Protocol: g.pick("icmp", "gre", "50", "")}
	case 1:
		return Application{Protocol: g.pick("tcp", "udp"), DestinationPort: g.ports(), SourcePort: g.ports()}
	}
	return Application{Protocol: g.pick("tcp", "udp"), DestinationPort: g.ports()}
}

func (g propGen) names(pool []string) []string {
	n := 1 + g.rng.Intn(2)
	out := make([]string, n)
	for i := range out {
		out[i] = pool[g.rng.Intn(len(pool))]
	}
	return out
}

var (
	propGlobal   = []string{"g0", "g1", "g2", "g3", "g4", "g5", "gs0", "gs1", "gs2", "any", "any-ipv4", "any-ipv6"}
	propZoneOnly = []string{"a0", "a1", "a2", "g1", "zs0", "zs1"} // g1 shadows the global g1
	propApps     = []string{"c0", "c1", "c2", "c3", "as0", "as1", "any", "junos-ssh", "junos-https", "junos-dns-udp",
		"junos-icmp-ping", "junos-icmp-all", "junos-smb", "junos-tcp-any"}
)

func (g propGen) addrPool() []string { return append(slices.Clone(propGlobal), propZoneOnly...) }

func (g propGen) policy(i int) Policy {
	pool := g.addrPool()
	return Policy{
		Name:        fmt.Sprintf("p%d", i),
		Source:      g.names(pool),
		Destination: g.names(pool),
		Application: g.names(propApps),
		Action:      g.pick("permit", "permit", "deny", "reject"),
	}
}

func (g propGen) config() Config {
	cfg := Config{Zones: map[string]AddressBook{}, Global: book(), Applications: map[string]Application{},
		ApplicationSets: map[string][]string{}}
	for i := 0; i < 6; i++ {
		cfg.Global.Addresses[fmt.Sprintf("g%d", i)] = g.prefix()
	}
	for i := 0; i < 3; i++ {
		// Members: addresses and earlier sets only, so sets never contain themselves.
		pool := []string{"g0", "g1", "g2", "g3", "g4", "g5"}
		for j := 0; j < i; j++ {
			pool = append(pool, fmt.Sprintf("gs%d", j))
		}
		cfg.Global.AddressSets[fmt.Sprintf("gs%d", i)] = g.names(pool)
	}
	for _, z := range propZones {
		b := book()
		for _, n := range []string{"a0", "a1", "a2", "g1"} {
			b.Addresses[n] = g.prefix()
		}
		b.AddressSets["zs0"] = g.names([]string{"a0", "a1", "g1", "g2", "gs1"})
		b.AddressSets["zs1"] = g.names([]string{"a2", "zs0", "g3"})
		cfg.Zones[z] = b
	}
	for i := 0; i < 4; i++ {
		cfg.Applications[fmt.Sprintf("c%d", i)] = g.application()
	}
	cfg.ApplicationSets["as0"] = g.names([]string{"c0", "c1", "junos-ssh", "junos-icmp-ping"})
	cfg.ApplicationSets["as1"] = g.names([]string{"as0", "c2", "junos-https"})
	for _, from := range propZones {
		for _, to := range propZones {
			if g.rng.Intn(3) == 0 {
				continue
			}
			zp := ZonePair{From: from, To: to}
			for i := g.rng.Intn(7); i > 0; i-- {
				zp.Policies = append(zp.Policies, g.policy(len(zp.Policies)))
			}
			cfg.Policies = append(cfg.Policies, zp)
		}
	}
	return cfg
}

func cloneConfig(c Config) Config {
	cb := func(b AddressBook) AddressBook {
		out := AddressBook{Addresses: map[string]string{}, AddressSets: map[string][]string{}}
		for k, v := range b.Addresses {
			out.Addresses[k] = v
		}
		for k, v := range b.AddressSets {
			out.AddressSets[k] = slices.Clone(v)
		}
		return out
	}
	out := Config{Zones: map[string]AddressBook{}, Global: cb(c.Global), Applications: map[string]Application{},
		ApplicationSets: map[string][]string{}}
	for k, v := range c.Zones {
		out.Zones[k] = cb(v)
	}
	for k, v := range c.Applications {
		out.Applications[k] = v
	}
	for k, v := range c.ApplicationSets {
		out.ApplicationSets[k] = slices.Clone(v)
	}
	for _, zp := range c.Policies {
		n := ZonePair{From: zp.From, To: zp.To}
		for _, p := range zp.Policies {
			p.Source, p.Destination, p.Application = slices.Clone(p.Source), slices.Clone(p.Destination), slices.Clone(p.Application)
			n.Policies = append(n.Policies, p)
		}
		out.Policies = append(out.Policies, n)
	}
	return out
}

// mutate makes one random change of the kinds a plan makes.
func (g propGen) mutate(c *Config) {
	var zp *ZonePair
	if len(c.Policies) > 0 {
		zp = &c.Policies[g.rng.Intn(len(c.Policies))]
	}
	n := 0
	if zp != nil {
		n = len(zp.Policies)
	}
	switch g.rng.Intn(12) {
	case 0: // swap two policies
		if n >= 2 {
			i, j := g.rng.Intn(n), g.rng.Intn(n)
			zp.Policies[i], zp.Policies[j] = zp.Policies[j], zp.Policies[i]
		}
	case 1: // change an action
		if n > 0 {
			zp.Policies[g.rng.Intn(n)].Action = g.pick("permit", "deny", "reject")
		}
	case 2: // change a match
		if n > 0 {
			p := &zp.Policies[g.rng.Intn(n)]
			switch g.rng.Intn(3) {
			case 0:
				p.Source = g.names(g.addrPool())
			case 1:
				p.Destination = g.names(g.addrPool())
			default:
				p.Application = g.names(propApps)
			}
		}
	case 3: // delete a policy
		if n > 0 {
			i := g.rng.Intn(n)
			zp.Policies = slices.Delete(zp.Policies, i, i+1)
		}
	case 4: // insert a policy
		if zp != nil {
			zp.Policies = slices.Insert(zp.Policies, g.rng.Intn(n+1), g.policy(100+g.rng.Intn(100)))
		}
	case 5: // change an address
		if g.rng.Intn(2) == 0 {
			c.Global.Addresses[fmt.Sprintf("g%d", g.rng.Intn(6))] = g.prefix()
		} else {
			c.Zones[g.pick(propZones...)].Addresses[g.pick("a0", "a1", "a2", "g1")] = g.prefix()
		}
	case 6: // change a set's members
		if g.rng.Intn(2) == 0 {
			c.Global.AddressSets["gs2"] = g.names([]string{"g0", "g4", "gs0", "gs1"})
		} else {
			c.Zones[g.pick(propZones...)].AddressSets["zs1"] = g.names([]string{"a0", "a2", "zs0", "gs0"})
		}
	case 7: // change an application
		c.Applications[g.pick("c0", "c1", "c2", "c3")] = g.application()
	case 8: // remove a zone pair
		if zp != nil {
			i := g.rng.Intn(len(c.Policies))
			c.Policies = slices.Delete(c.Policies, i, i+1)
		}
	case 9: // rename a policy
		if n > 0 {
			zp.Policies[g.rng.Intn(n)].Name = fmt.Sprintf("renamed%d", g.rng.Intn(1000))
		}
	case 10: // move a policy
		if n >= 2 {
			i := g.rng.Intn(n)
			p := zp.Policies[i]
			zp.Policies = slices.Delete(zp.Policies, i, i+1)
			zp.Policies = slices.Insert(zp.Policies, g.rng.Intn(n), p)
		}
	case 11: // change an application set
		c.ApplicationSets["as1"] = g.names([]string{"as0", "c3", "junos-smb", "junos-dns-udp"})
	}
}

// --- sampling -------------------------------------------------------------------------------

// interesting collects values near every boundary the configurations mention.
type interesting struct {
	addrs []uint32
	ports []uint32
}

func (in *interesting) addRange(dst *[]uint32, lo, hi uint32) {
	*dst = append(*dst, lo, hi, lo-1, hi+1)
}

func collect(cfgs ...Config) interesting {
	var in interesting
	addBook := func(b AddressBook) {
		for _, s := range b.Addresses {
			if r, err := parseAddress(s); err == nil && len(r) == 1 {
				in.addRange(&in.addrs, r[0].lo, r[0].hi)
			}
		}
	}
	for _, c := range cfgs {
		addBook(c.Global)
		for _, b := range c.Zones {
			addBook(b)
		}
		for _, a := range c.Applications {
			for _, s := range []string{a.DestinationPort, a.SourcePort} {
				if r, err := parsePorts(s); err == nil && r != nil {
					in.addRange(&in.ports, r[0].lo, r[0].hi)
				}
			}
		}
	}
	in.ports = append(in.ports, 0, 1, 8, 22, 53, 139, 443, 445, 65535)
	return in
}

func (g propGen) packet(in interesting, from, to string) Packet {
	addr := func() netip.Addr {
		switch g.rng.Intn(4) {
		case 0:
			return valueAddr(g.rng.Uint32())
		case 1:
			return netip.AddrFrom4([4]byte{10, 0, byte(g.rng.Intn(4)), byte(g.rng.Intn(256))})
		}
		return valueAddr(in.addrs[g.rng.Intn(len(in.addrs))])
	}
	p := Packet{From: from, To: to, Source: addr(), Destination: addr()}
	p.Protocol = []uint8{0, 1, 1, 6, 6, 6, 17, 17, 47, 50, 132, 255, uint8(g.rng.Intn(256))}[g.rng.Intn(13)]
	port := func() uint16 {
		if g.rng.Intn(3) == 0 {
			return uint16(g.rng.Intn(65536))
		}
		return uint16(in.ports[g.rng.Intn(len(in.ports))])
	}
	p.SourcePort, p.DestinationPort = port(), port()
	if p.Protocol == 1 { // ICMP types and codes are bytes
		p.SourcePort, p.DestinationPort = p.SourcePort%256, p.DestinationPort%256
	}
	return p
}

// corner picks a packet at a corner of b, or just outside one, in each dimension.
func (g propGen) corner(b Box) Packet {
	edgeAddr := func(ps []netip.Prefix) netip.Addr {
		r, _ := prefixRange(ps[g.rng.Intn(len(ps))])
		return valueAddr([]uint32{r.lo, r.hi, r.lo - 1, r.hi + 1}[g.rng.Intn(4)])
	}
	edge := func(rs []Range) uint16 {
		r := rs[g.rng.Intn(len(rs))]
		return []uint16{r.First, r.Last, r.First - 1, r.Last + 1}[g.rng.Intn(4)]
	}
	p := Packet{From: b.From, To: b.To, Source: edgeAddr(b.Sources), Destination: edgeAddr(b.Destinations)}
	p.Protocol = uint8(edge(b.Protocols))
	p.DestinationPort, p.SourcePort = edge(b.DestinationPorts), edge(b.SourcePorts)
	if p.Protocol == 1 {
		p.SourcePort, p.DestinationPort = p.SourcePort%256, p.DestinationPort%256
	}
	return p
}

func countIn(bs []Box, p Packet) int {
	n := 0
	for _, b := range bs {
		if b.Contains(p) {
			n++
		}
	}
	return n
}

func TestDiffAgainstBruteForce(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	var opened, closed, unchanged int
	for seed := int64(1); seed <= int64(seeds); seed++ {
		g := propGen{rand.New(rand.NewSource(seed))}
		before := g.config()
		after := cloneConfig(before)
		for i := 1 + g.rng.Intn(3); i > 0; i-- {
			g.mutate(&after)
		}
		res, err := Diff(before, after)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		// The same configurations with their zone pairs listed in another order.
		shuffled := cloneConfig(after)
		g.rng.Shuffle(len(shuffled.Policies), func(i, j int) {
			shuffled.Policies[i], shuffled.Policies[j] = shuffled.Policies[j], shuffled.Policies[i]
		})
		again, _ := Diff(before, shuffled)
		if again.String() != res.String() {
			t.Fatalf("seed %d: Diff is not deterministic:\n%s\nvs\n%s", seed, res, again)
		}
		permits, err := Permits(after)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if len(res.Opens) > 0 {
			opened++
		}
		if len(res.Closes) > 0 {
			closed++
		}
		if !res.Changed() {
			unchanged++
		}
		in := collect(before, after)
		var samples []Packet
		for _, from := range propZones {
			for _, to := range propZones {
				for i := 0; i < 60; i++ {
					samples = append(samples, g.packet(in, from, to))
				}
			}
		}
		for _, bs := range [][]Box{res.Opens, res.Closes, permits} {
			for _, b := range bs {
				for i := 0; i < 24; i++ {
					samples = append(samples, g.corner(b))
				}
			}
		}
		for _, p := range samples {
			b, a := brutePermits(&before, p), brutePermits(&after, p)
			wantOpen, wantClose := 0, 0
			if a && !b {
				wantOpen = 1
			}
			if b && !a {
				wantClose = 1
			}
			if got := countIn(res.Opens, p); got != wantOpen {
				t.Fatalf("seed %d: %+v is in %d boxes of Opens; permitted before %v, after %v\n%s", seed, p, got, b, a, res)
			}
			if got := countIn(res.Closes, p); got != wantClose {
				t.Fatalf("seed %d: %+v is in %d boxes of Closes; permitted before %v, after %v\n%s", seed, p, got, b, a, res)
			}
			wantPermit := 0
			if a {
				wantPermit = 1
			}
			if got := countIn(permits, p); got != wantPermit {
				t.Fatalf("seed %d: %+v is in %d boxes of Permits(after); brute force says %v", seed, p, got, a)
			}
		}
		// Any-to-any services are open, after the change, from every source to every
		// destination (before, some of their flows may have been open already).
		for _, b := range res.OpensAnyToAny() {
			if !b.AnySource() || !b.AnyDestination() {
				t.Fatalf("seed %d: any-to-any box %v", seed, b)
			}
			for i := 0; i < 30; i++ {
				p := g.corner(b)
				if !b.Contains(p) {
					continue
				}
				p.Source, p.Destination = valueAddr(g.rng.Uint32()), valueAddr(in.addrs[g.rng.Intn(len(in.addrs))])
				if !brutePermits(&after, p) {
					t.Fatalf("seed %d: %+v in any-to-any box %v is not permitted", seed, p, b)
				}
			}
		}
	}
	// The generator must exercise all three outcomes, or this test proves little.
	if opened < seeds/10 || closed < seeds/10 || unchanged < seeds/20 {
		t.Errorf("weak generator: %d opened, %d closed, %d unchanged of %d", opened, closed, unchanged, seeds)
	}
	t.Logf("%d configurations: %d opened something, %d closed something, %d unchanged", seeds, opened, closed, unchanged)
}
