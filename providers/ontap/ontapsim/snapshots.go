package ontapsim

import (
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Snapshot is a snapshot copy of a volume.
type Snapshot struct {
	UUID            string
	Name            string
	Comment         string
	SnapMirrorLabel string
	// ExpiryTime is kept as the client wrote it.
	ExpiryTime string
	CreateTime time.Time
}

var snapshotKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}

// snapshotFields: a snapshot's name, comment, label and expiry are set at
// creation and may change.
var snapshotFields = &fieldSet{
	post:     []string{"name", "comment", "snapmirror_label", "expiry_time"},
	patch:    []string{"name", "comment", "snapmirror_label", "expiry_time"},
	readOnly: []string{"comment", "snapmirror_label", "expiry_time"},
	sample:   func(s *Server) map[string]any { return s.snapshotRecord(&Volume{}, &Snapshot{}) },
}

func (s *Server) snapshotRecord(v *Volume, sn *Snapshot) map[string]any {
	rec := map[string]any{
		"uuid":        sn.UUID,
		"name":        sn.Name,
		"create_time": ontapTime(sn.CreateTime),
		"state":       "valid",
		"size":        0,
		"volume":      map[string]any{"name": v.Name, "uuid": v.UUID},
		"svm":         s.svmRef(v.SVM),
		"_links":      links("/api/storage/volumes/" + v.UUID + "/snapshots/" + sn.UUID),
	}
	if sn.Comment != "" {
		rec["comment"] = sn.Comment
	}
	if sn.SnapMirrorLabel != "" {
		rec["snapmirror_label"] = sn.SnapMirrorLabel
	}
	if sn.ExpiryTime != "" {
		rec["expiry_time"] = sn.ExpiryTime
	}
	return rec
}

func snapshotVolume(s *Server, c *call) (*Volume, *apiError) {
	v := s.findVolume(c.vars["volume"])
	if v == nil {
		return nil, errNotFound("volume.uuid")
	}
	return v, nil
}

func findSnapshot(v *Volume, id string) *Snapshot {
	for i := range v.Snapshots {
		if v.Snapshots[i].UUID == id {
			return &v.Snapshots[i]
		}
	}
	return nil
}

func getSnapshots(s *Server, c *call) *response {
	v, err := snapshotVolume(s, c)
	if err != nil {
		return fail(err)
	}
	var recs []map[string]any
	for i := range v.Snapshots {
		recs = append(recs, s.snapshotRecord(v, &v.Snapshots[i]))
	}
	return ok(200, snapshotKind.collection(c.path, c.q, recs))
}

func getSnapshot(s *Server, c *call) *response {
	v, err := snapshotVolume(s, c)
	if err != nil {
		return fail(err)
	}
	sn := findSnapshot(v, c.vars["uuid"])
	if sn == nil {
		return fail(errNotFound("uuid"))
	}
	return ok(200, snapshotKind.project(s.snapshotRecord(v, sn), c.q.fields, false))
}

func snapshotNameTaken(v *Volume, name string, except string) bool {
	for _, o := range v.Snapshots {
		if o.Name == name && o.UUID != except {
			return true
		}
	}
	return false
}

func postSnapshot(s *Server, c *call) *response {
	v, err := snapshotVolume(s, c)
	if err != nil {
		return fail(err)
	}
	if err := snapshotFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	name, _, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	if name == "" {
		return fail(errMissing("name"))
	}
	if snapshotNameTaken(v, name, "") {
		return fail(newErr(http.StatusConflict, codeDuplicate, "name", "Snapshot copy \"%s\" of volume \"%s\" already exists.", name, v.Name))
	}
	if v.State != "online" {
		return fail(newErr(http.StatusBadRequest, codeVolumeBusy, "", "Volume \"%s\" is %s: cannot create a snapshot copy.", v.Name, v.State))
	}
	sn := Snapshot{UUID: uuid.NewString(), Name: name, CreateTime: s.clock.Now()}
	sn.Comment, _, _ = c.body.str("comment")
	sn.SnapMirrorLabel, _, _ = c.body.str("snapmirror_label")
	sn.ExpiryTime, _, _ = c.body.str("expiry_time")
	resp := s.async(c, func() { v.Snapshots = append(v.Snapshots, sn) }, nil)
	resp.location = "/api/storage/volumes/" + v.UUID + "/snapshots/" + sn.UUID
	resp.kind, resp.record = snapshotKind, func() map[string]any { return s.snapshotRecord(v, &sn) }
	return resp
}

func patchSnapshot(s *Server, c *call) *response {
	v, err := snapshotVolume(s, c)
	if err != nil {
		return fail(err)
	}
	sn := findSnapshot(v, c.vars["uuid"])
	if sn == nil {
		return fail(errNotFound("uuid"))
	}
	if err := snapshotFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	cp := *sn
	if n, ok, _ := c.body.str("name"); ok {
		if n == "" || snapshotNameTaken(v, n, sn.UUID) {
			return fail(newErr(http.StatusConflict, codeDuplicate, "name", "Snapshot copy \"%s\" of volume \"%s\" already exists.", n, v.Name))
		}
		cp.Name = n
	}
	if n, ok, _ := c.body.str("comment"); ok {
		cp.Comment = n
	}
	if n, ok, _ := c.body.str("snapmirror_label"); ok {
		cp.SnapMirrorLabel = n
	}
	if n, ok, _ := c.body.str("expiry_time"); ok {
		cp.ExpiryTime = n
	}
	id := sn.UUID
	return s.async(c, func() {
		if x := findSnapshot(v, id); x != nil {
			*x = cp
		}
	}, nil)
}

func deleteSnapshot(s *Server, c *call) *response {
	v, err := snapshotVolume(s, c)
	if err != nil {
		return fail(err)
	}
	sn := findSnapshot(v, c.vars["uuid"])
	if sn == nil {
		return fail(errNotFound("uuid"))
	}
	id := sn.UUID
	return s.async(c, func() {
		v.Snapshots = removeFirst(v.Snapshots, func(x Snapshot) bool { return x.UUID == id })
	}, nil)
}

func init() {
	handle("/api/storage/volumes/{volume}/snapshots", map[string]handler{"GET": getSnapshots, "POST": postSnapshot}, false)
	handle("/api/storage/volumes/{volume}/snapshots/{uuid}", map[string]handler{"GET": getSnapshot, "PATCH": patchSnapshot, "DELETE": deleteSnapshot}, false)
}
