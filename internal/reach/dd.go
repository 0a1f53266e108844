package reach

import (
	"encoding/binary"
	"math"
)

// The packet space has five dimensions. For ICMP the destination-port dimension holds the
// ICMP type and the source-port dimension the ICMP code; for protocols without ports both are
// zero in real packets, and every set this package builds is the same for all their values.
type dim uint8

const (
	dimProto dim = iota
	dimSrc
	dimDst
	dimDport
	dimSport
	nDims
)

// dimTop is the largest value of each dimension.
var dimTop = [nDims]uint32{255, math.MaxUint32, math.MaxUint32, 65535, 65535}

// cube is a product of one interval set per dimension; a nil set stands for the whole domain.
type cube [nDims]ivals

// nodeID names a node of a dd. The two terminals are the empty and the full set.
type nodeID uint32

const (
	falseID nodeID = 0
	trueID  nodeID = 1
)

// edge maps the values from the previous edge's hi+1 (or 0) up to hi to a child node.
type edge struct {
	hi    uint32
	child nodeID
}

type node struct {
	level int // nDims for the terminals
	edges []edge
}

type op uint8

const (
	opAnd op = iota
	opOr
	opDiff
	opForall // forall over the dimension in the key's b
)

type opKey struct {
	op   op
	a, b nodeID
}

// dd is an interval decision diagram: a set of packets as a reduced, hash-consed DAG that
// tests one dimension per level, each node splitting its dimension into intervals. A node
// whose every interval leads to the same child is never made (the child stands for it), and
// equal sub-diagrams are one node, so two sets are equal exactly when their nodeIDs are: the
// representation is canonical for a given dimension order. Set operations walk two diagrams
// together, memoized on the pair of nodes.
//
// A dd is not safe for concurrent use; each Diff makes its own.
type dd struct {
	order  [nDims]dim // level -> dimension
	nodes  []node
	unique map[string]nodeID
	memo   map[opKey]nodeID
	keyBuf []byte
}

// defaultOrder puts the protocol first (so that boxes never mix a port range with protocols
// it does not apply to), then the addresses, then the ports.
var defaultOrder = [nDims]dim{dimProto, dimSrc, dimDst, dimDport, dimSport}

func newDD(order [nDims]dim) *dd {
	d := &dd{order: order, unique: map[string]nodeID{}, memo: map[opKey]nodeID{}}
	d.nodes = append(d.nodes, node{level: int(nDims)}, node{level: int(nDims)})
	return d
}

func (d *dd) level(n nodeID) int { return d.nodes[n].level }

func (d *dd) top(level int) uint32 { return dimTop[d.order[level]] }

// mk returns the node for edges at level, which must cover the level's domain and have no two
// consecutive edges with the same child.
func (d *dd) mk(level int, edges []edge) nodeID {
	if len(edges) == 1 {
		return edges[0].child
	}
	b := d.keyBuf[:0]
	b = append(b, byte(level))
	for _, e := range edges {
		b = binary.LittleEndian.AppendUint32(b, e.hi)
		b = binary.LittleEndian.AppendUint32(b, uint32(e.child))
	}
	d.keyBuf = b
	if id, ok := d.unique[string(b)]; ok {
		return id
	}
	id := nodeID(len(d.nodes))
	d.nodes = append(d.nodes, node{level: level, edges: append([]edge(nil), edges...)})
	d.unique[string(b)] = id
	return id
}

// edgesAt returns n's edges seen at level: n itself when it tests that level, or a single edge
// over the whole domain when it tests a later one.
func (d *dd) edgesAt(n nodeID, level int, one *[1]edge) []edge {
	if d.nodes[n].level == level {
		return d.nodes[n].edges
	}
	one[0] = edge{hi: d.top(level), child: n}
	return one[:]
}

// setNode is the node that maps the values in s to child and every other value to the empty set.
func (d *dd) setNode(level int, s ivals, child nodeID) nodeID {
	if child == falseID || len(s) == 0 {
		return falseID
	}
	top := d.top(level)
	var edges []edge
	for _, v := range s {
		if v.lo > 0 && (len(edges) == 0 || edges[len(edges)-1].hi < v.lo-1) {
			edges = append(edges, edge{hi: v.lo - 1, child: falseID})
		}
		edges = append(edges, edge{hi: v.hi, child: child})
	}
	if edges[len(edges)-1].hi < top {
		edges = append(edges, edge{hi: top, child: falseID})
	}
	return d.mk(level, edges)
}

// product is the node of a cube.
func (d *dd) product(c cube) nodeID {
	n := trueID
	for level := int(nDims) - 1; level >= 0; level-- {
		s := c[d.order[level]]
		if s == nil {
			continue
		}
		n = d.setNode(level, s, n)
	}
	return n
}

func (d *dd) and(a, b nodeID) nodeID  { return d.apply(opAnd, a, b) }
func (d *dd) or(a, b nodeID) nodeID   { return d.apply(opOr, a, b) }
func (d *dd) diff(a, b nodeID) nodeID { return d.apply(opDiff, a, b) }

func (d *dd) apply(o op, a, b nodeID) nodeID {
	switch o {
	case opAnd:
		switch {
		case a == falseID || b == falseID:
			return falseID
		case a == trueID || a == b:
			return b
		case b == trueID:
			return a
		}
		if a > b {
			a, b = b, a
		}
	case opOr:
		switch {
		case a == trueID || b == trueID:
			return trueID
		case a == falseID || a == b:
			return b
		case b == falseID:
			return a
		}
		if a > b {
			a, b = b, a
		}
	case opDiff:
		switch {
		case a == falseID || b == trueID || a == b:
			return falseID
		case b == falseID:
			return a
		}
	}
	key := opKey{o, a, b}
	if r, ok := d.memo[key]; ok {
		return r
	}
	level := min(d.level(a), d.level(b))
	var oa, ob [1]edge
	ea, eb := d.edgesAt(a, level, &oa), d.edgesAt(b, level, &ob)
	out := make([]edge, 0, len(ea)+len(eb))
	for i, j := 0, 0; i < len(ea) && j < len(eb); {
		hi := min(ea[i].hi, eb[j].hi)
		c := d.apply(o, ea[i].child, eb[j].child)
		if n := len(out); n > 0 && out[n-1].child == c {
			out[n-1].hi = hi
		} else {
			out = append(out, edge{hi: hi, child: c})
		}
		if ea[i].hi == hi {
			i++
		}
		if eb[j].hi == hi {
			j++
		}
	}
	r := d.mk(level, out)
	d.memo[key] = r
	return r
}

// forall quantifies dimension x universally: the result holds the packets p such that every
// packet differing from p only in x is in n. The result does not depend on x.
func (d *dd) forall(n nodeID, x dim) nodeID {
	lx := d.levelOfDim(x)
	if d.level(n) > lx {
		return n // n does not test x (terminals included)
	}
	key := opKey{opForall, n, nodeID(x)}
	if r, ok := d.memo[key]; ok {
		return r
	}
	nd := d.nodes[n]
	var r nodeID
	if nd.level == lx {
		r = trueID
		for _, e := range nd.edges {
			r = d.and(r, e.child)
		}
	} else {
		out := make([]edge, 0, len(nd.edges))
		for _, e := range nd.edges {
			c := d.forall(e.child, x)
			if k := len(out); k > 0 && out[k-1].child == c {
				out[k-1].hi = e.hi
			} else {
				out = append(out, edge{hi: e.hi, child: c})
			}
		}
		r = d.mk(nd.level, out)
	}
	d.memo[key] = r
	return r
}

// portInvariant reports whether n is the same for every value of both port dimensions.
func (d *dd) portInvariant(n nodeID) bool {
	return d.forall(d.forall(n, dimDport), dimSport) == n
}

func (d *dd) levelOfDim(x dim) int {
	for l, y := range d.order {
		if y == x {
			return l
		}
	}
	panic("reach: dimension missing from the order")
}

// cubes decomposes n into disjoint cubes, canonically for the diagram's order: at each level
// the intervals are grouped by the sub-diagram they lead to, and each group becomes one
// interval set of the cubes below it. Groups are ordered by their lowest value. splitICMP
// keeps ICMP out of a protocol group whose ports are restricted (there the port dimensions
// hold ICMP types and codes, which mean something else).
func (d *dd) cubes(n nodeID, splitICMP bool) []cube {
	memo := map[[2]uint32][]cube{}
	var walk func(level int, n nodeID) []cube
	walk = func(level int, n nodeID) []cube {
		if n == falseID {
			return nil
		}
		if level == int(nDims) {
			return []cube{{}}
		}
		k := [2]uint32{uint32(level), uint32(n)}
		if r, ok := memo[k]; ok {
			return r
		}
		x := d.order[level]
		var out []cube
		if d.level(n) > level {
			// n does not test this level: the whole domain.
			for _, c := range walk(level+1, n) {
				c[x] = ivals{{0, dimTop[x]}}
				out = append(out, c)
			}
			memo[k] = out
			return out
		}
		type group struct {
			child nodeID
			set   ivals
		}
		var groups []*group
		byChild := map[nodeID]*group{}
		lo := uint32(0)
		for _, e := range d.nodes[n].edges {
			if e.child != falseID {
				g := byChild[e.child]
				if g == nil {
					g = &group{child: e.child}
					byChild[e.child] = g
					groups = append(groups, g)
				}
				g.set = append(g.set, ival{lo, e.hi})
			}
			lo = e.hi + 1
		}
		if splitICMP && x == dimProto {
			var split []*group
			for _, g := range groups {
				if g.set.contains(protoICMP) && !(len(g.set) == 1 && g.set[0] == ival{protoICMP, protoICMP}) && !d.portInvariant(g.child) {
					split = append(split, &group{child: g.child, set: ivals{{protoICMP, protoICMP}}})
					g.set = subtractPoint(g.set, protoICMP)
				}
				split = append(split, g)
			}
			groups = split
		}
		for _, g := range groups {
			for _, c := range walk(level+1, g.child) {
				c[x] = g.set
				out = append(out, c)
			}
		}
		memo[k] = out
		return out
	}
	return walk(0, n)
}

// subtractPoint removes v from s.
func subtractPoint(s ivals, v uint32) ivals {
	var out ivals
	for _, x := range s {
		if v < x.lo || v > x.hi {
			out = append(out, x)
			continue
		}
		if x.lo < v {
			out = append(out, ival{x.lo, v - 1})
		}
		if v < x.hi {
			out = append(out, ival{v + 1, x.hi})
		}
	}
	return out
}
