package reach

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Range is an inclusive range of protocol numbers or ports.
type Range struct{ First, Last uint16 }

// Box is a set of flows of one zone pair: every combination of a source in Sources, a
// destination in Destinations, a protocol in Protocols, a destination port in DestinationPorts
// and a source port in SourcePorts. For ICMP the destination "ports" are ICMP types and the
// source "ports" ICMP codes; for protocols without ports both cover everything.
type Box struct {
	From, To         string
	Sources          []netip.Prefix // the fewest prefixes, in address order; 0.0.0.0/0 is any
	Destinations     []netip.Prefix
	Protocols        []Range // protocol numbers, ascending; 0-255 is any
	DestinationPorts []Range // ascending; 0-65535 is any
	SourcePorts      []Range
}

// Packet is one flow's first packet as the policy lookup sees it.
type Packet struct {
	From, To        string // zones
	Source          netip.Addr
	Destination     netip.Addr
	Protocol        uint8
	SourcePort      uint16 // ICMP: the code
	DestinationPort uint16 // ICMP: the type
}

var anyPrefix = netip.MustParsePrefix("0.0.0.0/0")

// AnySource reports whether the box covers every IPv4 source.
func (b Box) AnySource() bool { return len(b.Sources) == 1 && b.Sources[0] == anyPrefix }

// AnyDestination reports whether the box covers every IPv4 destination.
func (b Box) AnyDestination() bool { return len(b.Destinations) == 1 && b.Destinations[0] == anyPrefix }

// AnyService reports whether the box covers every protocol and port.
func (b Box) AnyService() bool {
	return fullRange(b.Protocols, 255) && fullRange(b.DestinationPorts, 65535) && fullRange(b.SourcePorts, 65535)
}

func fullRange(rs []Range, top uint16) bool {
	return len(rs) == 1 && rs[0].First == 0 && rs[0].Last == top
}

func inRanges(rs []Range, v uint16) bool {
	for _, r := range rs {
		if r.First <= v && v <= r.Last {
			return true
		}
	}
	return false
}

func inPrefixes(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Contains reports whether the packet is one of the box's flows.
func (b Box) Contains(p Packet) bool {
	return p.From == b.From && p.To == b.To &&
		inPrefixes(b.Sources, p.Source) && inPrefixes(b.Destinations, p.Destination) &&
		inRanges(b.Protocols, uint16(p.Protocol)) &&
		inRanges(b.DestinationPorts, p.DestinationPort) && inRanges(b.SourcePorts, p.SourcePort)
}

// String renders the box on one line, e.g. "core -> hci: 10.1.0.0/24 -> 10.20.0.0/24 tcp/443".
// Services read "any", "tcp/443", "tcp,udp/53", "icmp", "icmp type 8", "gre",
// "tcp/22 sport 1024-65535", "proto 0-5,7-255" (protocols without a name are numbers).
func (b Box) String() string {
	var sb strings.Builder
	sb.WriteString(b.From)
	sb.WriteString(" -> ")
	sb.WriteString(b.To)
	sb.WriteString(": ")
	sb.WriteString(prefixList(b.Sources))
	sb.WriteString(" -> ")
	sb.WriteString(prefixList(b.Destinations))
	sb.WriteString(" ")
	sb.WriteString(b.Service())
	return sb.String()
}

// Service renders the protocol and port part of String.
func (b Box) Service() string {
	if b.AnyService() {
		return "any"
	}
	dportsAll, sportsAll := fullRange(b.DestinationPorts, 65535), fullRange(b.SourcePorts, 65535)
	if b.icmpOnly() {
		dportsAll = dportsAll || fullRange(b.DestinationPorts, 255)
		sportsAll = sportsAll || fullRange(b.SourcePorts, 255)
	}
	if b.icmpOnly() && !(dportsAll && sportsAll) {
		s := "icmp"
		if !dportsAll {
			s += " type " + rangeList(b.DestinationPorts, nil)
		}
		if !sportsAll {
			s += " code " + rangeList(b.SourcePorts, nil)
		}
		return s
	}
	s := "any"
	if !fullRange(b.Protocols, 255) {
		s = rangeList(b.Protocols, protocolNames)
		if strings.ContainsAny(s, "0123456789") {
			s = "proto " + s // numbers alone would read as ports
		}
	}
	if !dportsAll {
		s += "/" + rangeList(b.DestinationPorts, nil)
	}
	if !sportsAll {
		s += " sport " + rangeList(b.SourcePorts, nil)
	}
	return s
}

func prefixList(ps []netip.Prefix) string {
	if len(ps) == 1 && ps[0] == anyPrefix {
		return "any"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// rangeList writes ranges as "22,80,8000-8080"; names, when given, replace single values.
func rangeList(rs []Range, names map[uint32]string) string {
	var parts []string
	for _, r := range rs {
		if r.First == r.Last {
			if n, ok := names[uint32(r.First)]; ok {
				parts = append(parts, n)
				continue
			}
			parts = append(parts, strconv.Itoa(int(r.First)))
			continue
		}
		if allNamed(r, names) {
			// A run of named protocols reads better one by one: 50-51 is esp,ah.
			for v := uint32(r.First); v <= uint32(r.Last); v++ {
				parts = append(parts, names[v])
			}
			continue
		}
		parts = append(parts, strconv.Itoa(int(r.First))+"-"+strconv.Itoa(int(r.Last)))
	}
	return strings.Join(parts, ",")
}

func allNamed(r Range, names map[uint32]string) bool {
	if names == nil {
		return false
	}
	for v := uint32(r.First); v <= uint32(r.Last); v++ {
		if _, ok := names[v]; !ok {
			return false
		}
	}
	return true
}

func toRanges(s ivals, top uint32) []Range {
	if s == nil {
		return []Range{{0, uint16(top)}}
	}
	out := make([]Range, len(s))
	for i, v := range s {
		out[i] = Range{uint16(v.lo), uint16(v.hi)}
	}
	return out
}

func toPrefixes(s ivals) []netip.Prefix {
	if s == nil {
		return []netip.Prefix{anyPrefix}
	}
	return setPrefixes(s)
}

func (b Box) icmpOnly() bool {
	return len(b.Protocols) == 1 && b.Protocols[0] == (Range{protoICMP, protoICMP})
}

// clampICMP drops the values above 255 from an ICMP type or code set: no packet has them, and
// "type 0-7,9-255" reads better than "type 0-7,9-65535".
func clampICMP(s ivals) ivals {
	var out ivals
	for _, v := range s {
		if v.lo > 255 {
			break
		}
		out = append(out, ival{v.lo, min(v.hi, 255)})
	}
	return out
}

func cubeBox(from, to string, c cube) Box {
	if p := c[dimProto]; len(p) == 1 && p[0] == (ival{protoICMP, protoICMP}) {
		for _, x := range []dim{dimDport, dimSport} {
			if c[x] != nil && !c[x].full(dimTop[x]) {
				c[x] = clampICMP(c[x])
			}
		}
	}
	return Box{
		From: from, To: to,
		Sources:          toPrefixes(c[dimSrc]),
		Destinations:     toPrefixes(c[dimDst]),
		Protocols:        toRanges(c[dimProto], dimTop[dimProto]),
		DestinationPorts: toRanges(c[dimDport], dimTop[dimDport]),
		SourcePorts:      toRanges(c[dimSport], dimTop[dimSport]),
	}
}

// compareBoxes orders boxes by zone pair, then by the lowest protocol, source, destination,
// destination port and source port. Boxes of one pair are disjoint, so no two share all of
// these (the point made of them would be in both).
func compareBoxes(a, b Box) int {
	if c := cmp.Compare(a.From, b.From); c != 0 {
		return c
	}
	if c := cmp.Compare(a.To, b.To); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Protocols[0].First, b.Protocols[0].First); c != 0 {
		return c
	}
	if c := a.Sources[0].Addr().Compare(b.Sources[0].Addr()); c != 0 {
		return c
	}
	if c := a.Destinations[0].Addr().Compare(b.Destinations[0].Addr()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.DestinationPorts[0].First, b.DestinationPorts[0].First); c != 0 {
		return c
	}
	return cmp.Compare(a.SourcePorts[0].First, b.SourcePorts[0].First)
}

func sortBoxes(bs []Box) { slices.SortFunc(bs, compareBoxes) }
