package reach

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Result is what a change does to one device's reachability.
type Result struct {
	// Opens are the flows denied before the change and permitted after it.
	Opens []Box
	// Closes are the flows permitted before the change and denied after it.
	Closes []Box
	// anyToAny are the services a zone pair permits from every source to every destination
	// after the change and did not before.
	anyToAny []Box
}

// Changed reports whether the change opens or closes anything.
func (r Result) Changed() bool { return len(r.Opens) > 0 || len(r.Closes) > 0 }

// OpensInto returns the newly permitted flows whose to-zone is zone.
func (r Result) OpensInto(zone string) []Box {
	return filter(r.Opens, func(b Box) bool { return b.To == zone })
}

// OpensFrom returns the newly permitted flows whose from-zone is zone.
func (r Result) OpensFrom(zone string) []Box {
	return filter(r.Opens, func(b Box) bool { return b.From == zone })
}

// OpensAnyToAny returns, per zone pair, the services (protocols and ports) that the pair
// permits from every IPv4 source to every IPv4 destination after the change and did not
// before, as boxes whose sources and destinations are 0.0.0.0/0. It is computed on the
// permitted sets, not on Opens: a service opened any-to-any may be spread over several boxes
// of Opens, and a change that completes an any-to-any permit of a service already open
// between a few hosts opens it any-to-any too, though Opens then leaves those hosts out.
// Every such service has flows in Opens.
func (r Result) OpensAnyToAny() []Box { return slices.Clone(r.anyToAny) }

// String renders the result one box a line, opens first ("+ ") then closes ("- ").
func (r Result) String() string {
	var sb strings.Builder
	for _, b := range r.Opens {
		sb.WriteString("+ " + b.String() + "\n")
	}
	for _, b := range r.Closes {
		sb.WriteString("- " + b.String() + "\n")
	}
	return sb.String()
}

func filter(bs []Box, keep func(Box) bool) []Box {
	var out []Box
	for _, b := range bs {
		if keep(b) {
			out = append(out, b)
		}
	}
	return out
}

// Diff computes the flows a device permits after a change and did not before (Opens), and the
// reverse (Closes), per zone pair, exactly. Errors name the side, the policy and the name that
// does not resolve (a *ResolveError, through errors.As).
func Diff(before, after Config) (Result, error) {
	d := newDD(defaultOrder)
	cb, err := compile(d, &before)
	if err != nil {
		return Result{}, fmt.Errorf("before: %w", err)
	}
	ca, err := compile(d, &after)
	if err != nil {
		return Result{}, fmt.Errorf("after: %w", err)
	}
	var res Result
	for _, k := range pairKeys(cb, ca) {
		opens, closes := pairDiff(d, cb[k], ca[k])
		res.Opens = append(res.Opens, boxes(d, k, opens)...)
		res.Closes = append(res.Closes, boxes(d, k, closes)...)
		if opens != falseID {
			// The whole lists this time: a service permitted any-to-any afterwards may have
			// been open between some hosts before, outside what opens holds.
			svc := d.diff(anyToAny(d, ca[k]), anyToAny(d, cb[k]))
			res.anyToAny = append(res.anyToAny, boxes(d, k, svc)...)
		}
	}
	sortBoxes(res.Opens)
	sortBoxes(res.Closes)
	sortBoxes(res.anyToAny)
	return res, nil
}

// Permits returns every flow cfg permits, per zone pair, as boxes.
func Permits(cfg Config) ([]Box, error) {
	d := newDD(defaultOrder)
	c, err := compile(d, &cfg)
	if err != nil {
		return nil, err
	}
	var out []Box
	for _, k := range pairKeys(c, nil) {
		out = append(out, boxes(d, k, evaluate(d, c[k], trueID))...)
	}
	sortBoxes(out)
	return out, nil
}

func pairKeys(a, b map[pairKey][]compiledPolicy) []pairKey {
	seen := map[pairKey]bool{}
	var keys []pairKey
	for _, m := range []map[pairKey][]compiledPolicy{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	slices.SortFunc(keys, func(x, y pairKey) int {
		if c := cmp.Compare(x.from, y.from); c != 0 {
			return c
		}
		return cmp.Compare(x.to, y.to)
	})
	return keys
}

// pairDiff returns the packets one zone pair permits after and not before (opens), and the
// reverse (closes).
//
// Only part of the packet space can change decision. Let the two lists share their first p
// policies and, after those, their last s: a packet matched by one of the shared first p is
// decided the same way on both sides, and a packet matched by none of the policies in between
// (on either side) falls through to the same last s, or the default deny. So both sides are
// evaluated only inside the region R = (union of the in-between policies' matches) minus
// (union of the first p's matches), and only with the policies after the first p. A change to
// one policy among hundreds thus costs about the size of that policy's match, not the list's.
func pairDiff(d *dd, before, after []compiledPolicy) (opens, closes nodeID) {
	if slices.Equal(before, after) {
		return falseID, falseID
	}
	p := 0
	for p < len(before) && p < len(after) && before[p] == after[p] {
		p++
	}
	s := 0
	for s < len(before)-p && s < len(after)-p && before[len(before)-1-s] == after[len(after)-1-s] {
		s++
	}
	region := falseID
	for _, cp := range before[p : len(before)-s] {
		region = d.or(region, cp.match)
	}
	for _, cp := range after[p : len(after)-s] {
		region = d.or(region, cp.match)
	}
	for _, cp := range before[:p] {
		if region == falseID {
			break
		}
		region = d.diff(region, cp.match)
	}
	if region == falseID {
		return falseID, falseID
	}
	eb := evaluate(d, before[p:], region)
	ea := evaluate(d, after[p:], region)
	return d.diff(ea, eb), d.diff(eb, ea)
}

// anyToAny is the services (protocol and ports) list permits from every source to every
// destination.
func anyToAny(d *dd, list []compiledPolicy) nodeID {
	return d.forall(d.forall(evaluate(d, list, trueID), dimSrc), dimDst)
}

// evaluate returns the packets of region that list permits, first match winning and the
// default policy denying. It folds from the last policy up: the decision below policy i is
// policy i's action on its match and the decision below i+1 elsewhere.
func evaluate(d *dd, list []compiledPolicy, region nodeID) nodeID {
	permitted := falseID
	for i := len(list) - 1; i >= 0; i-- {
		m := d.and(list[i].match, region)
		if list[i].permit {
			permitted = d.or(permitted, m)
		} else {
			permitted = d.diff(permitted, m)
		}
	}
	return permitted
}

// maxReorderBoxes bounds the decompositions tried in other dimension orders: past it the
// default order's is kept (still exact and canonical, maybe not the fewest).
const maxReorderBoxes = 64

// altOrders are the dimension orders tried for fewer boxes: every order in which the protocol
// comes before both ports (so that a box's port ranges apply to all of its protocols, see
// dd.cubes), the default one first.
var altOrders = func() [][nDims]dim {
	out := [][nDims]dim{defaultOrder}
	var perm func(k int, cur [nDims]dim, used [nDims]bool)
	perm = func(k int, cur [nDims]dim, used [nDims]bool) {
		if k == int(nDims) {
			if cur != defaultOrder {
				out = append(out, cur)
			}
			return
		}
		for x := dim(0); x < nDims; x++ {
			if used[x] || ((x == dimDport || x == dimSport) && !used[dimProto]) {
				continue
			}
			cur[k], used[x] = x, true
			perm(k+1, cur, used)
			used[x] = false
		}
	}
	perm(0, [nDims]dim{}, [nDims]bool{})
	return out
}()

// boxes decomposes the set n of pair k into disjoint boxes: the canonical decomposition (see
// dd.cubes) of the dimension order that gives the fewest, ties going to the earlier order.
// Each order's decomposition depends only on the set, so the choice does too.
func boxes(d *dd, k pairKey, n nodeID) []Box {
	if n == falseID {
		return nil
	}
	best := d.cubes(n, true)
	if len(best) > 1 && len(best) <= maxReorderBoxes {
		first := best
		for _, order := range altOrders[1:] {
			d2 := newDD(order)
			m := falseID
			for _, c := range first {
				m = d2.or(m, d2.product(c))
			}
			if cs := d2.cubes(m, true); len(cs) < len(best) {
				best = cs
			}
		}
	}
	out := make([]Box, 0, len(best))
	for _, c := range best {
		if b := cubeBox(k.from, k.to, c); len(b.DestinationPorts) > 0 && len(b.SourcePorts) > 0 {
			out = append(out, b) // else ICMP types or codes above 255 only: no packet
		}
	}
	return out
}
