package reach

import (
	"math/bits"
	"net/netip"
	"slices"
)

// ival is a closed interval [lo, hi] of one dimension of the packet space.
type ival struct{ lo, hi uint32 }

// ivals is a normalized interval set: sorted, disjoint and with no two intervals adjacent, so
// that equal sets have equal representations.
type ivals []ival

// normalize sorts and merges overlapping or adjacent intervals.
func normalize(s ivals) ivals {
	if len(s) < 2 {
		return s
	}
	slices.SortFunc(s, func(a, b ival) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	out := s[:1]
	for _, v := range s[1:] {
		last := &out[len(out)-1]
		if uint64(v.lo) <= uint64(last.hi)+1 {
			last.hi = max(last.hi, v.hi)
			continue
		}
		out = append(out, v)
	}
	return out
}

// full reports whether s is the whole domain [0, top].
func (s ivals) full(top uint32) bool { return len(s) == 1 && s[0].lo == 0 && s[0].hi == top }

// contains reports whether v is in s.
func (s ivals) contains(v uint32) bool {
	i, _ := slices.BinarySearchFunc(s, v, func(x ival, v uint32) int {
		if x.hi < v {
			return -1
		}
		if x.lo > v {
			return 1
		}
		return 0
	})
	return i < len(s) && s[i].lo <= v && v <= s[i].hi
}

// prefixRange is the range of IPv4 addresses a prefix covers. ok is false for IPv6.
func prefixRange(p netip.Prefix) (r ival, ok bool) {
	if !p.Addr().Is4() {
		return ival{}, false
	}
	p = p.Masked()
	lo := addrValue(p.Addr())
	size := uint64(1) << (32 - p.Bits())
	return ival{lo, uint32(uint64(lo) + size - 1)}, true
}

func addrValue(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func valueAddr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// rangePrefixes returns the fewest CIDR prefixes that cover [lo, hi] exactly, in address order.
// At each step it takes the largest block that starts at lo (aligned on its own size) and does
// not pass hi; this greedy choice is optimal because every prefix of any exact cover starts at
// an address at least as aligned as the greedy one does.
func rangePrefixes(lo, hi uint32) []netip.Prefix {
	var out []netip.Prefix
	cur := uint64(lo)
	end := uint64(hi)
	for cur <= end {
		// The largest block aligned at cur: 2^(trailing zeros of cur), capped at 2^32.
		align := 32
		if cur != 0 {
			align = bits.TrailingZeros64(cur)
			if align > 32 {
				align = 32
			}
		}
		// The largest block that fits in what remains.
		fit := bits.Len64(end-cur+1) - 1
		size := min(align, fit)
		out = append(out, netip.PrefixFrom(valueAddr(uint32(cur)), 32-size))
		cur += uint64(1) << size
	}
	return out
}

// setPrefixes renders an address interval set as the fewest prefixes, in address order.
func setPrefixes(s ivals) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range s {
		out = append(out, rangePrefixes(v.lo, v.hi)...)
	}
	return out
}
