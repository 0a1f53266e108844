package ontapsim

import (
	"fmt"
	"net/http"
	"strings"
)

// The protocol services of an SVM: /api/protocols/nfs/services,
// /api/protocols/san/iscsi/services, /api/protocols/san/fcp/services and
// /api/protocols/nvme/services here, /api/protocols/cifs/services in
// cifsservices.go. Each SVM has at most one service per protocol, addressed
// by the SVM's uuid; its enabled is what the SVM record shows as
// <protocol>.enabled, and the SVM record links to it. A service is made with
// the SVM (POST /api/svm/svms with <protocol>.enabled) or by POST here, and
// switched on and off only here: ONTAP refuses <protocol>.enabled in an SVM
// PATCH (README.md, N4).

// servicePaths are the collections of the protocols' services.
var servicePaths = map[string]string{
	"nfs":   "/api/protocols/nfs/services",
	"cifs":  "/api/protocols/cifs/services",
	"iscsi": "/api/protocols/san/iscsi/services",
	"fcp":   "/api/protocols/san/fcp/services",
	"nvme":  "/api/protocols/nvme/services",
}

// Error codes of the services endpoints, from their pages of ONTAP's REST
// reference (9.6 to 9.15.1); README.md marks the ones that are the
// simulator's choice.
const (
	codeSvcSVMMissing      = "2621462"  // "An SVM with the specified UUID does not exist." (iscsi, fcp, nvme)
	codeSvcNotAllowed      = "2621507"  // "NVMe is not allowed for the specified SVM." (nvme; sim for the others)
	codeISCSIMissing       = "5374078"  // "The SVM does not have an iSCSI service."
	codeFCPMissing         = "5374083"  // "There is no Fibre Channel Protocol service for the specified SVM."
	codeNVMeMissing        = "72089651" // "The supplied SVM does not have an NVMe service."
	codeSANEnabledDelete   = "5373960"  // iscsi, fcp: delete while enabled
	codeNVMeEnabledDelete  = "72090028" // nvme: delete while enabled
	codeCIFSRenameEnabled  = "655918"   // sim: rename or domain change of an enabled CIFS server
	codeServiceDuplicateOf = codeDuplicate
)

// protocolService is one protocol's services endpoint.
type protocolService struct {
	proto string // nfs, iscsi, fcp, nvme
	label string // the protocol as ONTAP's messages name it
	// missing is the answer for an SVM without the service.
	missing func(v *SVM) *apiError
	// noSVM is the answer for a path naming no SVM.
	noSVM func(id string) *apiError
	// enabledDelete refuses to delete an enabled service; nil when ONTAP
	// deletes it enabled (NFS).
	enabledDelete *apiError
	fields        *fieldSet
	// extra adds the protocol's own fields to a record.
	extra func(s *Server, v *SVM, rec map[string]any)
	// apply reads the protocol's own writable fields.
	apply func(b body, v *SVM) *apiError
}

var serviceKind = &kind{keys: []string{"svm.uuid", "svm.name"}, sortKey: "svm.uuid"}

func svmGone(id string) *apiError {
	return newErr(http.StatusNotFound, codeSvcSVMMissing, "", "An SVM with the specified UUID \"%s\" does not exist.", id)
}

var (
	nfsService = &protocolService{
		proto: "nfs", label: "NFS",
		// ONTAP's reference lists no code for these; 4 is its generic one
		missing: func(v *SVM) *apiError { return errNotFound("svm.uuid") },
		noSVM:   func(string) *apiError { return errNotFound("svm.uuid") },
		extra: func(s *Server, v *SVM, rec map[string]any) {
			state := "offline"
			if v.NFS && v.State == "running" {
				state = "online"
			}
			rec["state"] = state
		},
	}
	iscsiService = &protocolService{
		proto: "iscsi", label: "iSCSI",
		missing: func(v *SVM) *apiError {
			return newErr(http.StatusNotFound, codeISCSIMissing, "", "The SVM does not have an iSCSI service.")
		},
		noSVM:         svmGone,
		enabledDelete: newErr(http.StatusConflict, codeSANEnabledDelete, "", "The iSCSI service is enabled. The iSCSI service must be disabled before it can be deleted."),
		extra: func(s *Server, v *SVM, rec map[string]any) {
			alias := v.ISCSIAlias
			if alias == "" {
				alias = v.Name
			}
			rec["target"] = map[string]any{"name": iscsiTargetName(s, v), "alias": alias}
		},
		apply: func(b body, v *SVM) *apiError {
			alias, ok, err := b.str("target.alias")
			if err != nil {
				return err
			}
			if ok {
				if alias == "" || len(alias) > 128 {
					return errInvalidValue("target.alias", alias, "1..128 characters")
				}
				v.ISCSIAlias = alias
			}
			return nil
		},
	}
	fcpService = &protocolService{
		proto: "fcp", label: "Fibre Channel Protocol",
		missing: func(v *SVM) *apiError {
			return newErr(http.StatusNotFound, codeFCPMissing, "", "There is no Fibre Channel Protocol service for the specified SVM.")
		},
		noSVM:         svmGone,
		enabledDelete: newErr(http.StatusConflict, codeSANEnabledDelete, "", "The Fibre Channel Protocol service cannot be removed while it is enabled."),
		extra: func(s *Server, v *SVM, rec map[string]any) {
			rec["target"] = map[string]any{"name": fcpTargetName(v)}
		},
	}
	nvmeService = &protocolService{
		proto: "nvme", label: "NVMe",
		missing: func(v *SVM) *apiError {
			return newErr(http.StatusNotFound, codeNVMeMissing, "", "The supplied SVM does not have an NVMe service.")
		},
		noSVM:         svmGone,
		enabledDelete: newErr(http.StatusConflict, codeNVMeEnabledDelete, "", "The NVMe service is enabled. The NVMe service must be disabled before it can be deleted."),
	}
)

func init() {
	// POST takes the SVM and enabled (default true), PATCH enabled; the SVM
	// is the key, and a PATCH naming it is refused as export policies refuse
	// it (E2). iSCSI also takes target.alias.
	for _, ps := range []*protocolService{nfsService, iscsiService, fcpService, nvmeService} {
		ps := ps
		post, patch := []string{"svm.name", "svm.uuid", "enabled"}, []string{"enabled"}
		if ps.proto == "iscsi" {
			post, patch = append(post, "target.alias"), append(patch, "target.alias")
		}
		ps.fields = &fieldSet{post: post, patch: patch, sample: func(s *Server) map[string]any {
			return ps.record(s, &SVM{Name: "x", UUID: "x", State: "running"})
		}}
		path := servicePaths[ps.proto]
		handle(path, map[string]handler{"GET": ps.getAll, "POST": ps.post}, false)
		handle(path+"/{svm.uuid}", map[string]handler{"GET": ps.get, "PATCH": ps.patch, "DELETE": ps.delete}, false)
	}
}

// record is the service as GET shows it.
func (ps *protocolService) record(s *Server, v *SVM) map[string]any {
	rec := map[string]any{
		"svm":     map[string]any{"name": v.Name, "uuid": v.UUID, "_links": links("/api/svm/svms/" + v.UUID)},
		"enabled": *v.enabledFlag(ps.proto),
		"_links":  links(servicePaths[ps.proto] + "/" + v.UUID),
	}
	if ps.extra != nil {
		ps.extra(s, v, rec)
	}
	return rec
}

func (ps *protocolService) getAll(s *Server, c *call) *response {
	var recs []map[string]any
	for _, v := range s.svms {
		if v.hasService(ps.proto) {
			recs = append(recs, ps.record(s, v))
		}
	}
	return ok(200, serviceKind.collection(c.path, c.q, recs))
}

// svmOf finds the path's SVM and its service.
func (ps *protocolService) svmOf(s *Server, c *call) (*SVM, *apiError) {
	id := c.vars["svm.uuid"]
	v := s.svm(id)
	if v == nil || v.UUID != id {
		return nil, ps.noSVM(id)
	}
	if !v.hasService(ps.proto) {
		return nil, ps.missing(v)
	}
	return v, nil
}

func (ps *protocolService) get(s *Server, c *call) *response {
	v, err := ps.svmOf(s, c)
	if err != nil {
		return fail(err)
	}
	return ok(200, serviceKind.project(ps.record(s, v), c.q.fields, false))
}

// post creates the SVM's service, enabled unless the body says otherwise.
// These services are synchronous on ONTAP: 201, no job.
func (ps *protocolService) post(s *Server, c *call) *response {
	if err := ps.fields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	v, err := s.svmFromBody(c.body)
	if err != nil {
		return fail(err)
	}
	if err := serviceAllowed(v, ps.proto, ps.label); err != nil {
		return fail(err)
	}
	if v.hasService(ps.proto) {
		return fail(newErr(http.StatusConflict, codeServiceDuplicateOf, "svm", "Duplicate entry: SVM \"%s\" already has a service for %s.", v.Name, ps.label))
	}
	on, set, err := c.body.bool("enabled")
	if err != nil {
		return fail(err)
	}
	cp := *v
	if ps.apply != nil {
		if err := ps.apply(c.body, &cp); err != nil {
			return fail(err)
		}
	}
	cp.setService(ps.proto, on || !set)
	*v = cp
	return s.created(c, servicePaths[ps.proto]+"/"+v.UUID, serviceKind, func() map[string]any { return ps.record(s, v) })
}

func (ps *protocolService) patch(s *Server, c *call) *response {
	v, err := ps.svmOf(s, c)
	if err != nil {
		return fail(err)
	}
	if err := ps.fields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	on, set, err := c.body.bool("enabled")
	if err != nil {
		return fail(err)
	}
	cp := *v
	if ps.apply != nil {
		if err := ps.apply(c.body, &cp); err != nil {
			return fail(err)
		}
	}
	if set {
		*cp.enabledFlag(ps.proto) = on
	}
	*v = cp
	return ok(200, nil)
}

func (ps *protocolService) delete(s *Server, c *call) *response {
	v, err := ps.svmOf(s, c)
	if err != nil {
		return fail(err)
	}
	if ps.enabledDelete != nil && *v.enabledFlag(ps.proto) {
		e := *ps.enabledDelete
		return fail(&e)
	}
	v.removeService(ps.proto)
	if ps.proto == "iscsi" {
		v.ISCSIAlias = ""
	}
	return ok(200, nil)
}

// serviceAllowed refuses a service for a protocol the SVM does not allow
// (vserver remove-protocols, <protocol>.allowed false).
func serviceAllowed(v *SVM, proto, label string) *apiError {
	if v.allowed(proto) {
		return nil
	}
	return newErr(http.StatusBadRequest, codeSvcNotAllowed, "", "%s is not allowed for the specified SVM.", label)
}

// iscsiTargetName is the SVM's iSCSI target, in ONTAP's form
// iqn.1992-08.com.netapp:sn.<uuid without dashes>:vs.<n>.
func iscsiTargetName(s *Server, v *SVM) string {
	n := 1
	for i, x := range s.svms {
		if x == v {
			n = i + 1
		}
	}
	return fmt.Sprintf("iqn.1992-08.com.netapp:sn.%s:vs.%d", strings.ReplaceAll(v.UUID, "-", ""), n)
}

// fcpTargetName is a world wide node name derived from the SVM's uuid.
func fcpTargetName(v *SVM) string {
	hex := strings.ReplaceAll(v.UUID, "-", "") + "000000000000"
	parts := []string{"20", "00"}
	for i := 0; i < 12; i += 2 {
		parts = append(parts, hex[i:i+2])
	}
	return strings.Join(parts, ":")
}
