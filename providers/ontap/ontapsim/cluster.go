package ontapsim

import (
	"fmt"

	"github.com/google/uuid"
)

// The simulated release.
const (
	versionFull       = "NetApp Release 9.13.1: Tue Jun 06 11:45:20 UTC 2023"
	versionGeneration = 9
	versionMajor      = 13
	versionMinor      = 1
)

// Node is one controller of the cluster's HA pair.
type Node struct {
	UUID         string
	Name         string
	Model        string
	SerialNumber string
}

func (s *Server) seedCluster() {
	for i := 1; i <= 2; i++ {
		s.nodes = append(s.nodes, &Node{
			UUID:         uuid.NewString(),
			Name:         fmt.Sprintf("%s-%02d", s.opts.ClusterName, i),
			Model:        "AFF-A250",
			SerialNumber: fmt.Sprintf("9510%08d", i),
		})
	}
}

func versionRecord() map[string]any {
	return map[string]any{"full": versionFull, "generation": versionGeneration, "major": versionMajor, "minor": versionMinor}
}

func (s *Server) clusterRecord() map[string]any {
	return map[string]any{
		"name":     s.opts.ClusterName,
		"uuid":     s.uuid,
		"version":  versionRecord(),
		"location": s.location,
		"contact":  s.contact,
		"timezone": map[string]any{"name": "Etc/UTC"},
		"management_interfaces": []any{map[string]any{
			"name": "cluster_mgmt", "ip": map[string]any{"address": "127.0.0.1"},
		}},
		"san_optimized": false,
		"_links":        links("/api/cluster"),
	}
}

// clusterFields: PATCH /cluster renames it or sets its location and contact.
var clusterFields = &fieldSet{
	patch:  []string{"name", "location", "contact"},
	sample: func(s *Server) map[string]any { return s.clusterRecord() },
}

var clusterKind = &kind{keys: []string{"name", "uuid"}, sortKey: "uuid"}

func getCluster(s *Server, c *call) *response {
	return ok(200, clusterKind.project(s.clusterRecord(), c.q.fields, false))
}

func patchCluster(s *Server, c *call) *response {
	if err := clusterFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	name, hasName, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	loc, hasLoc, _ := c.body.str("location")
	con, hasCon, _ := c.body.str("contact")
	return s.async(c, func() {
		if hasName && name != "" {
			s.opts.ClusterName = name
		}
		if hasLoc {
			s.location = loc
		}
		if hasCon {
			s.contact = con
		}
	}, nil)
}

var nodeKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}

func (s *Server) nodeRecord(n *Node) map[string]any {
	var partners []any
	for _, o := range s.nodes {
		if o != n {
			partners = append(partners, map[string]any{"name": o.Name, "uuid": o.UUID})
		}
	}
	return map[string]any{
		"uuid":               n.UUID,
		"name":               n.Name,
		"model":              n.Model,
		"serial_number":      n.SerialNumber,
		"state":              "up",
		"membership":         "member",
		"version":            versionRecord(),
		"ha":                 map[string]any{"enabled": true, "partners": partners, "auto_giveback": true},
		"cluster_interfaces": []any{},
		"_links":             links("/api/cluster/nodes/" + n.UUID),
	}
}

func getNodes(s *Server, c *call) *response {
	var recs []map[string]any
	for _, n := range s.nodes {
		recs = append(recs, s.nodeRecord(n))
	}
	return ok(200, nodeKind.collection(c.path, c.q, recs))
}

func getNode(s *Server, c *call) *response {
	for _, n := range s.nodes {
		if n.UUID == c.vars["uuid"] {
			return ok(200, nodeKind.project(s.nodeRecord(n), c.q.fields, false))
		}
	}
	return fail(errNotFound("uuid"))
}

func (s *Server) node(name string) *Node {
	for _, n := range s.nodes {
		if n.Name == name || n.UUID == name {
			return n
		}
	}
	return nil
}

// Schedule is a cron job schedule; snapshot policies and SnapMirror
// relationships refer to them by name.
type Schedule struct {
	UUID string
	Name string
	Cron map[string]any
}

func (s *Server) seedSchedules() {
	for _, sc := range []struct {
		name string
		cron map[string]any
	}{
		{"5min", map[string]any{"minutes": []any{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55}}},
		{"8hour", map[string]any{"minutes": []any{15}, "hours": []any{2, 10, 18}}},
		{"hourly", map[string]any{"minutes": []any{5}}},
		{"daily", map[string]any{"minutes": []any{10}, "hours": []any{0}}},
		{"weekly", map[string]any{"minutes": []any{15}, "hours": []any{0}, "weekdays": []any{0}}},
		{"monthly", map[string]any{"minutes": []any{20}, "hours": []any{0}, "days": []any{1}}},
	} {
		s.schedules = append(s.schedules, &Schedule{UUID: uuid.NewString(), Name: sc.name, Cron: sc.cron})
	}
}

func (s *Server) schedule(name string) *Schedule {
	for _, sc := range s.schedules {
		if sc.Name == name || sc.UUID == name {
			return sc
		}
	}
	return nil
}

var scheduleKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}

func (s *Server) scheduleRecord(sc *Schedule) map[string]any {
	return map[string]any{
		"uuid": sc.UUID, "name": sc.Name, "type": "cron", "cron": deepCopy(sc.Cron),
		"cluster": map[string]any{"name": s.opts.ClusterName, "uuid": s.uuid},
		"scope":   "cluster",
		"_links":  links("/api/cluster/schedules/" + sc.UUID),
	}
}

func getSchedules(s *Server, c *call) *response {
	var recs []map[string]any
	for _, sc := range s.schedules {
		recs = append(recs, s.scheduleRecord(sc))
	}
	return ok(200, scheduleKind.collection(c.path, c.q, recs))
}

func getSchedule(s *Server, c *call) *response {
	if sc := s.schedule(c.vars["uuid"]); sc != nil {
		return ok(200, scheduleKind.project(s.scheduleRecord(sc), c.q.fields, false))
	}
	return fail(errNotFound("uuid"))
}

func init() {
	handle("/api/cluster", map[string]handler{"GET": getCluster, "PATCH": patchCluster}, false)
	handle("/api/cluster/nodes", map[string]handler{"GET": getNodes}, false)
	handle("/api/cluster/nodes/{uuid}", map[string]handler{"GET": getNode}, false)
	handle("/api/cluster/schedules", map[string]handler{"GET": getSchedules}, false)
	handle("/api/cluster/schedules/{uuid}", map[string]handler{"GET": getSchedule}, false)
}
