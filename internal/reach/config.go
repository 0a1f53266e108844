package reach

import (
	"fmt"
	"strings"
)

// Config is the security configuration of one SRX device, as far as what it lets through goes.
// It holds plain names and strings, like the Junos configuration; Diff resolves them.
type Config struct {
	// Zones maps a security zone's name to its address book. A zone need not be listed: a
	// policy naming it resolves its addresses in the global address book only.
	Zones map[string]AddressBook
	// Global is the global address book ([edit security address-book global]).
	Global AddressBook
	// Applications are the custom applications, by name. They hide a predefined application
	// of the same name, which also lets a caller describe one this package does not know.
	Applications map[string]Application
	// ApplicationSets are application sets by name; members name applications or sets.
	ApplicationSets map[string][]string
	// Policies are the policies of each zone pair. A zone pair appears at most once.
	Policies []ZonePair
}

// AddressBook holds named addresses and address sets.
type AddressBook struct {
	// Addresses maps an address name to its prefix ("10.0.0.0/24"; a bare address is a host).
	Addresses map[string]string
	// AddressSets maps a set name to its members: addresses or other sets of the same book
	// (for a zone's book, then of the global book).
	AddressSets map[string][]string
}

// Application is a custom application ([edit applications application NAME]).
type Application struct {
	// Protocol is a name (tcp, udp, icmp, gre, ...) or a number; empty for any protocol.
	Protocol string
	// DestinationPort and SourcePort are a port, a range ("1000-1010") or a port name
	// ("https"); empty for all. Only tcp, udp and sctp have ports.
	DestinationPort, SourcePort string
}

// ZonePair is the ordered policy list of one from-zone/to-zone context.
type ZonePair struct {
	From, To string
	Policies []Policy
}

// Policy is one security policy. Source names are resolved in the from-zone's address book
// and then the global one; destination names in the to-zone's and then the global one. "any"
// and "any-ipv4" stand for every IPv4 address, "any-ipv6" for none (IPv6 is not analysed);
// application "any" for every protocol and port.
type Policy struct {
	Name                             string
	Source, Destination, Application []string
	// Action is permit, deny or reject; reject is a deny that answers the sender.
	Action string
}

// Resource is one planned enclave resource of the device: its type (junos_security_zone,
// junos_address_book, junos_application, junos_security_policies; others are ignored) and its
// attribute values as plain Go values: strings, lists as []any or []string, nested blocks as
// []any of map[string]any.
type Resource struct {
	Type   string
	Values map[string]any
}

// Resource types FromResources reads.
const (
	typeSecurityZone     = "junos_security_zone"
	typeAddressBook      = "junos_address_book"
	typeApplication      = "junos_application"
	typeSecurityPolicies = "junos_security_policies"
)

// FromResources builds the Config of one device from its planned (or recorded) resources.
// Only the address book named "global" is read: enclave does not model attaching other books
// to zones, so policies cannot use them. A value that is not a plain string where one is
// expected (an unknown value, say) is an error.
func FromResources(rs []Resource) (Config, error) {
	cfg := Config{Zones: map[string]AddressBook{}, Applications: map[string]Application{}}
	seenPair := map[[2]string]bool{}
	for _, r := range rs {
		v := values(r.Values)
		switch r.Type {
		case typeSecurityZone:
			name, err := v.str("name")
			if err != nil {
				return Config{}, fmt.Errorf("%s: %w", r.Type, err)
			}
			if _, dup := cfg.Zones[name]; dup {
				return Config{}, fmt.Errorf("%s %q appears twice", r.Type, name)
			}
			book, err := v.book()
			if err != nil {
				return Config{}, fmt.Errorf("%s %q: %w", r.Type, name, err)
			}
			cfg.Zones[name] = book
		case typeAddressBook:
			name, err := v.str("name")
			if err != nil {
				return Config{}, fmt.Errorf("%s: %w", r.Type, err)
			}
			if name != "global" {
				continue
			}
			book, err := v.book()
			if err != nil {
				return Config{}, fmt.Errorf("%s %q: %w", r.Type, name, err)
			}
			cfg.Global = book
		case typeApplication:
			var a Application
			name, err := v.str("name")
			if err == nil {
				a.Protocol, err = v.str("protocol")
			}
			if err == nil {
				a.DestinationPort, err = v.str("destination_port")
			}
			if err == nil {
				a.SourcePort, err = v.str("source_port")
			}
			if err != nil {
				return Config{}, fmt.Errorf("%s %q: %w", r.Type, name, err)
			}
			if _, dup := cfg.Applications[name]; dup {
				return Config{}, fmt.Errorf("%s %q appears twice", r.Type, name)
			}
			cfg.Applications[name] = a
		case typeSecurityPolicies:
			zp, err := v.zonePair()
			if err != nil {
				return Config{}, fmt.Errorf("%s: %w", r.Type, err)
			}
			k := [2]string{zp.From, zp.To}
			if seenPair[k] {
				return Config{}, fmt.Errorf("%s %s>%s appears twice", r.Type, zp.From, zp.To)
			}
			seenPair[k] = true
			cfg.Policies = append(cfg.Policies, zp)
		}
	}
	return cfg, nil
}

// values reads plain attribute values.
type values map[string]any

func (v values) str(k string) (string, error) {
	switch s := v[k].(type) {
	case nil:
		return "", nil
	case string:
		return s, nil
	}
	return "", fmt.Errorf("%s is not a known string (%T)", k, v[k])
}

func (v values) strs(k string) ([]string, error) {
	switch l := v[k].(type) {
	case nil:
		return nil, nil
	case []string:
		return append([]string(nil), l...), nil
	case []any:
		out := make([]string, 0, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s[%d] is not a known string (%T)", k, i, e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not a known list of strings (%T)", k, v[k])
}

func (v values) blocks(k string) ([]values, error) {
	switch l := v[k].(type) {
	case nil:
		return nil, nil
	case []map[string]any:
		out := make([]values, len(l))
		for i, m := range l {
			out[i] = m
		}
		return out, nil
	case []any:
		out := make([]values, 0, len(l))
		for i, e := range l {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s[%d] is not a known block (%T)", k, i, e)
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not a known list of blocks (%T)", k, v[k])
}

func (v values) book() (AddressBook, error) {
	book := AddressBook{Addresses: map[string]string{}, AddressSets: map[string][]string{}}
	addrs, err := v.blocks("address")
	if err != nil {
		return book, err
	}
	for _, a := range addrs {
		name, err := a.str("name")
		if err != nil {
			return book, fmt.Errorf("address: %w", err)
		}
		prefix, err := a.str("prefix")
		if err != nil {
			return book, fmt.Errorf("address %q: %w", name, err)
		}
		if _, dup := book.Addresses[name]; dup {
			return book, fmt.Errorf("address %q appears twice", name)
		}
		book.Addresses[name] = prefix
	}
	sets, err := v.blocks("address_set")
	if err != nil {
		return book, err
	}
	for _, s := range sets {
		name, err := s.str("name")
		if err != nil {
			return book, fmt.Errorf("address_set: %w", err)
		}
		members, err := s.strs("addresses")
		if err != nil {
			return book, fmt.Errorf("address_set %q: %w", name, err)
		}
		if _, dup := book.AddressSets[name]; dup {
			return book, fmt.Errorf("address_set %q appears twice", name)
		}
		book.AddressSets[name] = members
	}
	return book, nil
}

func (v values) zonePair() (ZonePair, error) {
	var zp ZonePair
	var err error
	if zp.From, err = v.str("from_zone"); err != nil {
		return zp, err
	}
	if zp.To, err = v.str("to_zone"); err != nil {
		return zp, err
	}
	pols, err := v.blocks("policy")
	if err != nil {
		return zp, fmt.Errorf("%s>%s: %w", zp.From, zp.To, err)
	}
	for i, p := range pols {
		var pol Policy
		var errs []string
		note := func(err error) {
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		pol.Name, err = p.str("name")
		note(err)
		pol.Source, err = p.strs("source_address")
		note(err)
		pol.Destination, err = p.strs("destination_address")
		note(err)
		pol.Application, err = p.strs("application")
		note(err)
		pol.Action, err = p.str("action")
		note(err)
		if errs != nil {
			return zp, fmt.Errorf("%s>%s policy %d (%q): %s", zp.From, zp.To, i, pol.Name, strings.Join(errs, "; "))
		}
		zp.Policies = append(zp.Policies, pol)
	}
	return zp, nil
}
