package ontapsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SnapMirror relationship states, as ONTAP names them.
const (
	SMUninitialized = "uninitialized"
	SMSnapmirrored  = "snapmirrored"
	SMBrokenOff     = "broken_off"
	SMPaused        = "paused"
)

// SnapMirrorPolicy is a (system) SnapMirror policy.
type SnapMirrorPolicy struct {
	UUID    string
	Name    string
	Type    string // async, sync
	Comment string
}

func (s *Server) seedSnapMirrorPolicies() {
	for _, p := range []struct{ name, typ, comment string }{
		{"Asynchronous", "async", "Mirror latest active file system and all Snapshot copies, and keep daily and weekly copies."},
		{"MirrorAllSnapshots", "async", "Asynchronous SnapMirror policy for mirroring all Snapshot copies and the latest active file system."},
		{"MirrorAllSnapshotsDiscardNetwork", "async", "Asynchronous SnapMirror policy for mirroring all Snapshot copies and the latest active file system excluding the network configurations."},
		{"MirrorAndVault", "async", "A unified Asynchronous SnapMirror and SnapVault policy for mirroring the latest active file system and daily and weekly Snapshot copies."},
		{"MirrorLatest", "async", "Asynchronous SnapMirror policy for mirroring the latest active file system."},
		{"DPDefault", "async", "Asynchronous SnapMirror policy for mirroring all Snapshot copies and the latest active file system."},
		{"XDPDefault", "async", "Vault policy with daily and weekly rules."},
		{"Unified7year", "async", "Unified SnapMirror policy with 7year retention."},
		{"DailyBackup", "async", "Vault policy with a daily rule and a daily transfer schedule."},
		{"Sync", "sync", "Policy for SnapMirror Synchronous for Business Continuity."},
		{"StrictSync", "sync", "Policy for SnapMirror Synchronous where client access will be disrupted on replication failure."},
	} {
		s.smPolicies = append(s.smPolicies, &SnapMirrorPolicy{UUID: uuid.NewString(), Name: p.name, Type: p.typ, Comment: p.comment})
	}
}

func (s *Server) smPolicy(nameOrUUID string) *SnapMirrorPolicy {
	for _, p := range s.smPolicies {
		if p.Name == nameOrUUID || p.UUID == nameOrUUID {
			return p
		}
	}
	return nil
}

var smPolicyKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}

func (s *Server) smPolicyRecord(p *SnapMirrorPolicy) map[string]any {
	return map[string]any{
		"uuid": p.UUID, "name": p.Name, "type": p.Type, "comment": p.Comment, "scope": "cluster",
		"identity_preservation": "exclude_network_config", "network_compression_enabled": false,
		"throttle": 0, "transfer_schedule": map[string]any{},
		"_links": links("/api/snapmirror/policies/" + p.UUID),
	}
}

func getSMPolicies(s *Server, c *call) *response {
	var recs []map[string]any
	for _, p := range s.smPolicies {
		recs = append(recs, s.smPolicyRecord(p))
	}
	return ok(200, smPolicyKind.collection(c.path, c.q, recs))
}

func getSMPolicy(s *Server, c *call) *response {
	for _, p := range s.smPolicies {
		if p.UUID == c.vars["uuid"] {
			return ok(200, smPolicyKind.project(s.smPolicyRecord(p), c.q.fields, false))
		}
	}
	return fail(errNotFound("uuid"))
}

// Relationship is a SnapMirror relationship, kept on the destination
// cluster.
type Relationship struct {
	UUID              string
	SourcePath        string // svm:volume
	DestinationPath   string
	SourceCluster     string // the cluster holding the source volume
	SourceSVM         string
	SourceVolume      string
	DestinationSVM    string
	DestinationVolume string
	Policy            string
	Schedule          string
	State             string
	Healthy           bool
	UnhealthyReason   string
	// LastTransferEnd is when the newest transfer finished; lag_time counts
	// from it. Zero before the first transfer.
	LastTransferEnd time.Time
	Transfers       []Transfer
}

// Transfer is one SnapMirror transfer (initialize, update or resync).
type Transfer struct {
	UUID    string
	Type    string // initialize, update, resync
	Bytes   int64
	Aborted bool
	job     *Job
	// State is filled in by Relationships: transferring, success, failed,
	// aborted.
	State string
}

func (t *Transfer) state(now time.Time) string {
	if t.Aborted {
		return "aborted"
	}
	switch t.job.state(now) {
	case JobSuccess:
		return "success"
	case JobFailure:
		return "failed"
	}
	return "transferring"
}

func (r *Relationship) transferring(now time.Time) *Transfer {
	if n := len(r.Transfers); n > 0 && r.Transfers[n-1].state(now) == "transferring" {
		return &r.Transfers[n-1]
	}
	return nil
}

var relationshipKind = &kind{keys: []string{"uuid", "source.path", "destination.path"}, sortKey: "uuid"}

// isoDuration formats a duration as ISO 8601 (PT5M, P1DT2H3M4S).
func isoDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	secs := int64(d / time.Second)
	days, secs := secs/86400, secs%86400
	h, m, sec := secs/3600, secs%3600/60, secs%60
	var b strings.Builder
	b.WriteString("P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if h > 0 || m > 0 || sec > 0 || days == 0 {
		b.WriteString("T")
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if sec > 0 || h == 0 && m == 0 {
			fmt.Fprintf(&b, "%dS", sec)
		}
	}
	return b.String()
}

func (s *Server) relationshipRecord(r *Relationship) map[string]any {
	now := s.clock.Now()
	srcCluster := map[string]any{"name": r.SourceCluster}
	for _, cp := range s.clusterPeer {
		if cp.Name == r.SourceCluster {
			srcCluster["uuid"] = cp.RemoteUUID
		}
	}
	if r.SourceCluster == s.opts.ClusterName {
		srcCluster["uuid"] = s.uuid
	}
	pol := map[string]any{"name": r.Policy}
	if p := s.smPolicy(r.Policy); p != nil {
		pol["uuid"], pol["type"] = p.UUID, p.Type
	}
	rec := map[string]any{
		"uuid": r.UUID,
		"source": map[string]any{
			"path": r.SourcePath, "svm": map[string]any{"name": r.SourceSVM}, "cluster": srcCluster,
		},
		"destination": map[string]any{
			"path": r.DestinationPath, "svm": s.svmRef(r.DestinationSVM),
		},
		"policy":     pol,
		"state":      r.State,
		"healthy":    r.Healthy,
		"group_type": "none",
		"throttle":   0,
		"_links":     links("/api/snapmirror/relationships/" + r.UUID),
	}
	if r.Schedule != "" {
		rec["transfer_schedule"] = map[string]any{"name": r.Schedule}
		if sc := s.schedule(r.Schedule); sc != nil {
			rec["transfer_schedule"].(map[string]any)["uuid"] = sc.UUID
		}
	}
	if !r.Healthy && r.UnhealthyReason != "" {
		rec["unhealthy_reason"] = []any{map[string]any{"message": r.UnhealthyReason, "code": "13303812"}}
	}
	if !r.LastTransferEnd.IsZero() {
		rec["lag_time"] = isoDuration(now.Sub(r.LastTransferEnd))
		rec["exported_snapshot"] = fmt.Sprintf("snapmirror.%s_%d.%s", r.UUID[:8], 2147484000, r.LastTransferEnd.UTC().Format("2006-01-02_150405"))
	}
	if n := len(r.Transfers); n > 0 {
		t := &r.Transfers[n-1]
		tr := map[string]any{"uuid": t.UUID, "state": t.state(now), "bytes_transferred": t.Bytes, "type": t.Type}
		rec["transfer"] = tr
		rec["last_transfer_type"] = t.Type
	}
	return rec
}

func (s *Server) findRelationship(id string) *Relationship {
	for _, r := range s.relations {
		if r.UUID == id {
			return r
		}
	}
	return nil
}

// sourceProblem says why a relationship's source cannot be replicated, or
// "" when it can.
func (s *Server) sourceProblem(c *call, r *Relationship) string {
	var v *Volume
	if r.SourceCluster == s.opts.ClusterName {
		v = s.volumeByName(r.SourceSVM, r.SourceVolume)
	} else {
		view, ok := c.peers[r.SourceCluster]
		if !ok {
			return fmt.Sprintf("Cluster \"%s\" of source \"%s\" is not a peer.", r.SourceCluster, r.SourcePath)
		}
		v = view.volume(r.SourceSVM, r.SourceVolume)
	}
	switch {
	case v == nil:
		return fmt.Sprintf("Source volume \"%s\" does not exist.", r.SourcePath)
	case v.State != "online":
		return fmt.Sprintf("Source volume \"%s\" is %s.", r.SourcePath, v.State)
	}
	return ""
}

// checkSources marks relationships whose source went away unhealthy, as
// ONTAP reports them after the next scheduled transfer fails; a successful
// transfer makes them healthy again.
func (s *Server) checkSources(c *call) {
	for _, r := range s.relations {
		if r.State == SMBrokenOff {
			continue
		}
		if p := s.sourceProblem(c, r); p != "" {
			r.Healthy, r.UnhealthyReason = false, p
		}
	}
}

func getRelationships(s *Server, c *call) *response {
	s.checkSources(c)
	var recs []map[string]any
	for _, r := range s.relations {
		recs = append(recs, s.relationshipRecord(r))
	}
	return ok(200, relationshipKind.collection(c.path, c.q, recs))
}

func getRelationship(s *Server, c *call) *response {
	r := s.findRelationship(c.vars["uuid"])
	if r == nil {
		return fail(errNotFound("uuid"))
	}
	s.checkSources(c)
	return ok(200, relationshipKind.project(s.relationshipRecord(r), c.q.fields, false))
}

func splitPath(field, p string) (string, string, *apiError) {
	i := strings.Index(p, ":")
	if i <= 0 || i == len(p)-1 || strings.Count(p, ":") != 1 {
		return "", "", newErr(http.StatusBadRequest, codeInvalidValue, field, "The value \"%s\" is invalid for field \"%s\": expected \"<svm>:<volume>\".", p, field)
	}
	return p[:i], p[i+1:], nil
}

// sourceVolume finds the source of a relationship on this cluster or a
// peered one; the SVMs must be peered unless they are the same SVM.
func (s *Server) sourceVolume(c *call, dstSVM, srcSVM, srcVol string) (Volume, string, *apiError) {
	notPeered := newErr(http.StatusBadRequest, codeSMNotPeered, "source.path",
		"Source Vserver \"%s\" is not peered with destination Vserver \"%s\".", srcSVM, dstSVM)
	cluster := s.opts.ClusterName
	var v *Volume
	if p := s.svmPeerFor(dstSVM, srcSVM); p != nil && p.PeerCluster != s.opts.ClusterName {
		view, ok := c.peers[p.PeerCluster]
		if !ok {
			return Volume{}, "", notPeered
		}
		cluster = p.PeerCluster
		v = view.volume(srcSVM, srcVol)
	} else {
		if s.svm(srcSVM) == nil {
			return Volume{}, "", notPeered
		}
		if srcSVM != dstSVM && s.svmPeerFor(dstSVM, srcSVM) == nil {
			return Volume{}, "", notPeered
		}
		if x := s.volumeByName(srcSVM, srcVol); x != nil {
			cp := copyVolume(x)
			v = &cp
		}
	}
	if v == nil {
		return Volume{}, "", newErr(http.StatusNotFound, codeSMSourceInvalid, "source.path", "Source volume \"%s:%s\" does not exist.", srcSVM, srcVol)
	}
	if v.State != "online" || v.Type != "rw" {
		return Volume{}, "", newErr(http.StatusBadRequest, codeSMSourceInvalid, "source.path",
			"Source volume \"%s:%s\" must be an online read-write volume (it is %s, type %s).", srcSVM, srcVol, v.State, v.Type)
	}
	return *v, cluster, nil
}

// relationshipFields: POST names the endpoints and may set the policy,
// schedule, state (with create_destination) and throttle; PATCH changes
// the state, policy, schedule and throttle.
var relationshipFields = &fieldSet{
	post: []string{"source.path", "source.svm.name", "source.svm.uuid", "source.cluster.name", "source.cluster.uuid",
		"destination.path", "destination.svm.name", "destination.svm.uuid",
		"policy.name", "policy.uuid", "transfer_schedule.name", "transfer_schedule.uuid", "state",
		"create_destination.enabled", "create_destination.storage_service", "create_destination.tiering",
		"create_destination.bucket", "throttle", "backoff_level", "identity_preservation"},
	patch: []string{"state", "policy.name", "policy.uuid", "transfer_schedule.name", "transfer_schedule.uuid",
		"throttle", "backoff_level"},
	readOnly: []string{"transfer_schedule.name", "transfer_schedule.uuid", "unhealthy_reason", "lag_time", "exported_snapshot",
		"transfer.uuid", "transfer.state", "transfer.bytes_transferred", "transfer.type", "last_transfer_type"},
	// na_ontap_snapmirror sends the endpoints' cluster (and svm) as names
	refs:   []string{"source.cluster", "source.svm", "destination.cluster", "destination.svm"},
	sample: func(s *Server) map[string]any { return s.relationshipRecord(&Relationship{UUID: "00000000"}) },
}

// transferFields: a transfer POST may name a source snapshot or set the
// throttle; PATCH only aborts it.
var transferFields = &fieldSet{
	post:   []string{"source_snapshot", "storage", "throttle", "files", "on_demand_attrs"},
	patch:  []string{"state", "on_demand_attrs"},
	sample: func(s *Server) map[string]any { return s.transferRecord(&Relationship{}, &Transfer{job: &Job{}}) },
}

func postRelationship(s *Server, c *call) *response {
	b := c.body
	if err := relationshipFields.check(s, b, c.method); err != nil {
		return fail(err)
	}
	srcPath, _, err := b.str("source.path")
	if err != nil {
		return fail(err)
	}
	if srcPath == "" {
		return fail(errMissing("source.path"))
	}
	dstPath, _, err := b.str("destination.path")
	if err != nil {
		return fail(err)
	}
	if dstPath == "" {
		return fail(errMissing("destination.path"))
	}
	srcSVM, srcVol, err := splitPath("source.path", srcPath)
	if err != nil {
		return fail(err)
	}
	dstSVM, dstVol, err := splitPath("destination.path", dstPath)
	if err != nil {
		return fail(err)
	}
	createDst, _, err := b.bool("create_destination.enabled")
	if err != nil {
		return fail(err)
	}
	state, hasState, err := b.str("state")
	if err != nil {
		return fail(err)
	}
	if hasState && !createDst {
		return fail(newErr(http.StatusBadRequest, codeSMStateOnCreate, "state",
			"The \"state\" property can only be specified in a POST request along with \"create_destination.enabled\" set to true."))
	}
	if hasState {
		if e := oneOf("state", state, SMSnapmirrored, SMUninitialized); e != nil {
			return fail(e)
		}
	}
	dsvm := s.svm(dstSVM)
	if dsvm == nil || dsvm.Name != dstSVM {
		return fail(newErr(http.StatusNotFound, codeNotFound, "destination.path", "Vserver \"%s\" does not exist.", dstSVM))
	}
	for _, r := range s.relations {
		if r.DestinationPath == dstPath {
			return fail(newErr(http.StatusConflict, codeSMDestInUse, "destination.path",
				"Destination \"%s\" is already the destination of a SnapMirror relationship with source \"%s\".", dstPath, r.SourcePath))
		}
	}
	src, srcCluster, err := s.sourceVolume(c, dstSVM, srcSVM, srcVol)
	if err != nil {
		return fail(err)
	}
	dst := s.volumeByName(dstSVM, dstVol)
	switch {
	case dst == nil && !createDst:
		return fail(newErr(http.StatusNotFound, codeNotFound, "destination.path", "Destination volume \"%s\" does not exist.", dstPath))
	case dst != nil && dst.Type != "dp":
		return fail(newErr(http.StatusBadRequest, codeSMDestNotDP, "destination.path",
			"Destination volume \"%s\" must be a data protection (DP) volume; it is of type \"%s\".", dstPath, dst.Type))
	}
	polName := "MirrorAllSnapshots"
	if n, ok, _ := b.str("policy.name"); ok {
		polName = n
	} else if n, ok, _ := b.str("policy.uuid"); ok {
		polName = n
	}
	pol := s.smPolicy(polName)
	if pol == nil {
		return fail(newErr(http.StatusNotFound, codeSMPolicyMissing, "policy.name", "SnapMirror policy \"%s\" does not exist.", polName))
	}
	sched := ""
	if n, ok, _ := b.str("transfer_schedule.name"); ok && n != "" {
		sched = n
	} else if n, ok, _ := b.str("transfer_schedule.uuid"); ok && n != "" {
		sched = n
	}
	if sched != "" {
		sc := s.schedule(sched)
		if sc == nil {
			return fail(newErr(http.StatusNotFound, codeNotFound, "transfer_schedule.name", "Schedule \"%s\" does not exist.", sched))
		}
		sched = sc.Name
	}
	var newDst *Volume
	if dst == nil {
		newDst = &Volume{UUID: uuid.NewString(), Name: dstVol, SVM: dstSVM, Size: src.Size, Type: "dp", State: "online",
			ExportPolicy: "default", SnapshotPolicy: "none", Guarantee: "none", SecurityStyle: src.SecurityStyle,
			UnixPermissions: src.UnixPermissions, Language: src.Language, TieringPolicy: "none",
			Autosize: Autosize{Mode: "grow_shrink", GrowThreshold: 98, ShrinkThreshold: 50}, Efficiency: src.Efficiency,
			Aggregates: []string{s.aggregates[0].Name}, CreateTime: s.clock.Now()}
		if len(dsvm.Aggregates) > 0 {
			newDst.Aggregates = []string{dsvm.Aggregates[0]}
		}
		fillVolumeDefaults(newDst)
	}
	r := &Relationship{UUID: uuid.NewString(), SourcePath: srcPath, DestinationPath: dstPath, SourceCluster: srcCluster,
		SourceSVM: srcSVM, SourceVolume: srcVol, DestinationSVM: dstSVM, DestinationVolume: dstVol,
		Policy: pol.Name, Schedule: sched, State: SMUninitialized, Healthy: true}
	initialize := hasState && state == SMSnapmirrored
	var job *Job
	resp := s.async(c, func() {
		if newDst != nil {
			s.volumes = append(s.volumes, newDst)
		}
		s.relations = append(s.relations, r)
		if initialize {
			r.Transfers = append(r.Transfers, Transfer{UUID: uuid.NewString(), Type: "initialize", Bytes: src.Used})
		}
	}, func() {
		if initialize {
			r.State = SMSnapmirrored
			r.LastTransferEnd = job.end()
		}
	})
	job = resp.job
	if initialize && len(r.Transfers) > 0 {
		r.Transfers[0].job = job
	}
	resp.location = "/api/snapmirror/relationships/" + r.UUID
	resp.kind, resp.record = relationshipKind, func() map[string]any { return s.relationshipRecord(r) }
	return resp
}

// startTransfer begins a transfer of the given type; the relationship turns
// snapmirrored when it succeeds and unhealthy when it fails.
func (s *Server) startTransfer(c *call, r *Relationship, typ string) (*Job, *Transfer) {
	var t *Transfer
	j := s.startJob(c, nil, nil)
	if p := s.sourceProblem(c, r); p != "" && !j.Fail {
		// the transfer starts and fails, as it does on ONTAP
		j.Fail, j.Message, j.Code = true, "Transfer failed: "+p, 13303812
	}
	r.Transfers = append(r.Transfers, Transfer{UUID: uuid.NewString(), Type: typ, job: j})
	t = &r.Transfers[len(r.Transfers)-1]
	tid := t.UUID
	find := func() *Transfer {
		for i := range r.Transfers {
			if r.Transfers[i].UUID == tid {
				return &r.Transfers[i]
			}
		}
		return nil
	}
	j.onSuccess = func() {
		if tr := find(); tr == nil || tr.Aborted {
			return
		}
		r.State = SMSnapmirrored
		r.Healthy, r.UnhealthyReason = true, ""
		r.LastTransferEnd = j.end()
		if dst := s.volumeByName(r.DestinationSVM, r.DestinationVolume); dst != nil {
			dst.Type = "dp"
		}
	}
	j.onFailure = func() {
		r.Healthy = false
		r.UnhealthyReason = j.Message
	}
	return j, t
}

func badTransition(r *Relationship, to string) *apiError {
	return newErr(http.StatusBadRequest, codeSMBadTransition, "state",
		"Invalid state transition for relationship \"%s\": cannot change from \"%s\" to \"%s\".", r.DestinationPath, r.State, to)
}

func patchRelationship(s *Server, c *call) *response {
	r := s.findRelationship(c.vars["uuid"])
	if r == nil {
		return fail(errNotFound("uuid"))
	}
	b := c.body
	if err := relationshipFields.check(s, b, c.method); err != nil {
		return fail(err)
	}
	now := s.clock.Now()
	pol := r.Policy
	if n, ok, _ := b.str("policy.name"); ok {
		p := s.smPolicy(n)
		if p == nil {
			return fail(newErr(http.StatusNotFound, codeSMPolicyMissing, "policy.name", "SnapMirror policy \"%s\" does not exist.", n))
		}
		pol = p.Name
	}
	sched, hasSched := r.Schedule, false
	if n, ok, _ := b.str("transfer_schedule.name"); ok {
		hasSched, sched = true, n
	} else if n, ok, _ := b.str("transfer_schedule.uuid"); ok {
		hasSched, sched = true, n
	} else if v, given := b.get("transfer_schedule.name"); given && v == nil {
		// {"transfer_schedule": {"name": null}} removes the schedule, as
		// na_ontap_snapmirror sends it for schedule: ""
		hasSched, sched = true, ""
	}
	if hasSched && sched != "" {
		sc := s.schedule(sched)
		if sc == nil {
			return fail(newErr(http.StatusNotFound, codeNotFound, "transfer_schedule.name", "Schedule \"%s\" does not exist.", sched))
		}
		sched = sc.Name
	}
	to, hasState, err := b.str("state")
	if err != nil {
		return fail(err)
	}
	setProps := func() { r.Policy, r.Schedule = pol, sched }
	if !hasState || to == r.State && to != SMSnapmirrored {
		return s.async(c, setProps, nil)
	}
	if r.transferring(now) != nil && to != SMPaused && to != SMBrokenOff {
		return fail(newErr(http.StatusConflict, codeVolumeBusy, "state", "A transfer is in progress for relationship \"%s\".", r.DestinationPath))
	}
	switch to {
	case SMSnapmirrored:
		switch r.State {
		case SMUninitialized:
			setProps()
			j, _ := s.startTransfer(c, r, "initialize")
			return &response{job: j}
		case SMBrokenOff:
			setProps()
			if dst := s.volumeByName(r.DestinationSVM, r.DestinationVolume); dst != nil {
				dst.Type = "dp"
			}
			j, _ := s.startTransfer(c, r, "resync")
			return &response{job: j}
		case SMPaused:
			return s.async(c, func() { setProps(); r.State = SMSnapmirrored }, nil)
		case SMSnapmirrored:
			return fail(newErr(http.StatusBadRequest, codeSMAlreadyInit, "state", "The relationship \"%s\" is already initialized (snapmirrored).", r.DestinationPath))
		}
	case SMBrokenOff:
		if r.State != SMSnapmirrored && r.State != SMPaused {
			return fail(badTransition(r, to))
		}
		return s.async(c, func() {
			setProps()
			if t := r.transferring(now); t != nil {
				t.Aborted = true
			}
			r.State = SMBrokenOff
			if dst := s.volumeByName(r.DestinationSVM, r.DestinationVolume); dst != nil {
				dst.Type = "rw"
			}
		}, nil)
	case SMPaused:
		if r.State != SMSnapmirrored && r.State != SMUninitialized {
			return fail(badTransition(r, to))
		}
		return s.async(c, func() {
			setProps()
			if t := r.transferring(now); t != nil {
				t.Aborted = true
			}
			r.State = SMPaused
		}, nil)
	}
	return fail(badTransition(r, to))
}

func deleteRelationship(s *Server, c *call) *response {
	r := s.findRelationship(c.vars["uuid"])
	if r == nil {
		return fail(errNotFound("uuid"))
	}
	return s.async(c, func() {
		s.relations = removeFirst(s.relations, func(x *Relationship) bool { return x == r })
	}, nil)
}

var transferKind = &kind{keys: []string{"uuid"}, sortKey: "uuid"}

func (s *Server) transferRecord(r *Relationship, t *Transfer) map[string]any {
	now := s.clock.Now()
	rec := map[string]any{
		"uuid":              t.UUID,
		"state":             t.state(now),
		"bytes_transferred": t.Bytes,
		"relationship":      map[string]any{"uuid": r.UUID, "destination": map[string]any{"path": r.DestinationPath}},
		"_links":            links(fmt.Sprintf("/api/snapmirror/relationships/%s/transfers/%s", r.UUID, t.UUID)),
	}
	if t.job != nil && !now.Before(t.job.end()) {
		rec["end_time"] = ontapTime(t.job.end())
		rec["total_duration"] = isoDuration(t.job.end().Sub(t.job.Start))
	}
	return rec
}

func getTransfers(s *Server, c *call) *response {
	r := s.findRelationship(c.vars["uuid"])
	if r == nil {
		return fail(errNotFound("relationship.uuid"))
	}
	var recs []map[string]any
	for i := range r.Transfers {
		recs = append(recs, s.transferRecord(r, &r.Transfers[i]))
	}
	return ok(200, transferKind.collection(c.path, c.q, recs))
}

func relTransfer(s *Server, c *call) (*Relationship, *Transfer, *apiError) {
	r := s.findRelationship(c.vars["uuid"])
	if r == nil {
		return nil, nil, errNotFound("relationship.uuid")
	}
	for i := range r.Transfers {
		if r.Transfers[i].UUID == c.vars["transfer"] {
			return r, &r.Transfers[i], nil
		}
	}
	return nil, nil, errNotFound("uuid")
}

func getTransfer(s *Server, c *call) *response {
	r, t, err := relTransfer(s, c)
	if err != nil {
		return fail(err)
	}
	return ok(200, transferKind.project(s.transferRecord(r, t), c.q.fields, false))
}

// postTransfer initializes an uninitialized relationship or updates a
// snapmirrored one. ONTAP answers 201 at once; the transfer runs on.
func postTransfer(s *Server, c *call) *response {
	r := s.findRelationship(c.vars["uuid"])
	if r == nil {
		return fail(errNotFound("relationship.uuid"))
	}
	if err := transferFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	if r.transferring(s.clock.Now()) != nil {
		return fail(newErr(http.StatusConflict, codeVolumeBusy, "", "A transfer is already in progress for relationship \"%s\".", r.DestinationPath))
	}
	typ := "update"
	switch r.State {
	case SMUninitialized:
		typ = "initialize"
	case SMSnapmirrored:
	default:
		return fail(newErr(http.StatusBadRequest, codeSMBadTransition, "",
			"Cannot transfer for relationship \"%s\" in state \"%s\".", r.DestinationPath, r.State))
	}
	_, t := s.startTransfer(c, r, typ)
	tid := t.UUID
	return s.created(c, fmt.Sprintf("/api/snapmirror/relationships/%s/transfers/%s", r.UUID, tid), transferKind, func() map[string]any {
		for i := range r.Transfers {
			if r.Transfers[i].UUID == tid {
				return s.transferRecord(r, &r.Transfers[i])
			}
		}
		return map[string]any{"uuid": tid}
	})
}

func patchTransfer(s *Server, c *call) *response {
	_, t, err := relTransfer(s, c)
	if err != nil {
		return fail(err)
	}
	if err := transferFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	st, ok2, err := c.body.str("state")
	if err != nil {
		return fail(err)
	}
	if ok2 {
		if st != "aborted" && st != "hard_aborted" {
			return fail(errInvalidValue("state", st, ""))
		}
		if t.state(s.clock.Now()) == "transferring" {
			t.Aborted = true
		}
	}
	return ok(200, nil)
}

// Relationships returns a copy of the SnapMirror relationships, with each
// transfer's current state filled in.
func (s *Server) Relationships() []Relationship {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	now := s.clock.Now()
	out := make([]Relationship, 0, len(s.relations))
	for _, r := range s.relations {
		cp := *r
		cp.Transfers = make([]Transfer, len(r.Transfers))
		for i, t := range r.Transfers {
			t.State = t.state(now)
			t.job = nil
			cp.Transfers[i] = t
		}
		out = append(out, cp)
	}
	return out
}

// UpdateRelationship changes a relationship out of band (for example to
// make it unhealthy). The function gets the live relationship.
func (s *Server) UpdateRelationship(id string, f func(r *Relationship)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	r := s.findRelationship(id)
	if r == nil {
		return fmt.Errorf("ontapsim: no SnapMirror relationship %s", id)
	}
	f(r)
	return nil
}

func init() {
	handle("/api/snapmirror/policies", map[string]handler{"GET": getSMPolicies}, false)
	handle("/api/snapmirror/policies/{uuid}", map[string]handler{"GET": getSMPolicy}, false)
	handle("/api/snapmirror/relationships", map[string]handler{"GET": getRelationships, "POST": postRelationship}, true)
	handle("/api/snapmirror/relationships/{uuid}", map[string]handler{"GET": getRelationship, "PATCH": patchRelationship, "DELETE": deleteRelationship}, true)
	handle("/api/snapmirror/relationships/{uuid}/transfers", map[string]handler{"GET": getTransfers, "POST": postTransfer}, true)
	handle("/api/snapmirror/relationships/{uuid}/transfers/{transfer}", map[string]handler{"GET": getTransfer, "PATCH": patchTransfer}, false)
}

// isProtected says whether a volume is the destination (or a local source)
// of a relationship.
func (s *Server) isProtected(v *Volume) bool {
	for _, r := range s.relations {
		if r.DestinationSVM == v.SVM && r.DestinationVolume == v.Name ||
			r.SourceCluster == s.opts.ClusterName && r.SourceSVM == v.SVM && r.SourceVolume == v.Name {
			return true
		}
	}
	return false
}
