package ontapsim

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"
)

// SVM is a storage virtual machine (a vserver).
type SVM struct {
	UUID       string
	Name       string
	State      string // running, stopped
	Subtype    string
	Language   string
	Comment    string
	Aggregates []string
	IPspace    string
	// NFS, CIFS, ISCSI, FCP and NVMe say whether the protocol's service is
	// enabled: what GET shows as nfs.enabled, cifs.enabled, ... (false also
	// when the SVM has no such service).
	NFS   bool
	CIFS  bool
	ISCSI bool
	FCP   bool
	NVMe  bool
	// Services are the protocols (nfs, cifs, iscsi, fcp, nvme) whose service
	// exists, enabled or not: made by an SVM POST with <protocol>.enabled or
	// by POST /api/protocols/.../services (services.go). An enabled protocol
	// has a service whether or not it is listed.
	Services []string
	// CIFSServer is the SVM's CIFS server, when it has one.
	CIFSServer *CIFSServer
	// ISCSIAlias is the iSCSI target alias (default: the SVM's name).
	ISCSIAlias string
	// SnapshotPolicy is the SVM's default snapshot policy.
	SnapshotPolicy string
	// MaxVolumes is "unlimited" or a number, as ONTAP spells it.
	MaxVolumes  string
	NDMPAllowed bool
	// NotAllowed are the protocols (nfs, cifs, iscsi, fcp, nvme) whose
	// allowed is false; all are allowed by default.
	NotAllowed []string
}

// svmProtocols are the protocols an SVM record carries, in ONTAP's order.
var svmProtocols = []string{"nfs", "cifs", "iscsi", "fcp", "nvme"}

// enabledFlag is the SVM's enabled switch of proto.
func (v *SVM) enabledFlag(proto string) *bool {
	switch proto {
	case "nfs":
		return &v.NFS
	case "cifs":
		return &v.CIFS
	case "iscsi":
		return &v.ISCSI
	case "fcp":
		return &v.FCP
	case "nvme":
		return &v.NVMe
	}
	panic("ontapsim: no protocol " + proto)
}

// hasService says whether the SVM has proto's service, enabled or not.
func (v *SVM) hasService(proto string) bool {
	if *v.enabledFlag(proto) || proto == "cifs" && v.CIFSServer != nil {
		return true
	}
	for _, p := range v.Services {
		if p == proto {
			return true
		}
	}
	return false
}

// setService makes proto's service exist, enabled or not. Slices are
// replaced, never appended to in place: peer views share them.
func (v *SVM) setService(proto string, enabled bool) {
	if !v.hasService(proto) {
		v.Services = append(append([]string{}, v.Services...), proto)
	}
	*v.enabledFlag(proto) = enabled
}

// removeService deletes proto's service.
func (v *SVM) removeService(proto string) {
	v.Services = removeAll(v.Services, func(p string) bool { return p == proto })
	*v.enabledFlag(proto) = false
	if proto == "cifs" {
		v.CIFSServer = nil
	}
}

func (v *SVM) allowed(proto string) bool {
	for _, p := range v.NotAllowed {
		if p == proto {
			return false
		}
	}
	return true
}

func (s *Server) svm(nameOrUUID string) *SVM {
	for _, v := range s.svms {
		if v.Name == nameOrUUID || v.UUID == nameOrUUID {
			return v
		}
	}
	return nil
}

// svmRef is the {name, uuid} reference to an SVM that records embed; it
// tolerates an SVM changed out of band.
func (s *Server) svmRef(name string) map[string]any {
	ref := map[string]any{"name": name}
	if v := s.svm(name); v != nil {
		ref["uuid"] = v.UUID
	}
	return ref
}

// svmFromBody resolves svm.name or svm.uuid of a request body.
func (s *Server) svmFromBody(b body) (*SVM, *apiError) {
	name, hasName, err := b.str("svm.name")
	if err != nil {
		return nil, err
	}
	id, hasID, err := b.str("svm.uuid")
	if err != nil {
		return nil, err
	}
	switch {
	case hasID:
		v := s.svm(id)
		if v == nil || v.UUID != id {
			return nil, newErr(http.StatusNotFound, codeNotFound, "svm.uuid", "SVM \"%s\" not found.", id)
		}
		if hasName && v.Name != name {
			return nil, newErr(http.StatusBadRequest, codeInvalidField, "svm.name", "svm.name and svm.uuid refer to different SVMs.")
		}
		return v, nil
	case hasName:
		v := s.svm(name)
		if v == nil || v.Name != name {
			return nil, newErr(http.StatusNotFound, codeNotFound, "svm.name", "SVM \"%s\" not found.", name)
		}
		return v, nil
	}
	return nil, errMissing("svm.name")
}

func (s *Server) createSVM(v *SVM) {
	if v.UUID == "" {
		v.UUID = uuid.NewString()
	}
	if v.State == "" {
		v.State = "running"
	}
	if v.Subtype == "" {
		v.Subtype = "default"
	}
	if v.Language == "" {
		v.Language = "c.utf_8"
	}
	if v.IPspace == "" {
		v.IPspace = "Default"
	}
	if v.SnapshotPolicy == "" {
		v.SnapshotPolicy = "default"
	}
	if v.MaxVolumes == "" {
		v.MaxVolumes = "unlimited"
	}
	if v.Aggregates == nil {
		for _, a := range s.aggregates {
			v.Aggregates = append(v.Aggregates, a.Name)
		}
		v.setService("nfs", true)
	}
	s.svms = append(s.svms, v)
	// every SVM has an export policy named default
	s.addExportPolicy(&ExportPolicy{Name: "default", SVM: v.Name})
}

var svmKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}

func (s *Server) svmRecord(v *SVM) map[string]any {
	var aggrs []any
	for _, n := range v.Aggregates {
		if a := s.aggregate(n); a != nil {
			aggrs = append(aggrs, map[string]any{"name": a.Name, "uuid": a.UUID})
		}
	}
	// A protocol with a service links to it, as na_ontap_svm reads
	// <protocol>._links.self.href to choose between POST and PATCH.
	proto := func(name string, on bool) map[string]any {
		m := map[string]any{"enabled": on, "allowed": v.allowed(name)}
		if v.hasService(name) {
			m["_links"] = links(servicePaths[name] + "/" + v.UUID)
		}
		if name == "cifs" && v.CIFSServer != nil {
			m["name"] = v.CIFSServer.Name
			m["ad_domain"] = map[string]any{"fqdn": v.CIFSServer.Domain, "organizational_unit": v.CIFSServer.OrganizationalUnit}
		}
		return m
	}
	rec := map[string]any{
		"uuid":            v.UUID,
		"name":            v.Name,
		"state":           v.State,
		"subtype":         v.Subtype,
		"language":        v.Language,
		"aggregates":      aggrs,
		"ipspace":         map[string]any{"name": v.IPspace},
		"nfs":             proto("nfs", v.NFS),
		"cifs":            proto("cifs", v.CIFS),
		"iscsi":           proto("iscsi", v.ISCSI),
		"fcp":             proto("fcp", v.FCP),
		"nvme":            proto("nvme", v.NVMe),
		"snapshot_policy": map[string]any{"name": v.SnapshotPolicy},
		"max_volumes":     v.MaxVolumes,
		"ndmp":            map[string]any{"allowed": v.NDMPAllowed},
		"_links":          links("/api/svm/svms/" + v.UUID),
	}
	if sp := s.snapPolicy(v.SnapshotPolicy, ""); sp != nil {
		rec["snapshot_policy"] = map[string]any{"name": sp.Name, "uuid": sp.UUID}
	}
	if v.Comment != "" {
		rec["comment"] = v.Comment
	}
	var ifs []any
	for _, i := range s.interfaces {
		if i.SVM == v.Name {
			ifs = append(ifs, map[string]any{"name": i.Name, "uuid": i.UUID, "ip": map[string]any{"address": i.Address}})
		}
	}
	if ifs != nil {
		rec["ip_interfaces"] = ifs
	}
	return rec
}

func getSVMs(s *Server, c *call) *response {
	var recs []map[string]any
	for _, v := range s.svms {
		recs = append(recs, s.svmRecord(v))
	}
	return ok(200, svmKind.collection(c.path, c.q, recs))
}

func getSVM(s *Server, c *call) *response {
	v := s.svm(c.vars["uuid"])
	if v == nil || v.UUID != c.vars["uuid"] {
		return fail(errNotFound("uuid"))
	}
	return ok(200, svmKind.project(s.svmRecord(v), c.q.fields, false))
}

var svmWritable = []string{"name", "comment", "language", "aggregates.name", "aggregates.uuid",
	"nfs.allowed", "cifs.allowed", "iscsi.allowed", "fcp.allowed", "nvme.allowed", "ndmp.allowed",
	"snapshot_policy.name", "snapshot_policy.uuid", "max_volumes"}

// svmServicesAtCreation make the protocols' services with the SVM: enabled,
// and for CIFS the server's name and Active Directory domain.
var svmServicesAtCreation = []string{"nfs.enabled", "cifs.enabled", "iscsi.enabled", "fcp.enabled", "nvme.enabled",
	"cifs.name", "cifs.ad_domain.fqdn", "cifs.ad_domain.user", "cifs.ad_domain.password", "cifs.ad_domain.organizational_unit"}

// svmFields: ipspace and subtype are set at creation, state only by PATCH
// ("admin_state is only supported in modify", na_ontap_svm). ipspace and
// snapshot_policy may be bare names, as na_ontap_svm sends them.
//
// The protocols' enabled are POST-only (README.md, N4): netapp_ontap's
// SvmNfsSchema patches allowed alone, na_ontap_svm drops enabled from a
// PATCH ("REST does not allow to modify this directly") and switches a
// service through /api/protocols/.../services, which services.go serves.
// A PATCH carrying them is 262196.
var svmFields = &fieldSet{
	post:   append(append([]string{"ipspace.name", "ipspace.uuid", "subtype"}, svmServicesAtCreation...), svmWritable...),
	patch:  append([]string{"state"}, svmWritable...),
	refs:   []string{"ipspace", "snapshot_policy"},
	sample: func(s *Server) map[string]any { return s.svmRecord(&SVM{Comment: "x"}) },
}

// applySVMBody reads the writable SVM fields of b into v.
func (s *Server) applySVMBody(b body, v *SVM) *apiError {
	if n, ok, err := b.str("comment"); err != nil {
		return err
	} else if ok {
		v.Comment = n
	}
	if n, ok, err := b.str("language"); err != nil {
		return err
	} else if ok {
		v.Language = n
	}
	if n, ok, err := b.str("ipspace.name"); err != nil {
		return err
	} else if ok {
		v.IPspace = n
	}
	if n, ok, err := b.str("subtype"); err != nil {
		return err
	} else if ok {
		if e := oneOf("subtype", n, "default", "dp_destination", "sync_source", "sync_destination"); e != nil {
			return e
		}
		v.Subtype = n
	}
	if n, ok, err := b.str("state"); err != nil {
		return err
	} else if ok {
		if e := oneOf("state", n, "running", "stopped"); e != nil {
			return e
		}
		v.State = n
	}
	aggrs, hasAggrs, err := b.objects("aggregates")
	if err != nil {
		return err
	}
	if hasAggrs {
		v.Aggregates = []string{}
		for _, ab := range aggrs {
			ref, _, _ := ab.str("name")
			if ref == "" {
				ref, _, _ = ab.str("uuid")
			}
			a := s.aggregate(ref)
			if a == nil {
				return newErr(http.StatusNotFound, codeNotFound, "aggregates", "Aggregate \"%s\" does not exist.", ref)
			}
			v.Aggregates = append(v.Aggregates, a.Name)
		}
	}
	for _, p := range svmProtocols {
		if on, ok, err := b.bool(p + ".allowed"); err != nil {
			return err
		} else if ok {
			v.NotAllowed = removeAll(v.NotAllowed, func(x string) bool { return x == p })
			if !on {
				v.NotAllowed = append(v.NotAllowed, p)
			}
		}
	}
	for _, p := range svmProtocols {
		on, ok, err := b.bool(p + ".enabled")
		if err != nil {
			return err
		}
		if p == "cifs" {
			if err := cifsServerFromSVMBody(b, v, on, ok); err != nil {
				return err
			}
			continue
		}
		if ok && on {
			// "Setting to true creates a service if not already created" (SvmNfs)
			v.setService(p, true)
		}
	}
	for _, f := range []string{"snapshot_policy.name", "snapshot_policy.uuid"} {
		if n, ok, err := b.str(f); err != nil {
			return err
		} else if ok {
			sp := s.snapPolicy(n, "")
			if sp == nil {
				return newErr(http.StatusNotFound, codeSnapPolicyMissing, f, "Snapshot policy \"%s\" does not exist.", n)
			}
			v.SnapshotPolicy = sp.Name
		}
	}
	if n, ok, err := b.str("max_volumes"); err != nil {
		return err
	} else if ok {
		if _, perr := strconv.ParseUint(n, 10, 32); perr != nil && n != "unlimited" {
			return errInvalidValue("max_volumes", n, "")
		}
		v.MaxVolumes = n
	}
	if on, ok, err := b.bool("ndmp.allowed"); err != nil {
		return err
	} else if ok {
		v.NDMPAllowed = on
	}
	return nil
}

func postSVM(s *Server, c *call) *response {
	if err := svmFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	name, _, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	if name == "" {
		return fail(errMissing("name"))
	}
	if s.svm(name) != nil {
		return fail(newErr(http.StatusConflict, codeSVMNameInUse, "name", "Duplicate SVM name \"%s\". A Vserver with the same name already exists.", name))
	}
	v := &SVM{Name: name, UUID: uuid.NewString(), Aggregates: []string{}}
	if err := s.applySVMBody(c.body, v); err != nil {
		return fail(err)
	}
	resp := s.async(c, func() { s.createSVM(v) }, nil)
	resp.location = "/api/svm/svms/" + v.UUID
	resp.kind, resp.record = svmKind, func() map[string]any { return s.svmRecord(v) }
	return resp
}

func patchSVM(s *Server, c *call) *response {
	v := s.svm(c.vars["uuid"])
	if v == nil || v.UUID != c.vars["uuid"] {
		return fail(errNotFound("uuid"))
	}
	if err := svmFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	cp := *v
	if err := s.applySVMBody(c.body, &cp); err != nil {
		return fail(err)
	}
	newName, rename, _ := c.body.str("name")
	if rename && newName != v.Name {
		if s.svm(newName) != nil {
			return fail(newErr(http.StatusConflict, codeSVMNameInUse, "name", "Duplicate SVM name \"%s\". A Vserver with the same name already exists.", newName))
		}
	}
	return s.async(c, func() {
		old := v.Name
		*v = cp
		if rename && newName != old {
			v.Name = newName
			s.renameSVMRefs(old, newName)
		}
	}, nil)
}

// renameSVMRefs follows an SVM rename in the objects that refer to it.
func (s *Server) renameSVMRefs(old, name string) {
	for _, x := range s.volumes {
		if x.SVM == old {
			x.SVM = name
		}
	}
	for _, x := range s.exportPols {
		if x.SVM == old {
			x.SVM = name
		}
	}
	for _, x := range s.snapPols {
		if x.SVM == old {
			x.SVM = name
		}
	}
	for _, x := range s.interfaces {
		if x.SVM == old {
			x.SVM = name
		}
	}
}

func deleteSVM(s *Server, c *call) *response {
	v := s.svm(c.vars["uuid"])
	if v == nil || v.UUID != c.vars["uuid"] {
		return fail(errNotFound("uuid"))
	}
	for _, vol := range s.volumes {
		if vol.SVM == v.Name {
			return fail(newErr(http.StatusConflict, codeSVMNotEmpty, "", "Cannot delete Vserver \"%s\" because it contains one or more volumes. Delete the volumes first.", v.Name))
		}
	}
	for _, r := range s.relations {
		if r.DestinationSVM == v.Name {
			return fail(newErr(http.StatusConflict, codeSVMNotEmpty, "", "Cannot delete Vserver \"%s\": it is the destination of SnapMirror relationship \"%s\".", v.Name, r.DestinationPath))
		}
	}
	return s.async(c, func() {
		s.svms = removeFirst(s.svms, func(x *SVM) bool { return x == v })
		s.exportPols = removeAll(s.exportPols, func(x *ExportPolicy) bool { return x.SVM == v.Name })
		s.snapPols = removeAll(s.snapPols, func(x *SnapshotPolicy) bool { return x.SVM == v.Name })
		s.interfaces = removeAll(s.interfaces, func(x *IPInterface) bool { return x.SVM == v.Name })
		s.svmPeers = removeAll(s.svmPeers, func(x *SVMPeer) bool { return x.SVM == v.Name })
	}, nil)
}

// SVMs returns a copy of the SVMs.
func (s *Server) SVMs() []SVM {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	out := make([]SVM, 0, len(s.svms))
	for _, v := range s.svms {
		cp := *v
		cp.Aggregates = append([]string(nil), v.Aggregates...)
		cp.NotAllowed = append([]string(nil), v.NotAllowed...)
		cp.Services = append([]string(nil), v.Services...)
		if v.CIFSServer != nil {
			c := *v.CIFSServer
			cp.CIFSServer = &c
		}
		out = append(out, cp)
	}
	return out
}

// UpdateSVM changes an SVM out of band. The function gets the live SVM.
func (s *Server) UpdateSVM(name string, f func(v *SVM)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.svm(name)
	if v == nil {
		return fmt.Errorf("ontapsim: no SVM %s", name)
	}
	f(v)
	return nil
}

// AddSVM creates a running SVM with an enabled NFS service, out of band.
func (s *Server) AddSVM(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.svm(name) == nil {
		s.createSVM(&SVM{Name: name})
	}
}

func removeFirst[T any](xs []T, f func(T) bool) []T {
	for i, x := range xs {
		if f(x) {
			return append(xs[:i:i], xs[i+1:]...)
		}
	}
	return xs
}

func removeAll[T any](xs []T, f func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if !f(x) {
			out = append(out, x)
		}
	}
	return out
}

func init() {
	handle("/api/svm/svms", map[string]handler{"GET": getSVMs, "POST": postSVM}, false)
	handle("/api/svm/svms/{uuid}", map[string]handler{"GET": getSVM, "PATCH": patchSVM, "DELETE": deleteSVM}, false)
}
