package reach

import (
	"fmt"
	"net/netip"
	"strings"
)

// ResolveError is a policy naming something that cannot be resolved: an address or
// application that is not defined, one whose definition is malformed, or a set that contains
// itself.
type ResolveError struct {
	From, To string // the zone pair
	Policy   string
	// What is "source address", "destination address", "application" or "action".
	What string
	Name string
	// Reason says what is wrong with Name.
	Reason string
}

func (e *ResolveError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("policy %q (%s -> %s): %s: %s", e.Policy, e.From, e.To, e.What, e.Reason)
	}
	return fmt.Sprintf("policy %q (%s -> %s): %s %q: %s", e.Policy, e.From, e.To, e.What, e.Name, e.Reason)
}

// compiledPolicy is a policy reduced to what decides packets: the set it matches and whether
// it permits. Two policies that differ only in name or log compile to equal values.
type compiledPolicy struct {
	match  nodeID
	permit bool
}

type pairKey struct{ from, to string }

// resolver resolves one Config's names into sets of one dd.
type resolver struct {
	d     *dd
	cfg   *Config
	addrs map[addrKey]ivals
	apps  map[string]nodeID
}

// addrKey names an address-book entry as seen from a zone ("" for the global book alone).
type addrKey struct{ zone, name string }

// nameError is an unresolvable name below the policy level; the caller adds the policy.
type nameError struct{ name, reason string }

func (e *nameError) Error() string { return e.name + ": " + e.reason }

// compile resolves every policy of cfg into d.
func compile(d *dd, cfg *Config) (map[pairKey][]compiledPolicy, error) {
	r := &resolver{d: d, cfg: cfg, addrs: map[addrKey]ivals{}, apps: map[string]nodeID{}}
	out := map[pairKey][]compiledPolicy{}
	for _, zp := range cfg.Policies {
		k := pairKey{zp.From, zp.To}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("zone pair %s -> %s appears twice", zp.From, zp.To)
		}
		list := make([]compiledPolicy, 0, len(zp.Policies))
		for _, p := range zp.Policies {
			cp, err := r.policy(zp, p)
			if err != nil {
				return nil, err
			}
			list = append(list, cp)
		}
		out[k] = list
	}
	return out, nil
}

func (r *resolver) policy(zp ZonePair, p Policy) (compiledPolicy, error) {
	fail := func(what, name, reason string) (compiledPolicy, error) {
		return compiledPolicy{}, &ResolveError{From: zp.From, To: zp.To, Policy: p.Name, What: what, Name: name, Reason: reason}
	}
	var cp compiledPolicy
	switch p.Action {
	case "permit":
		cp.permit = true
	case "deny", "reject":
	default:
		return fail("action", p.Action, "not permit, deny or reject")
	}
	addrSet := func(what, zone string, names []string) (ivals, *ResolveError) {
		if len(names) == 0 {
			return nil, &ResolveError{From: zp.From, To: zp.To, Policy: p.Name, What: what, Reason: "none given"}
		}
		var all ivals
		for _, n := range names {
			s, err := r.address(zone, n, nil)
			if err != nil {
				ne := err.(*nameError)
				reason := ne.reason
				if ne.name != n {
					reason = fmt.Sprintf("member %q: %s", ne.name, ne.reason)
				}
				return nil, &ResolveError{From: zp.From, To: zp.To, Policy: p.Name, What: what, Name: n, Reason: reason}
			}
			all = append(all, s...)
		}
		return normalize(all), nil
	}
	src, rerr := addrSet("source address", zp.From, p.Source)
	if rerr != nil {
		return compiledPolicy{}, rerr
	}
	dst, rerr := addrSet("destination address", zp.To, p.Destination)
	if rerr != nil {
		return compiledPolicy{}, rerr
	}
	if len(p.Application) == 0 {
		return fail("application", "", "none given")
	}
	apps := falseID
	for _, n := range p.Application {
		a, err := r.application(n, nil)
		if err != nil {
			ne := err.(*nameError)
			reason := ne.reason
			if ne.name != n {
				reason = fmt.Sprintf("member %q: %s", ne.name, ne.reason)
			}
			return fail("application", n, reason)
		}
		apps = r.d.or(apps, a)
	}
	if len(src) == 0 || len(dst) == 0 {
		// Only IPv6 addresses (or any-ipv6): nothing in the IPv4 space.
		cp.match = falseID
		return cp, nil
	}
	var c cube
	c[dimSrc], c[dimDst] = src, dst
	cp.match = r.d.and(r.d.product(c), apps)
	return cp, nil
}

// address resolves name as seen from zone: in the zone's book, then the global one. stack
// holds the sets being expanded, to catch a set that contains itself.
func (r *resolver) address(zone, name string, stack []addrKey) (ivals, error) {
	switch name {
	case "any", "any-ipv4":
		return ivals{{0, dimTop[dimSrc]}}, nil
	case "any-ipv6":
		return nil, nil
	}
	k := addrKey{zone, name}
	if s, ok := r.addrs[k]; ok {
		return s, nil
	}
	for _, x := range stack {
		if x == k {
			return nil, &nameError{name, "address set contains itself"}
		}
	}
	var s ivals
	var err error
	book, inZone := r.cfg.Zones[zone]
	found := false
	if zone != "" && inZone {
		s, found, err = r.inBook(book, zone, name, append(stack, k))
	}
	if !found && err == nil {
		s, found, err = r.inBook(r.cfg.Global, "", name, append(stack, k))
	}
	if err != nil {
		return nil, err
	}
	if !found {
		where := "the global address book"
		if zone != "" {
			where = fmt.Sprintf("the address book of zone %s nor in the global one", zone)
		}
		return nil, &nameError{name, "not defined in " + where}
	}
	r.addrs[k] = s
	return s, nil
}

// inBook resolves name in one book; found is false when the book does not define it. Set
// members are resolved as seen from zone (so a zone set may use global addresses).
func (r *resolver) inBook(book AddressBook, zone, name string, stack []addrKey) (ivals, bool, error) {
	prefix, isAddr := book.Addresses[name]
	members, isSet := book.AddressSets[name]
	switch {
	case isAddr && isSet:
		return nil, true, &nameError{name, "defined both as an address and as an address set"}
	case isAddr:
		s, err := parseAddress(prefix)
		if err != nil {
			return nil, true, &nameError{name, err.Error()}
		}
		return s, true, nil
	case isSet:
		var all ivals
		for _, m := range members {
			s, err := r.address(zone, m, stack)
			if err != nil {
				return nil, true, err
			}
			all = append(all, s...)
		}
		return normalize(all), true, nil
	}
	return nil, false, nil
}

// parseAddress reads an address-book prefix. IPv6 resolves to the empty set: this package
// analyses IPv4 only.
func parseAddress(s string) (ivals, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return nil, fmt.Errorf("%q is not an IP prefix", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	r, ok := prefixRange(p)
	if !ok {
		return nil, nil
	}
	return ivals{r}, nil
}

// application resolves an application or application-set name to its set over protocol and
// ports.
func (r *resolver) application(name string, stack []string) (nodeID, error) {
	if name == "any" {
		return trueID, nil
	}
	if n, ok := r.apps[name]; ok {
		return n, nil
	}
	for _, x := range stack {
		if x == name {
			return falseID, &nameError{name, "application set contains itself"}
		}
	}
	a, isApp := r.cfg.Applications[name]
	members, isSet := r.cfg.ApplicationSets[name]
	var n nodeID
	switch {
	case isApp && isSet:
		return falseID, &nameError{name, "defined both as an application and as an application set"}
	case isApp:
		c, err := applicationCube(strings.ToLower(a.Protocol), a.DestinationPort, a.SourcePort)
		if err != nil {
			return falseID, &nameError{name, err.Error()}
		}
		n = r.d.product(c)
	case isSet:
		n = falseID
		for _, m := range members {
			mn, err := r.application(m, append(stack, name))
			if err != nil {
				return falseID, err
			}
			n = r.d.or(n, mn)
		}
	default:
		terms, ok := predefined[name]
		if !ok {
			return falseID, &nameError{name, "not a custom application, an application set or a predefined application this analysis knows"}
		}
		n = falseID
		for _, c := range terms {
			n = r.d.or(n, r.d.product(c))
		}
	}
	r.apps[name] = n
	return n, nil
}
