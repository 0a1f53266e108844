package reach

import (
	"math"
	"math/rand"
	"net/netip"
	"testing"
)

// checkCover checks that ps is the fewest prefixes covering [lo, hi] exactly, in order.
func checkCover(t *testing.T, lo, hi uint32, ps []netip.Prefix) {
	t.Helper()
	next := uint64(lo)
	for i, p := range ps {
		r, ok := prefixRange(p)
		if !ok || p != p.Masked() {
			t.Fatalf("[%d,%d]: prefix %d %v is not a masked IPv4 prefix", lo, hi, i, p)
		}
		if uint64(r.lo) != next {
			t.Fatalf("[%d,%d]: prefix %d %v starts at %d, want %d (gap, overlap or disorder)", lo, hi, i, p, r.lo, next)
		}
		// Minimal: no prefix can grow, i.e. its parent is not inside [lo, hi]. A cover
		// whose every prefix is maximal this way is the unique fewest one.
		if p.Bits() > 0 {
			parent, _ := p.Addr().Prefix(p.Bits() - 1)
			pr, _ := prefixRange(parent)
			if pr.lo >= lo && pr.hi <= hi {
				t.Fatalf("[%d,%d]: prefix %v could be its parent %v", lo, hi, p, parent)
			}
		}
		next = uint64(r.hi) + 1
	}
	if next != uint64(hi)+1 {
		t.Fatalf("[%d,%d]: cover ends at %d", lo, hi, next-1)
	}
}

func TestRangePrefixesExamples(t *testing.T) {
	for _, tc := range []struct {
		lo, hi string
		want   string
	}{
		{"0.0.0.0", "255.255.255.255", "[0.0.0.0/0]"},
		{"10.0.0.0", "10.0.0.255", "[10.0.0.0/24]"},
		{"10.0.0.5", "10.0.0.5", "[10.0.0.5/32]"},
		{"10.0.0.5", "10.0.0.20", "[10.0.0.5/32 10.0.0.6/31 10.0.0.8/29 10.0.0.16/30 10.0.0.20/32]"},
		{"0.0.0.1", "255.255.255.255", "[0.0.0.1/32 0.0.0.2/31 0.0.0.4/30 0.0.0.8/29 0.0.0.16/28 0.0.0.32/27 0.0.0.64/26 0.0.0.128/25 0.0.1.0/24 0.0.2.0/23 0.0.4.0/22 0.0.8.0/21 0.0.16.0/20 0.0.32.0/19 0.0.64.0/18 0.0.128.0/17 0.1.0.0/16 0.2.0.0/15 0.4.0.0/14 0.8.0.0/13 0.16.0.0/12 0.32.0.0/11 0.64.0.0/10 0.128.0.0/9 1.0.0.0/8 2.0.0.0/7 4.0.0.0/6 8.0.0.0/5 16.0.0.0/4 32.0.0.0/3 64.0.0.0/2 128.0.0.0/1]"},
		{"255.255.255.255", "255.255.255.255", "[255.255.255.255/32]"},
		{"0.0.0.0", "0.0.0.0", "[0.0.0.0/32]"},
	} {
		lo, hi := addrValue(netip.MustParseAddr(tc.lo)), addrValue(netip.MustParseAddr(tc.hi))
		ps := rangePrefixes(lo, hi)
		if got := sprint(ps); got != tc.want {
			t.Errorf("rangePrefixes(%s, %s) = %s, want %s", tc.lo, tc.hi, got, tc.want)
		}
		checkCover(t, lo, hi, ps)
	}
}

func sprint(ps []netip.Prefix) string {
	s := "["
	for i, p := range ps {
		if i > 0 {
			s += " "
		}
		s += p.String()
	}
	return s + "]"
}

// Every prefix converts to a range and back to itself alone.
func TestPrefixRangeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		bits := rng.Intn(33)
		p, _ := valueAddr(rng.Uint32()).Prefix(bits)
		r, ok := prefixRange(p)
		if !ok {
			t.Fatalf("%v: not IPv4", p)
		}
		if got := rangePrefixes(r.lo, r.hi); len(got) != 1 || got[0] != p {
			t.Fatalf("%v -> [%d,%d] -> %v", p, r.lo, r.hi, got)
		}
	}
	if _, ok := prefixRange(netip.MustParsePrefix("2001:db8::/32")); ok {
		t.Error("an IPv6 prefix has an IPv4 range")
	}
	// Host bits are masked.
	if r, _ := prefixRange(netip.MustParsePrefix("10.0.0.77/24")); r != (ival{addrValue(netip.MustParseAddr("10.0.0.0")), addrValue(netip.MustParseAddr("10.0.0.255"))}) {
		t.Errorf("10.0.0.77/24 -> %v", r)
	}
}

// Random ranges, with ends drawn near powers of two and the ends of the space as often as
// anywhere, are covered exactly and minimally.
func TestRangePrefixesProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	pick := func() uint32 {
		switch rng.Intn(4) {
		case 0:
			return rng.Uint32()
		case 1:
			b := uint32(1) << rng.Intn(32)
			return b + uint32(rng.Intn(3)) - 1
		case 2:
			return uint32(rng.Intn(3))
		default:
			return math.MaxUint32 - uint32(rng.Intn(3))
		}
	}
	for i := 0; i < 20000; i++ {
		lo, hi := pick(), pick()
		if lo > hi {
			lo, hi = hi, lo
		}
		checkCover(t, lo, hi, rangePrefixes(lo, hi))
	}
}

func FuzzRangePrefixes(f *testing.F) {
	f.Add(uint32(0), uint32(math.MaxUint32))
	f.Add(uint32(5), uint32(20))
	f.Add(uint32(1), uint32(math.MaxUint32-1))
	f.Add(uint32(math.MaxUint32), uint32(math.MaxUint32))
	f.Fuzz(func(t *testing.T, lo, hi uint32) {
		if lo > hi {
			lo, hi = hi, lo
		}
		checkCover(t, lo, hi, rangePrefixes(lo, hi))
	})
}

// setPrefixes covers a normalized interval set; the set's gaps keep the covers apart.
func TestSetPrefixes(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 2000; i++ {
		var s ivals
		for j := rng.Intn(5); j >= 0; j-- {
			lo := rng.Uint32() >> rng.Intn(32)
			s = append(s, ival{lo, lo + uint32(rng.Intn(1000))})
		}
		s = normalize(s)
		ps := setPrefixes(s)
		for _, p := range ps {
			r, _ := prefixRange(p)
			if !s.contains(r.lo) || !s.contains(r.hi) {
				t.Fatalf("%v outside %v", p, s)
			}
		}
		// Probe: an address is in s iff some prefix contains it.
		for k := 0; k < 50; k++ {
			v := s[rng.Intn(len(s))].lo + uint32(rng.Intn(1200)) - 100
			in := false
			for _, p := range ps {
				in = in || p.Contains(valueAddr(v))
			}
			if in != s.contains(v) {
				t.Fatalf("%d: in prefixes %v, in set %v", v, in, s.contains(v))
			}
		}
	}
}
