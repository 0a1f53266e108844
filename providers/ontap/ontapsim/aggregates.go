package ontapsim

import (
	"github.com/google/uuid"
)

// Aggregate is a pool of disks on one node. Its used space is the sum of the
// volumes it holds that reserve their space (guarantee "volume").
type Aggregate struct {
	UUID string
	Name string
	Node string
	Size int64
	// Used and Available are computed when the aggregate is read.
	Used      int64
	Available int64
}

const aggregateSize = 10 << 40 // 10 TiB

func (s *Server) seedAggregates() {
	for i, name := range []string{"aggr1", "aggr2"} {
		s.aggregates = append(s.aggregates, &Aggregate{UUID: uuid.NewString(), Name: name, Node: s.nodes[i%len(s.nodes)].Name, Size: aggregateSize})
	}
}

func (s *Server) aggregate(nameOrUUID string) *Aggregate {
	for _, a := range s.aggregates {
		if a.Name == nameOrUUID || a.UUID == nameOrUUID {
			return a
		}
	}
	return nil
}

// aggrUsed is the space reserved on an aggregate by its volumes.
func (s *Server) aggrUsed(a *Aggregate) int64 {
	var used int64
	for _, v := range s.volumes {
		used += v.reservedOn(a.Name)
	}
	return used
}

var aggregateKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid", expensive: []string{"metric", "statistics"}}

func (s *Server) aggregateRecord(a *Aggregate) map[string]any {
	used := s.aggrUsed(a)
	n := s.node(a.Node)
	return map[string]any{
		"uuid":      a.UUID,
		"name":      a.Name,
		"node":      map[string]any{"name": n.Name, "uuid": n.UUID},
		"home_node": map[string]any{"name": n.Name, "uuid": n.UUID},
		"state":     "online",
		"space": map[string]any{
			"block_storage": map[string]any{
				"size": a.Size, "available": a.Size - used, "used": used,
				"full_threshold_percent": 98, "physical_used": used / 10,
			},
			"efficiency": map[string]any{"ratio": 1.0, "savings": 0},
		},
		"block_storage": map[string]any{
			"primary":      map[string]any{"disk_count": 23, "disk_class": "solid_state", "disk_type": "ssd", "raid_type": "raid_dp", "raid_size": 24},
			"mirror":       map[string]any{"enabled": false, "state": "unmirrored"},
			"hybrid_cache": map[string]any{"enabled": false},
		},
		"snaplock_type": "non_snaplock",
		"volume_count":  s.volumeCount(a.Name),
		"metric":        map[string]any{"status": "ok", "duration": "PT15S", "iops": map[string]any{"read": 0, "write": 0, "total": 0}},
		"statistics":    map[string]any{"status": "ok"},
		"_links":        links("/api/storage/aggregates/" + a.UUID),
	}
}

func (s *Server) volumeCount(aggr string) int {
	n := 0
	for _, v := range s.volumes {
		for _, a := range v.Aggregates {
			if a == aggr {
				n++
				break
			}
		}
	}
	return n
}

func getAggregates(s *Server, c *call) *response {
	var recs []map[string]any
	for _, a := range s.aggregates {
		recs = append(recs, s.aggregateRecord(a))
	}
	return ok(200, aggregateKind.collection(c.path, c.q, recs))
}

func getAggregate(s *Server, c *call) *response {
	for _, a := range s.aggregates {
		if a.UUID == c.vars["uuid"] {
			return ok(200, aggregateKind.project(s.aggregateRecord(a), c.q.fields, false))
		}
	}
	return fail(errNotFound("uuid"))
}

// An aggregate has no object store in the simulator.
func getCloudStores(s *Server, c *call) *response {
	if s.aggregate(c.vars["uuid"]) == nil {
		return fail(errNotFound("aggregate.uuid"))
	}
	return ok(200, aggregateKind.collection(c.path, c.q, nil))
}

// Aggregates returns the aggregates with their current space accounting.
func (s *Server) Aggregates() []Aggregate {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Aggregate, 0, len(s.aggregates))
	for _, a := range s.aggregates {
		cp := *a
		cp.Used = s.aggrUsed(a)
		cp.Available = a.Size - cp.Used
		out = append(out, cp)
	}
	return out
}

func init() {
	handle("/api/storage/aggregates", map[string]handler{"GET": getAggregates}, false)
	handle("/api/storage/aggregates/{uuid}", map[string]handler{"GET": getAggregate}, false)
	handle("/api/storage/aggregates/{uuid}/cloud-stores", map[string]handler{"GET": getCloudStores}, false)
}
