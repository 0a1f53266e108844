package ontapsim

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
)

// SnapshotPolicy is a snapshot policy, cluster-scoped (SVM empty) or owned
// by an SVM.
type SnapshotPolicy struct {
	UUID    string
	Name    string
	SVM     string
	Enabled bool
	Comment string
	Copies  []SnapshotCopy
}

// SnapshotCopy is one schedule of a snapshot policy.
type SnapshotCopy struct {
	Schedule        string
	Count           int64
	Prefix          string
	SnapMirrorLabel string
}

func (s *Server) seedSnapshotPolicies() {
	s.snapPols = append(s.snapPols,
		&SnapshotPolicy{UUID: uuid.NewString(), Name: "default", Enabled: true, Comment: "Default policy with hourly, daily & weekly schedules.",
			Copies: []SnapshotCopy{{"hourly", 6, "hourly", "-"}, {"daily", 2, "daily", "daily"}, {"weekly", 2, "weekly", "weekly"}}},
		&SnapshotPolicy{UUID: uuid.NewString(), Name: "default-1weekly", Enabled: true, Comment: "Default policy with 6 hourly, 2 daily & 1 weekly schedule.",
			Copies: []SnapshotCopy{{"hourly", 6, "hourly", "-"}, {"daily", 2, "daily", "-"}, {"weekly", 1, "weekly", "-"}}},
		&SnapshotPolicy{UUID: uuid.NewString(), Name: "none", Enabled: false, Comment: "Policy for no automatic snapshots."},
	)
}

// snapPolicy finds a policy visible from an SVM: its own or a cluster one.
func (s *Server) snapPolicy(nameOrUUID, svm string) *SnapshotPolicy {
	for _, p := range s.snapPols {
		if (p.Name == nameOrUUID || p.UUID == nameOrUUID) && (p.SVM == "" || p.SVM == svm) {
			return p
		}
	}
	return nil
}

func (s *Server) findSnapPolicy(id string) *SnapshotPolicy {
	for _, p := range s.snapPols {
		if p.UUID == id {
			return p
		}
	}
	return nil
}

var snapPolicyKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}
var snapScheduleKind = &kind{keys: []string{"schedule.uuid", "schedule.name"}, sortKey: "schedule.uuid"}

func (s *Server) copyRecord(p *SnapshotPolicy, c *SnapshotCopy) map[string]any {
	sched := map[string]any{"name": c.Schedule}
	if sc := s.schedule(c.Schedule); sc != nil {
		sched["uuid"] = sc.UUID
	}
	return map[string]any{
		"schedule":         sched,
		"count":            c.Count,
		"prefix":           c.Prefix,
		"snapmirror_label": c.SnapMirrorLabel,
	}
}

func (s *Server) snapPolicyRecord(p *SnapshotPolicy) map[string]any {
	copies := make([]any, 0, len(p.Copies))
	for i := range p.Copies {
		copies = append(copies, s.copyRecord(p, &p.Copies[i]))
	}
	rec := map[string]any{
		"uuid":    p.UUID,
		"name":    p.Name,
		"enabled": p.Enabled,
		"copies":  copies,
		"scope":   "cluster",
		"_links":  links("/api/storage/snapshot-policies/" + p.UUID),
	}
	if p.SVM != "" {
		rec["scope"] = "svm"
		rec["svm"] = s.svmRef(p.SVM)
	}
	if p.Comment != "" {
		rec["comment"] = p.Comment
	}
	return rec
}

func getSnapPolicies(s *Server, c *call) *response {
	var recs []map[string]any
	for _, p := range s.snapPols {
		recs = append(recs, s.snapPolicyRecord(p))
	}
	return ok(200, snapPolicyKind.collection(c.path, c.q, recs))
}

func getSnapPolicy(s *Server, c *call) *response {
	p := s.findSnapPolicy(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	return ok(200, snapPolicyKind.project(s.snapPolicyRecord(p), c.q.fields, false))
}

var copyWritable = []string{"schedule.name", "schedule.uuid", "count", "prefix", "snapmirror_label", "retention_period"}

// snapCopyFields are one copies[] entry of a policy POST, or a schedule of
// .../schedules: the schedule is chosen at creation, the rest may change.
var snapCopyFields = &fieldSet{
	post:  copyWritable,
	patch: []string{"count", "prefix", "snapmirror_label", "retention_period"},
	sample: func(s *Server) map[string]any {
		p := &SnapshotPolicy{Copies: []SnapshotCopy{{Schedule: "hourly"}}}
		return s.scheduleEntry(p, 0)
	},
}

// snapPolicyFields: as in 9.13.1, PATCH takes enabled and comment; the
// copies change through .../schedules.
var snapPolicyFields = &fieldSet{
	post:  []string{"name", "svm.name", "svm.uuid", "enabled", "comment", "copies"},
	patch: []string{"enabled", "comment"},
	sample: func(s *Server) map[string]any {
		return s.snapPolicyRecord(&SnapshotPolicy{SVM: "x", Comment: "x", Copies: []SnapshotCopy{{Schedule: "hourly"}}})
	},
}

func (s *Server) copyFromBody(b body, c *SnapshotCopy, create bool, prefix string) *apiError {
	if create {
		name, _, err := b.str("schedule.name")
		if err != nil {
			return err
		}
		if name == "" {
			name, _, _ = b.str("schedule.uuid")
		}
		if name == "" {
			return errMissing(prefix + "schedule.name")
		}
		sc := s.schedule(name)
		if sc == nil {
			return newErr(http.StatusNotFound, codeNotFound, prefix+"schedule.name", "Schedule \"%s\" does not exist.", name)
		}
		c.Schedule = sc.Name
		c.Prefix = sc.Name
		c.SnapMirrorLabel = "-"
	}
	if n, ok, err := b.int("count"); err != nil {
		return err
	} else if ok {
		if n < 1 || n > 1023 {
			return errInvalidValue(prefix+"count", fmt.Sprint(n), "<1..1023>")
		}
		c.Count = n
	} else if create {
		return errMissing(prefix + "count")
	}
	if v, ok, err := b.str("prefix"); err != nil {
		return err
	} else if ok && v != "" {
		c.Prefix = v
	}
	if v, ok, err := b.str("snapmirror_label"); err != nil {
		return err
	} else if ok {
		if v == "" {
			v = "-"
		}
		c.SnapMirrorLabel = v
	}
	return nil
}

// maxSnapshotCopies is the most snapshot copies a policy may keep in total.
const maxSnapshotCopies = 1023

func errTooManyCopies() *apiError {
	return newErr(http.StatusBadRequest, codeSnapCountExceeded, "count",
		"This operation would result in total Snapshot copy count for the policy to exceed maximum supported count.")
}

func totalCount(copies []SnapshotCopy) int64 {
	var n int64
	for _, c := range copies {
		n += c.Count
	}
	return n
}

func (s *Server) copiesFromBody(b body) ([]SnapshotCopy, bool, *apiError) {
	cbs, ok, err := b.objects("copies")
	if err != nil || !ok {
		return nil, ok, err
	}
	var copies []SnapshotCopy
	for _, cb := range cbs {
		if err := snapCopyFields.checkAt(s, cb, http.MethodPost, "copies."); err != nil {
			return nil, true, err
		}
		var c SnapshotCopy
		if err := s.copyFromBody(cb, &c, true, "copies."); err != nil {
			return nil, true, err
		}
		for _, o := range copies {
			if o.Schedule == c.Schedule {
				return nil, true, newErr(http.StatusBadRequest, codeDuplicate, "copies.schedule.name", "Schedule \"%s\" is listed more than once.", c.Schedule)
			}
		}
		copies = append(copies, c)
	}
	return copies, true, nil
}

// Snapshot policies are synchronous on ONTAP: 201 and 200, no job.
func postSnapPolicy(s *Server, c *call) *response {
	if err := snapPolicyFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	p := &SnapshotPolicy{UUID: uuid.NewString(), Enabled: true}
	name, _, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	if name == "" {
		return fail(errMissing("name"))
	}
	p.Name = name
	if c.body.has("svm") {
		v, err := s.svmFromBody(c.body)
		if err != nil {
			return fail(err)
		}
		p.SVM = v.Name
	}
	for _, o := range s.snapPols {
		if o.Name == name && (o.SVM == p.SVM || o.SVM == "" || p.SVM == "") {
			return fail(newErr(http.StatusConflict, codeSnapPolicyExists, "name", "Snapshot policy \"%s\" already exists.", name))
		}
	}
	if en, ok, err := c.body.bool("enabled"); err != nil {
		return fail(err)
	} else if ok {
		p.Enabled = en
	}
	if cm, ok, err := c.body.str("comment"); err != nil {
		return fail(err)
	} else if ok {
		p.Comment = cm
	}
	copies, _, err := s.copiesFromBody(c.body)
	if err != nil {
		return fail(err)
	}
	if len(copies) == 0 {
		return fail(errMissing("copies"))
	}
	if totalCount(copies) > maxSnapshotCopies {
		return fail(errTooManyCopies())
	}
	p.Copies = copies
	s.snapPols = append(s.snapPols, p)
	return s.created(c, "/api/storage/snapshot-policies/"+p.UUID, snapPolicyKind, func() map[string]any { return s.snapPolicyRecord(p) })
}

// patchSnapPolicy takes what ONTAP 9.13.1 takes: enabled and comment. The
// copies change through the schedules sub-collection.
func patchSnapPolicy(s *Server, c *call) *response {
	p := s.findSnapPolicy(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	if err := snapPolicyFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	cp := *p
	if en, ok, err := c.body.bool("enabled"); err != nil {
		return fail(err)
	} else if ok {
		cp.Enabled = en
	}
	if cm, ok, err := c.body.str("comment"); err != nil {
		return fail(err)
	} else if ok {
		cp.Comment = cm
	}
	*p = cp
	return ok(200, nil)
}

func deleteSnapPolicy(s *Server, c *call) *response {
	p := s.findSnapPolicy(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	for _, v := range s.volumes {
		if v.SnapshotPolicy == p.Name && (p.SVM == "" || p.SVM == v.SVM) {
			return fail(newErr(http.StatusConflict, codeSnapPolicyInUse, "", "Snapshot policy \"%s\" is in use by volume \"%s\" in Vserver \"%s\".", p.Name, v.Name, v.SVM))
		}
	}
	s.snapPols = removeFirst(s.snapPols, func(x *SnapshotPolicy) bool { return x == p })
	return ok(200, nil)
}

func (s *Server) scheduleEntry(p *SnapshotPolicy, i int) map[string]any {
	rec := s.copyRecord(p, &p.Copies[i])
	rec["snapshot_policy"] = map[string]any{"name": p.Name, "uuid": p.UUID}
	rec["_links"] = links(fmt.Sprintf("/api/storage/snapshot-policies/%s/schedules/%s", p.UUID, valuesAt(rec, []string{"schedule", "uuid"})[0]))
	return rec
}

func getPolicySchedules(s *Server, c *call) *response {
	p := s.findSnapPolicy(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("snapshot_policy.uuid"))
	}
	var recs []map[string]any
	for i := range p.Copies {
		recs = append(recs, s.scheduleEntry(p, i))
	}
	return ok(200, snapScheduleKind.collection(c.path, c.q, recs))
}

func policyCopy(s *Server, c *call) (*SnapshotPolicy, int, *apiError) {
	p := s.findSnapPolicy(c.vars["uuid"])
	if p == nil {
		return nil, 0, errNotFound("snapshot_policy.uuid")
	}
	sc := s.schedule(c.vars["schedule"])
	for i := range p.Copies {
		if sc != nil && p.Copies[i].Schedule == sc.Name {
			return p, i, nil
		}
	}
	return nil, 0, errNotFound("schedule.uuid")
}

func getPolicySchedule(s *Server, c *call) *response {
	p, i, err := policyCopy(s, c)
	if err != nil {
		return fail(err)
	}
	return ok(200, snapScheduleKind.project(s.scheduleEntry(p, i), c.q.fields, false))
}

func postPolicySchedule(s *Server, c *call) *response {
	p := s.findSnapPolicy(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("snapshot_policy.uuid"))
	}
	if err := snapCopyFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	var cp SnapshotCopy
	if err := s.copyFromBody(c.body, &cp, true, ""); err != nil {
		return fail(err)
	}
	for _, o := range p.Copies {
		if o.Schedule == cp.Schedule {
			return fail(newErr(http.StatusConflict, codeDuplicate, "schedule.name", "Schedule \"%s\" is already part of snapshot policy \"%s\".", cp.Schedule, p.Name))
		}
	}
	if totalCount(p.Copies)+cp.Count > maxSnapshotCopies {
		return fail(errTooManyCopies())
	}
	p.Copies = append(p.Copies, cp)
	i := len(p.Copies) - 1
	return s.created(c, fmt.Sprintf("/api/storage/snapshot-policies/%s/schedules/%s", p.UUID, s.schedule(cp.Schedule).UUID), snapScheduleKind,
		func() map[string]any { return s.scheduleEntry(p, i) })
}

func patchPolicySchedule(s *Server, c *call) *response {
	p, i, err := policyCopy(s, c)
	if err != nil {
		return fail(err)
	}
	if err := snapCopyFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	cp := p.Copies[i]
	if err := s.copyFromBody(c.body, &cp, false, ""); err != nil {
		return fail(err)
	}
	if totalCount(p.Copies)-p.Copies[i].Count+cp.Count > maxSnapshotCopies {
		return fail(errTooManyCopies())
	}
	p.Copies[i] = cp
	return ok(200, nil)
}

func deletePolicySchedule(s *Server, c *call) *response {
	p, i, err := policyCopy(s, c)
	if err != nil {
		return fail(err)
	}
	if len(p.Copies) == 1 {
		return fail(newErr(http.StatusBadRequest, codeInvalidValue, "", "Cannot remove the last schedule of snapshot policy \"%s\".", p.Name))
	}
	p.Copies = append(p.Copies[:i:i], p.Copies[i+1:]...)
	return ok(200, nil)
}

// SnapshotPolicies returns a copy of the snapshot policies.
func (s *Server) SnapshotPolicies() []SnapshotPolicy {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SnapshotPolicy, 0, len(s.snapPols))
	for _, p := range s.snapPols {
		cp := *p
		cp.Copies = append([]SnapshotCopy(nil), p.Copies...)
		out = append(out, cp)
	}
	return out
}

func init() {
	handle("/api/storage/snapshot-policies", map[string]handler{"GET": getSnapPolicies, "POST": postSnapPolicy}, false)
	handle("/api/storage/snapshot-policies/{uuid}", map[string]handler{"GET": getSnapPolicy, "PATCH": patchSnapPolicy, "DELETE": deleteSnapPolicy}, false)
	handle("/api/storage/snapshot-policies/{uuid}/schedules", map[string]handler{"GET": getPolicySchedules, "POST": postPolicySchedule}, false)
	handle("/api/storage/snapshot-policies/{uuid}/schedules/{schedule}", map[string]handler{"GET": getPolicySchedule, "PATCH": patchPolicySchedule, "DELETE": deletePolicySchedule}, false)
}
