package junos

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/enclave-dev/enclave/providers"
)

// Resource type names.
const (
	TypeInterface        = "junos_interface"
	TypeChassisCluster   = "junos_chassis_cluster"
	TypeSecurityZone     = "junos_security_zone"
	TypeAddressBook      = "junos_address_book"
	TypeApplication      = "junos_application"
	TypeSecurityPolicies = "junos_security_policies"
	TypeVLAN             = "junos_vlan"
	TypeStaticRoute      = "junos_static_route"
)

// chassisClusterID is the id of the one junos_chassis_cluster a device has.
const chassisClusterID = "chassis-cluster"

// step is one level of the hierarchy above a managed stanza; list entries carry their keys.
type step struct {
	name string
	keys [][2]string
}

// resourceType says where a type's stanza lives and how it maps to an Object. Each resource
// owns exactly one stanza, which apply replaces whole (replace="replace") so that items
// removed from the configuration go, and deletes with delete="delete".
type resourceType struct {
	// id returns the natural key of a desired or read object.
	id func(o providers.Object) (string, error)
	// where returns the hierarchy above the stanza of id, and the stanza with only its keys.
	where func(id string) ([]step, *element, error)
	// render builds the stanza of a desired object (no attributes).
	render func(o providers.Object) *element
	// each calls fn for every stanza of this type in a <configuration>.
	each func(cfg *element, fn func(id string, stanza *element))
	// parse reads a stanza into an Object (without "id").
	parse func(stanza *element) providers.Object
}

var types = map[string]*resourceType{
	TypeInterface:        interfaceType,
	TypeChassisCluster:   chassisClusterType,
	TypeSecurityZone:     securityZoneType,
	TypeAddressBook:      addressBookType,
	TypeApplication:      applicationType,
	TypeSecurityPolicies: securityPoliciesType,
	TypeVLAN:             vlanType,
	TypeStaticRoute:      staticRouteType,
}

// managedFilter is the subtree filter of every hierarchy the types above live in: refresh and
// the post-commit read-back each fetch exactly this, in one get-configuration.
var managedFilter = el("configuration",
	el("interfaces"),
	el("chassis", el("cluster")),
	el("security", el("address-book"), el("zones"), el("policies")),
	el("applications"),
	el("vlans"),
	el("routing-options", el("static")),
	el("routing-instances"),
)

func lookupType(typ string) (*resourceType, error) {
	rt, ok := types[typ]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %q for the junos provider", typ)
	}
	return rt, nil
}

// --- small helpers -------------------------------------------------------------------------

// canonPrefix writes an address or prefix the way Junos shows it after a commit: a bare
// address gets its full length (/32, /128) and IPv6 is written in its compressed form. Host
// bits are kept (an interface address is a prefix with host bits). Anything else (a name)
// is left as it is.
func canonPrefix(s string) string {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().String() + "/" + strconv.Itoa(p.Bits())
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String() + "/" + strconv.Itoa(a.BitLen())
	}
	return s
}

// canonAddr writes an address as Junos shows it (IPv6 compressed).
func canonAddr(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return s
}

func mapStrings(ss []string, f func(string) string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

func requireString(o providers.Object, k string) (string, error) {
	v := providers.String(o, k)
	if v == "" {
		return "", fmt.Errorf("%s is required", k)
	}
	return v, nil
}

// nameKeyed is the id/where/each for a stanza keyed by <name> under a fixed path.
func nameKeyed(attr string, parents []string, stanza string) (func(providers.Object) (string, error), func(string) ([]step, *element, error), func(*element, func(string, *element))) {
	steps := make([]step, len(parents))
	for i, p := range parents {
		steps[i] = step{name: p}
	}
	id := func(o providers.Object) (string, error) { return requireString(o, attr) }
	where := func(id string) ([]step, *element, error) {
		if id == "" {
			return nil, nil, errors.New("empty id")
		}
		return steps, el(stanza, leafEl("name", id)), nil
	}
	each := func(cfg *element, fn func(string, *element)) {
		for _, s := range cfg.path(parents...).all(stanza) {
			fn(s.childText("name"), s)
		}
	}
	return id, where, each
}

func addText(e *element, name, v string) {
	if v != "" {
		e.add(leafEl(name, v))
	}
}

func addNumber(e *element, o providers.Object, attr, name string) {
	if providers.Has(o, attr) {
		e.add(leafEl(name, strconv.FormatInt(providers.Int(o, attr), 10)))
	}
}

func addAll(e *element, name string, vals []string) {
	for _, v := range vals {
		e.add(leafEl(name, v))
	}
}

func addNamed(e *element, name string, vals []string) {
	for _, v := range vals {
		e.add(el(name, leafEl("name", v)))
	}
}

func setText(o providers.Object, attr, v string) {
	if v != "" {
		o[attr] = v
	}
}

// setNumber stores an integral leaf as int64, the form Objects hold numbers in.
func setNumber(o providers.Object, attr, v string) {
	if v == "" {
		return
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		o[attr] = n
	}
}

func setList(o providers.Object, attr string, vals []string) {
	if len(vals) > 0 {
		o[attr] = providers.StringList(vals)
	}
}

func setSet(o providers.Object, attr string, vals []string) {
	if len(vals) > 0 {
		o[attr] = providers.SortedStringList(vals)
	}
}

func names(e *element, child string) []string {
	var out []string
	for _, c := range e.all(child) {
		out = append(out, c.childText("name"))
	}
	return out
}

// --- junos_interface -----------------------------------------------------------------------

var interfaceType = func() *resourceType {
	id, where, each := nameKeyed("name", []string{"interfaces"}, "interface")
	return &resourceType{id: id, where: where, each: each, render: renderInterface, parse: parseInterface}
}()

func isReth(name string) bool { return strings.HasPrefix(name, "reth") }

func renderInterface(o providers.Object) *element {
	name := providers.String(o, "name")
	e := el("interface", leafEl("name", name))
	addText(e, "description", providers.String(o, "description"))
	units := providers.Blocks(o, "unit")
	for _, u := range units {
		if providers.Has(u, "vlan_id") {
			// Junos refuses vlan-id on a unit unless the interface is tagged.
			e.add(el("vlan-tagging"))
			break
		}
	}
	addNumber(e, o, "mtu", "mtu")
	lacp := providers.String(o, "lacp")
	if providers.Has(o, "redundancy_group") || (isReth(name) && lacp != "") {
		reo := el("redundant-ether-options")
		addNumber(reo, o, "redundancy_group", "redundancy-group")
		if isReth(name) && lacp != "" {
			reo.add(el("lacp", el(lacp)))
		}
		e.add(reo)
	}
	if lacp != "" && !isReth(name) {
		e.add(el("aggregated-ether-options", el("lacp", el(lacp))))
	}
	if parent := providers.String(o, "member_of"); parent != "" {
		if isReth(parent) {
			e.add(el("gigether-options", el("redundant-parent", leafEl("parent", parent))))
		} else {
			e.add(el("ether-options", el("ieee-802.3ad", leafEl("bundle", parent))))
		}
	}
	for _, u := range units {
		ue := el("unit", leafEl("name", strconv.FormatInt(providers.Int(u, "id"), 10)))
		addText(ue, "description", providers.String(u, "description"))
		addNumber(ue, u, "vlan_id", "vlan-id")
		fam := el("family")
		var v4, v6 []string
		for _, a := range mapStrings(providers.Strings(u, "addresses"), canonPrefix) {
			if strings.Contains(a, ":") {
				v6 = append(v6, a)
			} else {
				v4 = append(v4, a)
			}
		}
		if len(v4) > 0 {
			inet := el("inet")
			addNamed(inet, "address", v4)
			fam.add(inet)
		}
		if len(v6) > 0 {
			inet6 := el("inet6")
			addNamed(inet6, "address", v6)
			fam.add(inet6)
		}
		if sw := providers.SingleBlock(u, "switching"); sw != nil {
			es := el("ethernet-switching")
			addText(es, "interface-mode", providers.String(sw, "mode"))
			if vl := providers.Strings(sw, "vlans"); len(vl) > 0 {
				members := el("vlan")
				addAll(members, "members", vl)
				es.add(members)
			}
			fam.add(es)
		}
		if len(fam.Children) > 0 {
			ue.add(fam)
		}
		e.add(ue)
	}
	return e
}

func parseInterface(s *element) providers.Object {
	o := providers.Object{"name": s.childText("name")}
	setText(o, "description", s.childText("description"))
	setNumber(o, "mtu", s.childText("mtu"))
	reo := s.child("redundant-ether-options")
	setNumber(o, "redundancy_group", reo.childText("redundancy-group"))
	for _, lacp := range []*element{reo.child("lacp"), s.path("aggregated-ether-options", "lacp")} {
		for _, mode := range []string{"active", "passive"} {
			if lacp.has(mode) {
				o["lacp"] = mode
			}
		}
	}
	for _, p := range []string{
		s.path("gigether-options", "redundant-parent").childText("parent"),
		s.path("ether-options", "ieee-802.3ad").childText("bundle"),
		s.path("gigether-options", "ieee-802.3ad").childText("bundle"),
	} {
		if p != "" {
			o["member_of"] = p
			break
		}
	}
	units := []any{}
	for _, ue := range s.all("unit") {
		u := providers.Object{}
		setNumber(u, "id", ue.childText("name"))
		setText(u, "description", ue.childText("description"))
		setNumber(u, "vlan_id", ue.childText("vlan-id"))
		fam := ue.child("family")
		addrs := append(names(fam.child("inet"), "address"), names(fam.child("inet6"), "address")...)
		setList(u, "addresses", addrs)
		if es := fam.child("ethernet-switching"); es != nil {
			sw := providers.Object{}
			mode := es.childText("interface-mode")
			if mode == "" {
				mode = es.childText("port-mode") // pre-ELS EX spelling
			}
			setText(sw, "mode", mode)
			setSet(sw, "vlans", es.child("vlan").texts("members"))
			u["switching"] = sw
		}
		units = append(units, u)
	}
	o["unit"] = units
	return o
}

// --- junos_chassis_cluster -----------------------------------------------------------------

var chassisClusterType = &resourceType{
	id: func(providers.Object) (string, error) { return chassisClusterID, nil },
	where: func(id string) ([]step, *element, error) {
		if id != chassisClusterID {
			return nil, nil, fmt.Errorf("the chassis cluster's id is %q, not %q", chassisClusterID, id)
		}
		return []step{{name: "chassis"}}, el("cluster"), nil
	},
	each: func(cfg *element, fn func(string, *element)) {
		if c := cfg.path("chassis", "cluster"); c != nil {
			fn(chassisClusterID, c)
		}
	},
	render: func(o providers.Object) *element {
		e := el("cluster")
		addNumber(e, o, "reth_count", "reth-count")
		for _, g := range providers.Blocks(o, "redundancy_group") {
			ge := el("redundancy-group", leafEl("name", strconv.FormatInt(providers.Int(g, "id"), 10)))
			for node, attr := range []string{"node0_priority", "node1_priority"} {
				if providers.Has(g, attr) {
					ge.add(el("node", leafEl("name", strconv.Itoa(node)), leafEl("priority", strconv.FormatInt(providers.Int(g, attr), 10))))
				}
			}
			if providers.Bool(g, "preempt") {
				ge.add(el("preempt"))
			}
			e.add(ge)
		}
		return e
	},
	parse: func(s *element) providers.Object {
		o := providers.Object{}
		setNumber(o, "reth_count", s.childText("reth-count"))
		groups := []any{}
		for _, ge := range s.all("redundancy-group") {
			g := providers.Object{"preempt": ge.has("preempt")}
			setNumber(g, "id", ge.childText("name"))
			for _, n := range ge.all("node") {
				switch n.childText("name") {
				case "0":
					setNumber(g, "node0_priority", n.childText("priority"))
				case "1":
					setNumber(g, "node1_priority", n.childText("priority"))
				}
			}
			groups = append(groups, g)
		}
		o["redundancy_group"] = groups
		return o
	},
}

// --- address books (zone and global) -------------------------------------------------------

func renderAddresses(e *element, o providers.Object) {
	for _, a := range providers.Blocks(o, "address") {
		e.add(el("address", leafEl("name", providers.String(a, "name")), leafEl("ip-prefix", canonPrefix(providers.String(a, "prefix")))))
	}
	for _, s := range providers.Blocks(o, "address_set") {
		se := el("address-set", leafEl("name", providers.String(s, "name")))
		addNamed(se, "address", providers.Strings(s, "addresses"))
		e.add(se)
	}
}

func parseAddresses(o providers.Object, book *element) {
	addrs := []any{}
	for _, a := range book.all("address") {
		addrs = append(addrs, providers.Object{"name": a.childText("name"), "prefix": a.childText("ip-prefix")})
	}
	sets := []any{}
	for _, s := range book.all("address-set") {
		so := providers.Object{"name": s.childText("name")}
		setSet(so, "addresses", names(s, "address"))
		sets = append(sets, so)
	}
	o["address"] = addrs
	o["address_set"] = sets
}

// --- junos_security_zone -------------------------------------------------------------------

var securityZoneType = func() *resourceType {
	id, where, each := nameKeyed("name", []string{"security", "zones"}, "security-zone")
	return &resourceType{id: id, where: where, each: each,
		render: func(o providers.Object) *element {
			e := el("security-zone", leafEl("name", providers.String(o, "name")))
			if len(providers.Blocks(o, "address")) > 0 || len(providers.Blocks(o, "address_set")) > 0 {
				book := el("address-book")
				renderAddresses(book, o)
				e.add(book)
			}
			svc, proto := providers.Strings(o, "system_services"), providers.Strings(o, "protocols")
			if len(svc) > 0 || len(proto) > 0 {
				hit := el("host-inbound-traffic")
				addNamed(hit, "system-services", svc)
				addNamed(hit, "protocols", proto)
				e.add(hit)
			}
			addNamed(e, "interfaces", providers.Strings(o, "interfaces"))
			return e
		},
		parse: func(s *element) providers.Object {
			o := providers.Object{"name": s.childText("name")}
			setSet(o, "interfaces", names(s, "interfaces"))
			hit := s.child("host-inbound-traffic")
			setSet(o, "system_services", names(hit, "system-services"))
			setSet(o, "protocols", names(hit, "protocols"))
			parseAddresses(o, s.child("address-book"))
			return o
		},
	}
}()

// --- junos_address_book --------------------------------------------------------------------

var addressBookType = func() *resourceType {
	id, where, each := nameKeyed("name", []string{"security"}, "address-book")
	return &resourceType{id: id, where: where, each: each,
		render: func(o providers.Object) *element {
			e := el("address-book", leafEl("name", providers.String(o, "name")))
			renderAddresses(e, o)
			return e
		},
		parse: func(s *element) providers.Object {
			o := providers.Object{"name": s.childText("name")}
			parseAddresses(o, s)
			return o
		},
	}
}()

// --- junos_application ---------------------------------------------------------------------

var applicationType = func() *resourceType {
	id, where, each := nameKeyed("name", []string{"applications"}, "application")
	return &resourceType{id: id, where: where, each: each,
		render: func(o providers.Object) *element {
			e := el("application", leafEl("name", providers.String(o, "name")))
			addText(e, "protocol", providers.String(o, "protocol"))
			addText(e, "source-port", providers.String(o, "source_port"))
			addText(e, "destination-port", providers.String(o, "destination_port"))
			addNumber(e, o, "inactivity_timeout", "inactivity-timeout")
			return e
		},
		parse: func(s *element) providers.Object {
			o := providers.Object{"name": s.childText("name")}
			setText(o, "protocol", s.childText("protocol"))
			setText(o, "source_port", s.childText("source-port"))
			setText(o, "destination_port", s.childText("destination-port"))
			setNumber(o, "inactivity_timeout", s.childText("inactivity-timeout"))
			return o
		},
	}
}()

// --- junos_security_policies ---------------------------------------------------------------

var securityPoliciesType = &resourceType{
	id: func(o providers.Object) (string, error) {
		from, err := requireString(o, "from_zone")
		if err != nil {
			return "", err
		}
		to, err := requireString(o, "to_zone")
		if err != nil {
			return "", err
		}
		return from + ">" + to, nil
	},
	where: func(id string) ([]step, *element, error) {
		from, to, ok := strings.Cut(id, ">")
		if !ok || from == "" || to == "" {
			return nil, nil, fmt.Errorf("id %q is not FROM>TO", id)
		}
		return []step{{name: "security"}, {name: "policies"}},
			el("policy", leafEl("from-zone-name", from), leafEl("to-zone-name", to)), nil
	},
	each: func(cfg *element, fn func(string, *element)) {
		for _, p := range cfg.path("security", "policies").all("policy") {
			fn(p.childText("from-zone-name")+">"+p.childText("to-zone-name"), p)
		}
	},
	render: func(o providers.Object) *element {
		e := el("policy", leafEl("from-zone-name", providers.String(o, "from_zone")), leafEl("to-zone-name", providers.String(o, "to_zone")))
		for _, p := range providers.Blocks(o, "policy") {
			match := el("match")
			addAll(match, "source-address", providers.Strings(p, "source_address"))
			addAll(match, "destination-address", providers.Strings(p, "destination_address"))
			addAll(match, "application", providers.Strings(p, "application"))
			then := el("then")
			if a := providers.String(p, "action"); a != "" {
				then.add(el(a))
			}
			if providers.Bool(p, "log") {
				then.add(el("log", el("session-close")))
			}
			e.add(el("policy", leafEl("name", providers.String(p, "name")), match, then))
		}
		return e
	},
	parse: func(s *element) providers.Object {
		o := providers.Object{"from_zone": s.childText("from-zone-name"), "to_zone": s.childText("to-zone-name")}
		pols := []any{}
		for _, pe := range s.all("policy") {
			p := providers.Object{"name": pe.childText("name")}
			match := pe.child("match")
			setList(p, "source_address", match.texts("source-address"))
			setList(p, "destination_address", match.texts("destination-address"))
			setList(p, "application", match.texts("application"))
			then := pe.child("then")
			for _, a := range []string{"permit", "deny", "reject"} {
				if then.has(a) {
					p["action"] = a
				}
			}
			p["log"] = then.path("log").has("session-close")
			pols = append(pols, p)
		}
		o["policy"] = pols
		return o
	},
}

// --- junos_vlan ----------------------------------------------------------------------------

var vlanType = func() *resourceType {
	id, where, each := nameKeyed("name", []string{"vlans"}, "vlan")
	return &resourceType{id: id, where: where, each: each,
		render: func(o providers.Object) *element {
			e := el("vlan", leafEl("name", providers.String(o, "name")))
			addText(e, "description", providers.String(o, "description"))
			addNumber(e, o, "vlan_id", "vlan-id")
			addText(e, "l3-interface", providers.String(o, "l3_interface"))
			return e
		},
		parse: func(s *element) providers.Object {
			o := providers.Object{"name": s.childText("name")}
			setText(o, "description", s.childText("description"))
			setNumber(o, "vlan_id", s.childText("vlan-id"))
			setText(o, "l3_interface", s.childText("l3-interface"))
			return o
		},
	}
}()

// --- junos_static_route --------------------------------------------------------------------

// Static route ids are the destination, or INSTANCE/DESTINATION: a routing instance name
// cannot contain "/", and a destination prefix holds exactly one.
func routeID(instance, dest string) string {
	if instance == "" {
		return dest
	}
	return instance + "/" + dest
}

func splitRouteID(id string) (instance, dest string, err error) {
	switch strings.Count(id, "/") {
	case 1:
		return "", id, nil
	case 2:
		i := strings.IndexByte(id, '/')
		return id[:i], id[i+1:], nil
	}
	return "", "", fmt.Errorf("id %q is not DESTINATION/LEN or INSTANCE/DESTINATION/LEN", id)
}

var staticRouteType = &resourceType{
	id: func(o providers.Object) (string, error) {
		dest, err := requireString(o, "destination")
		if err != nil {
			return "", err
		}
		return routeID(providers.String(o, "routing_instance"), canonPrefix(dest)), nil
	},
	where: func(id string) ([]step, *element, error) {
		instance, dest, err := splitRouteID(id)
		if err != nil {
			return nil, nil, err
		}
		route := el("route", leafEl("name", dest))
		if instance == "" {
			return []step{{name: "routing-options"}, {name: "static"}}, route, nil
		}
		return []step{{name: "routing-instances"}, {name: "instance", keys: [][2]string{{"name", instance}}},
			{name: "routing-options"}, {name: "static"}}, route, nil
	},
	each: func(cfg *element, fn func(string, *element)) {
		for _, r := range cfg.path("routing-options", "static").all("route") {
			fn(r.childText("name"), r)
		}
		for _, inst := range cfg.path("routing-instances").all("instance") {
			for _, r := range inst.path("routing-options", "static").all("route") {
				fn(routeID(inst.childText("name"), r.childText("name")), r)
			}
		}
	},
	render: func(o providers.Object) *element {
		e := el("route", leafEl("name", canonPrefix(providers.String(o, "destination"))))
		addAll(e, "next-hop", mapStrings(providers.Strings(o, "next_hops"), canonAddr))
		return e
	},
	parse: func(s *element) providers.Object {
		o := providers.Object{"destination": s.childText("name")}
		setList(o, "next_hops", s.texts("next-hop"))
		return o
	},
}

// readObject parses a stanza and completes it with the attributes that live outside it (a
// static route's routing instance) and the id.
func readObject(typ, id string, stanza *element) providers.Object {
	rt := types[typ]
	o := rt.parse(stanza)
	if typ == TypeStaticRoute {
		if inst, _, err := splitRouteID(id); err == nil && inst != "" {
			o["routing_instance"] = inst
		}
	}
	o["id"] = id
	return o
}

// index maps every stanza of every type in a configuration by type and id.
type index map[string]map[string]*element

func indexConfig(cfg *element) index {
	idx := index{}
	for typ, rt := range types {
		m := map[string]*element{}
		rt.each(cfg, func(id string, s *element) { m[id] = s })
		idx[typ] = m
	}
	return idx
}

// unmanaged lists the statements in a stanza that its resource type does not model (an
// operator's filter on a managed interface, say), in CLI words. Apply replaces the stanza
// whole, so these would go with the resource's next change; refresh warns about them.
func unmanaged(typ string, stanza *element) []string {
	rt := types[typ]
	known := map[string]bool{}
	for _, p := range statements(rt.render(rt.parse(stanza)), "") {
		known[p] = true
	}
	var out []string
	for _, p := range statements(stanza, "") {
		if !known[p] {
			out = append(out, p)
		}
	}
	return out
}

// isKeyElement: list keys are written with their entry, not as statements of their own.
func isKeyElement(name string) bool {
	return name == "name" || name == "from-zone-name" || name == "to-zone-name"
}

// statements flattens e's children into "word word value" lines, one per leaf.
func statements(e *element, prefix string) []string {
	var out []string
	for _, c := range e.Children {
		if isKeyElement(c.Name) || c.Name == "comment" {
			continue // keys belong to their entry; comments are not configuration
		}
		p := prefix + c.Name
		for _, k := range c.Children {
			if isKeyElement(k.Name) && len(k.Children) == 0 {
				p += " " + k.Text
			}
		}
		switch {
		case len(c.Children) == 0 && c.Text != "":
			out = append(out, p+" "+c.Text)
		case len(c.Children) == 0 || len(statements(c, "")) == 0:
			out = append(out, p)
		default:
			out = append(out, statements(c, p+" ")...)
		}
	}
	return out
}
