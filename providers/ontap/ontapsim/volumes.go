package ontapsim

import (
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// MinVolumeSize is ONTAP's smallest FlexVol, and the default size.
const MinVolumeSize = 20 << 20

// Volume is a FlexVol volume.
type Volume struct {
	UUID       string
	Name       string
	SVM        string
	Aggregates []string
	Size       int64
	Type       string // rw, dp, ls
	State      string // online, offline, restricted
	// JunctionPath is nas.path; empty when not mounted.
	JunctionPath    string
	ExportPolicy    string
	SnapshotPolicy  string
	Guarantee       string // volume, none
	Comment         string
	SecurityStyle   string
	UnixPermissions int64
	UID, GID        int64
	SnapshotReserve int64
	Autosize        Autosize
	Efficiency      Efficiency
	Language        string
	QoSPolicy       string
	TieringPolicy   string
	Encrypted       bool
	LogicalEnforce  bool
	LogicalReport   bool
	// SnapshotAutodelete is space.snapshot.autodelete.enabled (and the older
	// space.snapshot.autodelete_enabled); AutodeleteTrigger is volume or
	// snap_reserve.
	SnapshotAutodelete bool
	AutodeleteTrigger  string
	MinCoolingDays     int64
	Analytics          string // off, on
	SnaplockType       string // non_snaplock, compliance, enterprise
	SnapdirAccess      bool   // snapshot_directory_access_enabled
	FilesMaximum       int64
	Tags               []string
	CreateTime         time.Time
	// Used is the space the (imaginary) data takes; always 0 unless set out
	// of band.
	Used      int64
	Snapshots []Snapshot
	// MovedTo is the destination aggregate of the last volume move.
	MovedTo string
}

// Autosize is the volume's autosize setting.
type Autosize struct {
	Mode            string // off, grow, grow_shrink
	Maximum         int64
	Minimum         int64
	GrowThreshold   int64
	ShrinkThreshold int64
}

// Efficiency is the volume's storage efficiency setting.
type Efficiency struct {
	Compression string // inline, background, both, none, mixed
	Dedupe      string
	Policy      string
}

// reservedOn is the space the volume reserves on an aggregate.
func (v *Volume) reservedOn(aggr string) int64 {
	if v.Guarantee != "volume" || len(v.Aggregates) == 0 {
		return 0
	}
	for _, a := range v.Aggregates {
		if a == aggr {
			return v.Size / int64(len(v.Aggregates))
		}
	}
	return 0
}

func (s *Server) findVolume(id string) *Volume {
	for _, v := range s.volumes {
		if v.UUID == id {
			return v
		}
	}
	return nil
}

func (s *Server) volumeByName(svm, name string) *Volume {
	for _, v := range s.volumes {
		if v.SVM == svm && v.Name == name {
			return v
		}
	}
	return nil
}

var volumeKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid", expensive: []string{"metric", "statistics"}}

func (s *Server) volumeRecord(v *Volume) map[string]any {
	var aggrs []any
	for _, n := range v.Aggregates {
		if a := s.aggregate(n); a != nil {
			aggrs = append(aggrs, map[string]any{"name": a.Name, "uuid": a.UUID})
		}
	}
	nas := map[string]any{
		"security_style":   v.SecurityStyle,
		"unix_permissions": v.UnixPermissions,
		"uid":              v.UID,
		"gid":              v.GID,
	}
	if v.JunctionPath != "" {
		nas["path"] = v.JunctionPath
	}
	if ep := s.exportPolicy(v.SVM, v.ExportPolicy); ep != nil {
		nas["export_policy"] = map[string]any{"name": ep.Name, "id": ep.ID}
	}
	snapPol := map[string]any{"name": v.SnapshotPolicy}
	if sp := s.snapPolicy(v.SnapshotPolicy, v.SVM); sp != nil {
		snapPol["uuid"] = sp.UUID
	}
	reserve := v.Size * v.SnapshotReserve / 100
	rec := map[string]any{
		"uuid":            v.UUID,
		"name":            v.Name,
		"svm":             s.svmRef(v.SVM),
		"aggregates":      aggrs,
		"size":            v.Size,
		"type":            v.Type,
		"state":           v.State,
		"style":           "flexvol",
		"nas":             nas,
		"snapshot_policy": snapPol,
		"guarantee":       map[string]any{"type": v.Guarantee, "honored": true},
		"space": map[string]any{
			"size":      v.Size,
			"available": v.Size - reserve - v.Used,
			"used":      v.Used,
			"snapshot": map[string]any{"reserve_percent": v.SnapshotReserve, "used": 0, "reserve_size": reserve,
				"autodelete_enabled": v.SnapshotAutodelete, "autodelete_trigger": v.AutodeleteTrigger,
				"autodelete": map[string]any{"enabled": v.SnapshotAutodelete, "trigger": v.AutodeleteTrigger}},
			"logical_space": map[string]any{
				"enforcement": v.LogicalEnforce, "reporting": v.LogicalReport, "used": v.Used,
			},
			"afs_total": v.Size - reserve,
		},
		"autosize": map[string]any{
			"mode": v.Autosize.Mode, "maximum": v.Autosize.Maximum, "minimum": v.Autosize.Minimum,
			"grow_threshold": v.Autosize.GrowThreshold, "shrink_threshold": v.Autosize.ShrinkThreshold,
		},
		"efficiency": map[string]any{
			"compression": v.Efficiency.Compression, "dedupe": v.Efficiency.Dedupe,
			"policy": map[string]any{"name": v.Efficiency.Policy},
		},
		"language":                          v.Language,
		"tiering":                           map[string]any{"policy": v.TieringPolicy, "min_cooling_days": v.MinCoolingDays},
		"encryption":                        map[string]any{"enabled": v.Encrypted, "state": "none"},
		"snaplock":                          map[string]any{"type": v.SnaplockType},
		"files":                             map[string]any{"maximum": v.FilesMaximum, "used": 96},
		"analytics":                         map[string]any{"state": v.Analytics},
		"snapshot_directory_access_enabled": v.SnapdirAccess,
		"create_time":                       ontapTime(v.CreateTime),
		"is_svm_root":                       false,
		"snapmirror":                        map[string]any{"is_protected": s.isProtected(v)},
		"metric":                            map[string]any{"status": "ok", "duration": "PT15S", "iops": map[string]any{"read": 0, "write": 0, "total": 0}},
		"statistics":                        map[string]any{"status": "ok"},
		"_links":                            links("/api/storage/volumes/" + v.UUID),
	}
	if v.Comment != "" {
		rec["comment"] = v.Comment
	}
	if a := s.aggregate(v.MovedTo); a != nil {
		rec["movement"] = map[string]any{"state": "done", "percent_complete": 100,
			"destination_aggregate": map[string]any{"name": a.Name, "uuid": a.UUID}}
	}
	if v.QoSPolicy != "" {
		rec["qos"] = map[string]any{"policy": map[string]any{"name": v.QoSPolicy}}
	}
	if len(v.Tags) > 0 {
		tags := make([]any, len(v.Tags))
		for i, t := range v.Tags {
			tags[i] = t
		}
		rec["_tags"] = tags
	}
	return rec
}

func getVolumes(s *Server, c *call) *response {
	var recs []map[string]any
	for _, v := range s.volumes {
		recs = append(recs, s.volumeRecord(v))
	}
	return ok(200, volumeKind.collection(c.path, c.q, recs))
}

func getVolume(s *Server, c *call) *response {
	v := s.findVolume(c.vars["uuid"])
	if v == nil {
		return fail(errNotFound("uuid"))
	}
	return ok(200, volumeKind.project(s.volumeRecord(v), c.q.fields, false))
}

// volumeFields are the volume fields the simulator takes, from ONTAP's
// reference for POST and PATCH /storage/volumes (README.md).
var volumeFields = &fieldSet{
	post: []string{"svm.name", "svm.uuid", "name", "aggregates.name", "aggregates.uuid", "type", "style", "language",
		"constituents_per_aggregate", "snaplock.type", "state", "size", "space.size", "comment",
		"space.snapshot.reserve_percent", "space.snapshot.autodelete.enabled", "space.snapshot.autodelete.trigger",
		"space.logical_space.enforcement", "space.logical_space.reporting",
		"nas.path", "nas.export_policy.name", "nas.export_policy.id", "nas.security_style", "nas.unix_permissions", "nas.uid", "nas.gid",
		"snapshot_policy.name", "snapshot_policy.uuid", "guarantee.type",
		"autosize.mode", "autosize.maximum", "autosize.minimum", "autosize.grow_threshold", "autosize.shrink_threshold",
		"efficiency.compression", "efficiency.dedupe", "efficiency.policy.name", "qos.policy.name", "qos.policy.uuid",
		"tiering.policy", "tiering.min_cooling_days", "encryption.enabled", "files.maximum", "_tags", "analytics.state",
		"snapshot_directory_access_enabled"},
	patch: []string{"name", "state", "size", "space.size", "comment",
		"space.snapshot.reserve_percent", "space.snapshot.autodelete_enabled", "space.snapshot.autodelete.enabled",
		"space.snapshot.autodelete.trigger", "space.snapshot.autodelete_trigger",
		"space.logical_space.enforcement", "space.logical_space.reporting",
		"nas.path", "nas.export_policy.name", "nas.export_policy.id", "nas.security_style", "nas.unix_permissions", "nas.uid", "nas.gid",
		"snapshot_policy.name", "snapshot_policy.uuid", "guarantee.type",
		"autosize.mode", "autosize.maximum", "autosize.minimum", "autosize.grow_threshold", "autosize.shrink_threshold",
		"efficiency.compression", "efficiency.dedupe", "efficiency.policy.name", "qos.policy.name", "qos.policy.uuid",
		"tiering.policy", "tiering.min_cooling_days", "encryption.enabled", "files.maximum", "_tags", "analytics.state",
		"snapshot_directory_access_enabled",
		"movement.destination_aggregate.name", "movement.destination_aggregate.uuid", "movement.cutover_action", "movement.tiering_policy"},
	readOnly: []string{"movement.state", "movement.percent_complete", "qos.policy.name", "comment", "nas.path", "_tags"},
	sample:   func(s *Server) map[string]any { return s.volumeRecord(&Volume{}) },
}

var volumeNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,202}$`)

// applyVolumeBody reads the modifiable fields of b into v (a copy of the
// volume being changed), validating each against the model.
func (s *Server) applyVolumeBody(b body, v *Volume) *apiError {
	if n, ok, err := b.str("name"); err != nil {
		return err
	} else if ok {
		if !volumeNameRE.MatchString(n) {
			return errInvalidValue("name", n, "")
		}
		v.Name = n
	}
	n, ok, err := volumeSize(b)
	if err != nil {
		return err
	}
	if ok {
		if n < MinVolumeSize {
			return newErr(http.StatusBadRequest, codeVolumeTooSmall, "size",
				"Unable to set volume attribute \"size\" for volume \"%s\" on Vserver \"%s\". Reason: Size \"%s\" (%d bytes) is too small. Minimum size is \"20MB\" (%d bytes).",
				v.Name, v.SVM, humanSize(n), n, MinVolumeSize)
		}
		v.Size = n
	}
	if n, ok, err := b.str("state"); err != nil {
		return err
	} else if ok {
		if e := oneOf("state", n, "online", "offline", "restricted"); e != nil {
			return e
		}
		v.State = n
	}
	if n, ok, err := b.str("comment"); err != nil {
		return err
	} else if ok {
		v.Comment = n
	}
	if n, ok, err := b.str("nas.path"); err != nil {
		return err
	} else if ok {
		v.JunctionPath = n
	}
	epName, hasEP, err := b.str("nas.export_policy.name")
	if err != nil {
		return err
	}
	if id, ok, err := b.int("nas.export_policy.id"); err != nil {
		return err
	} else if ok {
		ep := s.exportPolicyByID(id)
		if ep == nil || ep.SVM != v.SVM {
			return newErr(http.StatusNotFound, codeExportPolMissing, "nas.export_policy.id", "Export policy with ID %d does not exist in Vserver \"%s\".", id, v.SVM)
		}
		epName, hasEP = ep.Name, true
	}
	if hasEP {
		if s.exportPolicy(v.SVM, epName) == nil {
			return newErr(http.StatusNotFound, codeExportPolMissing, "nas.export_policy.name", "Export policy \"%s\" does not exist in Vserver \"%s\".", epName, v.SVM)
		}
		v.ExportPolicy = epName
	}
	if n, ok, err := b.str("nas.security_style"); err != nil {
		return err
	} else if ok {
		if e := oneOf("nas.security_style", n, "unix", "ntfs", "mixed", "unified"); e != nil {
			return e
		}
		v.SecurityStyle = n
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"nas.unix_permissions", &v.UnixPermissions}, {"nas.uid", &v.UID}, {"nas.gid", &v.GID},
		{"space.snapshot.reserve_percent", &v.SnapshotReserve}, {"files.maximum", &v.FilesMaximum},
		{"tiering.min_cooling_days", &v.MinCoolingDays},
		{"autosize.maximum", &v.Autosize.Maximum}, {"autosize.minimum", &v.Autosize.Minimum},
		{"autosize.grow_threshold", &v.Autosize.GrowThreshold}, {"autosize.shrink_threshold", &v.Autosize.ShrinkThreshold}} {
		if n, ok, err := b.int(f.name); err != nil {
			return err
		} else if ok {
			*f.dst = n
		}
	}
	if v.SnapshotReserve < 0 || v.SnapshotReserve > 90 {
		return errInvalidValue("space.snapshot.reserve_percent", fmt.Sprint(v.SnapshotReserve), "<0..90>")
	}
	spName, hasSP, err := b.str("snapshot_policy.name")
	if err != nil {
		return err
	}
	if id, ok, err := b.str("snapshot_policy.uuid"); err != nil {
		return err
	} else if ok {
		sp := s.snapPolicy(id, v.SVM)
		if sp == nil {
			return newErr(http.StatusNotFound, codeSnapPolicyMissing, "snapshot_policy.uuid", "Snapshot policy \"%s\" does not exist.", id)
		}
		spName, hasSP = sp.Name, true
	}
	if hasSP {
		if s.snapPolicy(spName, v.SVM) == nil {
			return newErr(http.StatusNotFound, codeSnapPolicyMissing, "snapshot_policy.name", "Snapshot policy \"%s\" does not exist.", spName)
		}
		v.SnapshotPolicy = spName
	}
	if n, ok, err := b.str("guarantee.type"); err != nil {
		return err
	} else if ok {
		if e := oneOf("guarantee.type", n, "volume", "none"); e != nil {
			return e
		}
		v.Guarantee = n
	}
	if n, ok, err := b.str("autosize.mode"); err != nil {
		return err
	} else if ok {
		if e := oneOf("autosize.mode", n, "off", "grow", "grow_shrink"); e != nil {
			return e
		}
		v.Autosize.Mode = n
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"efficiency.compression", &v.Efficiency.Compression}, {"efficiency.dedupe", &v.Efficiency.Dedupe}} {
		if n, ok, err := b.str(f.name); err != nil {
			return err
		} else if ok {
			if e := oneOf(f.name, n, "inline", "background", "both", "none", "mixed"); e != nil {
				return e
			}
			*f.dst = n
		}
	}
	strs := []struct {
		name string
		dst  *string
	}{{"efficiency.policy.name", &v.Efficiency.Policy}, {"qos.policy.name", &v.QoSPolicy}, {"tiering.policy", &v.TieringPolicy}, {"language", &v.Language}}
	for _, f := range strs {
		if n, ok, err := b.str(f.name); err != nil {
			return err
		} else if ok {
			*f.dst = n
		}
	}
	enums := []struct {
		name    string
		dst     *string
		allowed []string
	}{{"analytics.state", &v.Analytics, []string{"off", "on"}},
		{"snaplock.type", &v.SnaplockType, []string{"non_snaplock", "compliance", "enterprise"}},
		{"space.snapshot.autodelete.trigger", &v.AutodeleteTrigger, []string{"volume", "snap_reserve"}},
		{"space.snapshot.autodelete_trigger", &v.AutodeleteTrigger, []string{"volume", "snap_reserve"}}}
	for _, f := range enums {
		if n, ok, err := b.str(f.name); err != nil {
			return err
		} else if ok {
			if e := oneOf(f.name, n, f.allowed...); e != nil {
				return e
			}
			*f.dst = n
		}
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"encryption.enabled", &v.Encrypted}, {"space.logical_space.enforcement", &v.LogicalEnforce}, {"space.logical_space.reporting", &v.LogicalReport},
		{"space.snapshot.autodelete.enabled", &v.SnapshotAutodelete}, {"space.snapshot.autodelete_enabled", &v.SnapshotAutodelete},
		{"snapshot_directory_access_enabled", &v.SnapdirAccess}} {
		if n, ok, err := b.bool(f.name); err != nil {
			return err
		} else if ok {
			*f.dst = n
		}
	}
	if tags, ok, err := b.strList("_tags"); err != nil {
		return err
	} else if ok {
		v.Tags = tags
	}
	return nil
}

// volumeSize reads the volume's size, given as size or space.size (ONTAP's
// reference documents both for POST and PATCH; Ansible's na_ontap_volume
// sends size, NetApp's Terraform provider space.size). Both with different
// values are refused: there is no telling which one the client meant.
func volumeSize(b body) (int64, bool, *apiError) {
	n, ok, err := b.int("size")
	if err != nil {
		return 0, false, err
	}
	m, ok2, err := b.int("space.size")
	if err != nil {
		return 0, false, err
	}
	switch {
	case ok && ok2 && n != m:
		return 0, false, newErr(http.StatusBadRequest, codeFieldConflict, "space.size",
			"Fields \"size\" (%d) and \"space.size\" (%d) set the same size to different values.", n, m)
	case ok2:
		return m, true, nil
	}
	return n, ok, nil
}

// checkJunction enforces ONTAP's junction rules for v mounted at p.
func (s *Server) checkJunction(v *Volume, p string) *apiError {
	if p == "" {
		return nil
	}
	bad := func(format string, args ...any) *apiError {
		return newErr(http.StatusBadRequest, codeJunctionInvalid, "nas.path", format, args...)
	}
	switch {
	case !strings.HasPrefix(p, "/"):
		return bad("Invalid junction path \"%s\". A junction path must start with \"/\".", p)
	case p == "/":
		return bad("Invalid junction path \"/\". It is the root of Vserver \"%s\".", v.SVM)
	case strings.HasSuffix(p, "/"):
		return bad("Invalid junction path \"%s\". A junction path must not end with \"/\".", p)
	case strings.Contains(p, "//") || path.Clean(p) != p:
		return bad("Invalid junction path \"%s\".", p)
	}
	if v.State != "online" {
		return bad("Cannot mount volume \"%s\" at \"%s\": the volume is %s.", v.Name, p, v.State)
	}
	for _, o := range s.volumes {
		if o.SVM == v.SVM && o.UUID != v.UUID && o.JunctionPath == p {
			return bad("Junction path \"%s\" is already in use by volume \"%s\" in Vserver \"%s\".", p, o.Name, v.SVM)
		}
	}
	if parent := path.Dir(p); parent != "/" {
		found := false
		for _, o := range s.volumes {
			if o.SVM == v.SVM && o.UUID != v.UUID && o.JunctionPath == parent {
				found = true
				break
			}
		}
		if !found {
			return bad("Failed to create junction \"%s\" for volume \"%s\": the parent junction \"%s\" does not exist in Vserver \"%s\".", p, v.Name, parent, v.SVM)
		}
	}
	return nil
}

// checkSpace refuses a reservation the aggregates cannot hold.
func (s *Server) checkSpace(old, v *Volume) *apiError {
	for _, n := range v.Aggregates {
		a := s.aggregate(n)
		var was int64
		if old != nil {
			was = old.reservedOn(n)
		}
		if need := v.reservedOn(n) - was; need > 0 && need > a.Size-s.aggrUsed(a) {
			return newErr(http.StatusBadRequest, codeAggrNoSpace, "size",
				"Request to provision %s for volume \"%s\" failed: aggregate \"%s\" has only %s available.", humanSize(v.Size), v.Name, a.Name, humanSize(a.Size-s.aggrUsed(a)))
		}
	}
	return nil
}

func postVolume(s *Server, c *call) *response {
	b := c.body
	if err := volumeFields.check(s, b, c.method); err != nil {
		return fail(err)
	}
	if !b.has("svm.name") && !b.has("svm.uuid") {
		// ONTAP's own words, as Trident met them (NetApp/trident#612)
		return fail(newErr(http.StatusBadRequest, codeVolumeSVMMissing, "", "Either \"svm.uuid\" or \"svm.name\" must be provided."))
	}
	svm, err := s.svmFromBody(b)
	if err != nil {
		return fail(err)
	}
	v := &Volume{UUID: uuid.NewString(), SVM: svm.Name, Size: MinVolumeSize, Type: "rw", State: "online",
		ExportPolicy: "default", SnapshotPolicy: svm.SnapshotPolicy, Guarantee: "volume", SecurityStyle: "unix",
		UnixPermissions: 755, SnapshotReserve: 5, Language: svm.Language, TieringPolicy: "none",
		Autosize:   Autosize{Mode: "off", GrowThreshold: 85, ShrinkThreshold: 50},
		Efficiency: Efficiency{Compression: "none", Dedupe: "none", Policy: "-"},
		Analytics:  "off", SnaplockType: "non_snaplock", AutodeleteTrigger: "volume", SnapdirAccess: true,
		CreateTime: s.clock.Now()}
	name, _, err := b.str("name")
	if err != nil {
		return fail(err)
	}
	if name == "" {
		return fail(errMissing("name"))
	}
	v.Name = name
	if t, ok, err := b.str("type"); err != nil {
		return fail(err)
	} else if ok {
		if e := oneOf("type", t, "rw", "dp", "ls"); e != nil {
			return fail(e)
		}
		v.Type = t
		if t == "dp" {
			v.SnapshotPolicy = "none"
		}
	}
	aggrs, _, err := b.objects("aggregates")
	if err != nil {
		return fail(err)
	}
	if len(aggrs) == 0 {
		return fail(errMissing("aggregates"))
	}
	for _, ab := range aggrs {
		ref, _, _ := ab.str("name")
		if ref == "" {
			ref, _, _ = ab.str("uuid")
		}
		a := s.aggregate(ref)
		if a == nil {
			return fail(newErr(http.StatusNotFound, codeNotFound, "aggregates", "Aggregate \"%s\" does not exist.", ref))
		}
		v.Aggregates = append(v.Aggregates, a.Name)
	}
	if err := s.applyVolumeBody(b, v); err != nil {
		return fail(err)
	}
	v.Name = name
	if !volumeNameRE.MatchString(name) {
		return fail(errInvalidValue("name", name, ""))
	}
	if s.volumeByName(svm.Name, name) != nil {
		return fail(newErr(http.StatusConflict, codeVolumeDuplicate, "name", "Duplicate volume name \"%s\" in Vserver \"%s\".", name, svm.Name))
	}
	if err := s.checkJunction(v, v.JunctionPath); err != nil {
		return fail(err)
	}
	if err := s.checkSpace(nil, v); err != nil {
		return fail(err)
	}
	resp := s.async(c, func() { s.volumes = append(s.volumes, v) }, nil)
	resp.location = "/api/storage/volumes/" + v.UUID
	resp.kind, resp.record = volumeKind, func() map[string]any { return s.volumeRecord(v) }
	return resp
}

func patchVolume(s *Server, c *call) *response {
	v := s.findVolume(c.vars["uuid"])
	if v == nil {
		return fail(errNotFound("uuid"))
	}
	if err := volumeFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	cp := *v
	if err := s.applyVolumeBody(c.body, &cp); err != nil {
		return fail(err)
	}
	// a volume move: the job ends with the volume on the new aggregate
	dest, _, _ := c.body.str("movement.destination_aggregate.name")
	if dest == "" {
		dest, _, _ = c.body.str("movement.destination_aggregate.uuid")
	}
	if dest != "" {
		a := s.aggregate(dest)
		if a == nil {
			return fail(newErr(http.StatusNotFound, codeNotFound, "movement.destination_aggregate.name", "Aggregate \"%s\" does not exist.", dest))
		}
		cp.Aggregates, cp.MovedTo = []string{a.Name}, a.Name
	}
	if cp.Name != v.Name {
		if s.volumeByName(v.SVM, cp.Name) != nil {
			return fail(newErr(http.StatusConflict, codeVolumeDuplicate, "name", "Duplicate volume name \"%s\" in Vserver \"%s\".", cp.Name, v.SVM))
		}
	}
	if cp.State != "online" && !c.body.has("nas.path") {
		// taking a volume offline or restricted removes its junction
		cp.JunctionPath = ""
	}
	if cp.JunctionPath == "" && v.JunctionPath != "" {
		for _, o := range s.volumes {
			if o.SVM == v.SVM && o != v && strings.HasPrefix(o.JunctionPath, v.JunctionPath+"/") {
				return fail(newErr(http.StatusConflict, codeVolumeBusy, "nas.path",
					"Cannot unmount volume \"%s\": volume \"%s\" is mounted below it at \"%s\".", v.Name, o.Name, o.JunctionPath))
			}
		}
	}
	if cp.JunctionPath != v.JunctionPath || cp.State != v.State {
		if err := s.checkJunction(&cp, cp.JunctionPath); err != nil {
			return fail(err)
		}
	}
	if err := s.checkSpace(v, &cp); err != nil {
		return fail(err)
	}
	return s.async(c, func() { *v = cp }, nil)
}

func deleteVolume(s *Server, c *call) *response {
	v := s.findVolume(c.vars["uuid"])
	if v == nil {
		return fail(errNotFound("uuid"))
	}
	if v.JunctionPath != "" {
		return fail(newErr(http.StatusConflict, codeVolumeMounted, "",
			"Volume \"%s\" in Vserver \"%s\" is mounted at \"%s\". Unmount it (PATCH nas.path to \"\") before deleting it.", v.Name, v.SVM, v.JunctionPath))
	}
	// an online volume is taken offline first, as ONTAP does
	return s.async(c, func() { s.volumes = removeFirst(s.volumes, func(x *Volume) bool { return x == v }) }, nil)
}

// fillVolumeDefaults sets the defaults of fields left empty by a volume made
// other than by POST.
func fillVolumeDefaults(v *Volume) {
	if v.Analytics == "" {
		v.Analytics = "off"
	}
	if v.SnaplockType == "" {
		v.SnaplockType = "non_snaplock"
	}
	if v.AutodeleteTrigger == "" {
		v.AutodeleteTrigger = "volume"
	}
}

func humanSize(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d%s", int64(f), units[i])
	}
	return fmt.Sprintf("%.2f%s", f, units[i])
}

func copyVolume(v *Volume) Volume {
	cp := *v
	cp.Aggregates = append([]string(nil), v.Aggregates...)
	cp.Tags = append([]string(nil), v.Tags...)
	cp.Snapshots = append([]Snapshot(nil), v.Snapshots...)
	return cp
}

// Volumes returns a copy of every volume.
func (s *Server) Volumes() []Volume {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	out := make([]Volume, 0, len(s.volumes))
	for _, v := range s.volumes {
		out = append(out, copyVolume(v))
	}
	return out
}

// Volume returns a copy of the named volume of an SVM.
func (s *Server) Volume(svm, name string) (Volume, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	if v := s.volumeByName(svm, name); v != nil {
		return copyVolume(v), true
	}
	return Volume{}, false
}

// UpdateVolume changes a volume out of band, as an administrator on the
// cluster's CLI would (for drift tests). The function gets the live volume.
func (s *Server) UpdateVolume(svm, name string, f func(v *Volume)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	v := s.volumeByName(svm, name)
	if v == nil {
		return fmt.Errorf("ontapsim: no volume %s in SVM %s", name, svm)
	}
	f(v)
	return nil
}

// AddVolume creates a volume out of band, with ONTAP's defaults for the
// fields left zero, without checks.
func (s *Server) AddVolume(v Volume) Volume {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v.UUID == "" {
		v.UUID = uuid.NewString()
	}
	if v.Size == 0 {
		v.Size = MinVolumeSize
	}
	if v.Type == "" {
		v.Type = "rw"
	}
	if v.State == "" {
		v.State = "online"
	}
	if v.Guarantee == "" {
		v.Guarantee = "volume"
	}
	if v.SnapshotPolicy == "" {
		v.SnapshotPolicy = "default"
	}
	if v.ExportPolicy == "" {
		v.ExportPolicy = "default"
	}
	if len(v.Aggregates) == 0 {
		v.Aggregates = []string{s.aggregates[0].Name}
	}
	if v.SecurityStyle == "" {
		v.SecurityStyle = "unix"
	}
	if v.Autosize.Mode == "" {
		v.Autosize.Mode = "off"
	}
	if v.Efficiency.Compression == "" {
		v.Efficiency = Efficiency{Compression: "none", Dedupe: "none", Policy: "-"}
	}
	if v.CreateTime.IsZero() {
		v.CreateTime = s.clock.Now()
	}
	fillVolumeDefaults(&v)
	nv := v
	s.volumes = append(s.volumes, &nv)
	return copyVolume(&nv)
}

func init() {
	handle("/api/storage/volumes", map[string]handler{"GET": getVolumes, "POST": postVolume}, false)
	handle("/api/storage/volumes/{uuid}", map[string]handler{"GET": getVolume, "PATCH": patchVolume, "DELETE": deleteVolume}, false)
}
