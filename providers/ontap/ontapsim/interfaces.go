package ontapsim

import (
	"net"
	"net/http"

	"github.com/google/uuid"
)

// IPInterface is a data LIF of an SVM.
type IPInterface struct {
	UUID          string
	Name          string
	SVM           string
	Address       string
	Netmask       string
	HomeNode      string
	HomePort      string
	ServicePolicy string
	Enabled       bool
	AutoRevert    bool
	Failover      string // home_port_only, default, sfo_partner_only, broadcast_domain_only
	Comment       string
	DNSZone       string
	DDNSEnabled   bool
}

var interfaceKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid", expensive: []string{"metric", "statistics"}}

func (s *Server) interfaceRecord(i *IPInterface) map[string]any {
	ipspace := "Default"
	if v := s.svm(i.SVM); v != nil {
		ipspace = v.IPspace
	}
	n := s.node(i.HomeNode)
	nodeRef := map[string]any{"name": n.Name, "uuid": n.UUID}
	family := "ipv4"
	if ip := net.ParseIP(i.Address); ip != nil && ip.To4() == nil {
		family = "ipv6"
	}
	state := "up"
	if !i.Enabled {
		state = "down"
	}
	failover := i.Failover
	if failover == "" {
		failover = "broadcast_domain_only"
	}
	rec := map[string]any{
		"uuid":    i.UUID,
		"name":    i.Name,
		"svm":     s.svmRef(i.SVM),
		"scope":   "svm",
		"ipspace": map[string]any{"name": ipspace},
		"ip":      map[string]any{"address": i.Address, "netmask": i.Netmask, "family": family},
		"location": map[string]any{
			"home_node": nodeRef, "node": nodeRef,
			"home_port": map[string]any{"name": i.HomePort, "node": map[string]any{"name": n.Name}},
			"port":      map[string]any{"name": i.HomePort, "node": map[string]any{"name": n.Name}},
			"is_home":   true, "auto_revert": i.AutoRevert,
			"failover": failover,
		},
		"ddns_enabled":   i.DDNSEnabled,
		"service_policy": map[string]any{"name": i.ServicePolicy},
		"enabled":        i.Enabled,
		"state":          state,
		"statistics":     map[string]any{"status": "ok"},
		"metric":         map[string]any{"status": "ok", "duration": "PT15S"},
		"_links":         links("/api/network/ip/interfaces/" + i.UUID),
	}
	if i.Comment != "" {
		rec["comment"] = i.Comment
	}
	if i.DNSZone != "" {
		rec["dns_zone"] = i.DNSZone
	}
	return rec
}

func getInterfaces(s *Server, c *call) *response {
	var recs []map[string]any
	for _, i := range s.interfaces {
		recs = append(recs, s.interfaceRecord(i))
	}
	return ok(200, interfaceKind.collection(c.path, c.q, recs))
}

func (s *Server) findInterface(id string) *IPInterface {
	for _, i := range s.interfaces {
		if i.UUID == id {
			return i
		}
	}
	return nil
}

func getInterface(s *Server, c *call) *response {
	i := s.findInterface(c.vars["uuid"])
	if i == nil {
		return fail(errNotFound("uuid"))
	}
	return ok(200, interfaceKind.project(s.interfaceRecord(i), c.q.fields, false))
}

var interfaceWritable = []string{"name", "ip.address", "ip.netmask",
	"location.home_node.name", "location.home_node.uuid", "location.home_port.name", "location.home_port.node.name",
	"location.home_port.uuid", "location.broadcast_domain.name", "location.auto_revert", "location.failover",
	"location.node.name", "location.port.name", "location.port.node.name", "service_policy", "enabled", "comment",
	"dns_zone", "ddns_enabled", "fail_if_subnet_conflicts", "probe_port", "subnet.name"}

// interfaceFields: svm, scope and ipspace are set at creation only (ONTAP's
// reference for PATCH /network/ip/interfaces/{uuid}); service_policy may be a
// bare name, as na_ontap_interface sends it.
var interfaceFields = &fieldSet{
	post:     append([]string{"svm.name", "svm.uuid", "scope", "ipspace.name", "ipspace.uuid"}, interfaceWritable...),
	patch:    interfaceWritable,
	readOnly: []string{"svm.name", "svm.uuid", "scope", "ipspace.name", "ipspace.uuid", "comment", "dns_zone"},
	refs:     []string{"service_policy"},
	sample: func(s *Server) map[string]any {
		return s.interfaceRecord(&IPInterface{HomeNode: s.nodes[0].Name})
	},
}

func (s *Server) applyInterfaceBody(b body, i *IPInterface) *apiError {
	if v, ok, err := b.str("ip.address"); err != nil {
		return err
	} else if ok {
		if net.ParseIP(v) == nil {
			return errInvalidValue("ip.address", v, "")
		}
		i.Address = v
	}
	if v, ok, err := b.str("ip.netmask"); err != nil {
		return err
	} else if ok {
		i.Netmask = v
	}
	for _, f := range []string{"location.home_node.name", "location.home_node.uuid", "location.home_port.node.name"} {
		if v, ok, err := b.str(f); err != nil {
			return err
		} else if ok {
			n := s.node(v)
			if n == nil {
				return newErr(http.StatusNotFound, codeNotFound, f, "Node \"%s\" does not exist.", v)
			}
			i.HomeNode = n.Name
		}
	}
	if v, ok, err := b.str("location.home_port.name"); err != nil {
		return err
	} else if ok {
		i.HomePort = v
	}
	// a bare service_policy name was made {"name": ...} by interfaceFields
	if name, ok, err := b.str("service_policy.name"); err != nil {
		return err
	} else if ok {
		i.ServicePolicy = name
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"enabled", &i.Enabled}, {"location.auto_revert", &i.AutoRevert}, {"ddns_enabled", &i.DDNSEnabled}} {
		if v, ok, err := b.bool(f.name); err != nil {
			return err
		} else if ok {
			*f.dst = v
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"comment", &i.Comment}, {"dns_zone", &i.DNSZone}} {
		if v, ok, err := b.str(f.name); err != nil {
			return err
		} else if ok {
			*f.dst = v
		}
	}
	if v, ok, err := b.str("location.failover"); err != nil {
		return err
	} else if ok {
		if e := oneOf("location.failover", v, "home_port_only", "default", "sfo_partner_only", "broadcast_domain_only"); e != nil {
			return e
		}
		i.Failover = v
	}
	return nil
}

func (s *Server) addressInUse(addr string, except *IPInterface) bool {
	for _, o := range s.interfaces {
		if o != except && o.Address == addr {
			return true
		}
	}
	return false
}

// POST /network/ip/interfaces is synchronous on ONTAP.
func postInterface(s *Server, c *call) *response {
	if err := interfaceFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	v, err := s.svmFromBody(c.body)
	if err != nil {
		return fail(err)
	}
	name, _, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	if name == "" {
		return fail(errMissing("name"))
	}
	for _, o := range s.interfaces {
		if o.SVM == v.Name && o.Name == name {
			return fail(newErr(http.StatusConflict, codeDuplicate, "name", "Duplicate entry: an interface named \"%s\" already exists in SVM \"%s\".", name, v.Name))
		}
	}
	i := &IPInterface{UUID: uuid.NewString(), Name: name, SVM: v.Name, HomeNode: s.nodes[0].Name, HomePort: "e0d",
		ServicePolicy: "default-data-files", Enabled: true, Netmask: "24"}
	if err := s.applyInterfaceBody(c.body, i); err != nil {
		return fail(err)
	}
	if i.Address == "" {
		return fail(errMissing("ip.address"))
	}
	if s.addressInUse(i.Address, nil) {
		return fail(newErr(http.StatusConflict, codeDuplicate, "ip.address", "Duplicate IP address %s.", i.Address))
	}
	s.interfaces = append(s.interfaces, i)
	return s.created(c, "/api/network/ip/interfaces/"+i.UUID, interfaceKind, func() map[string]any { return s.interfaceRecord(i) })
}

func patchInterface(s *Server, c *call) *response {
	i := s.findInterface(c.vars["uuid"])
	if i == nil {
		return fail(errNotFound("uuid"))
	}
	if err := interfaceFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	cp := *i
	if err := s.applyInterfaceBody(c.body, &cp); err != nil {
		return fail(err)
	}
	if name, ok, _ := c.body.str("name"); ok {
		cp.Name = name
	}
	if s.addressInUse(cp.Address, i) {
		return fail(newErr(http.StatusConflict, codeDuplicate, "ip.address", "Duplicate IP address %s.", cp.Address))
	}
	*i = cp
	return ok(200, nil)
}

func deleteInterface(s *Server, c *call) *response {
	i := s.findInterface(c.vars["uuid"])
	if i == nil {
		return fail(errNotFound("uuid"))
	}
	s.interfaces = removeFirst(s.interfaces, func(x *IPInterface) bool { return x == i })
	return ok(200, nil)
}

// The simulator has no FC ports; the collection is always empty.
func getFCInterfaces(s *Server, c *call) *response {
	return ok(200, interfaceKind.collection(c.path, c.q, nil))
}

// created answers a synchronous POST: 201, a Location header, and the new
// record when return_records=true.
func (s *Server) created(c *call, location string, k *kind, record func() map[string]any) *response {
	resp := &response{status: http.StatusCreated, location: location, kind: k, record: record}
	resp.body = createdRecords(c, resp)
	if resp.body == nil {
		resp.body = map[string]any{}
	}
	return resp
}

// Interfaces returns a copy of the IP interfaces.
func (s *Server) Interfaces() []IPInterface {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]IPInterface, 0, len(s.interfaces))
	for _, i := range s.interfaces {
		out = append(out, *i)
	}
	return out
}

func init() {
	handle("/api/network/ip/interfaces", map[string]handler{"GET": getInterfaces, "POST": postInterface}, false)
	handle("/api/network/fc/interfaces", map[string]handler{"GET": getFCInterfaces}, false)
	handle("/api/network/ip/interfaces/{uuid}", map[string]handler{"GET": getInterface, "PATCH": patchInterface, "DELETE": deleteInterface}, false)
}
