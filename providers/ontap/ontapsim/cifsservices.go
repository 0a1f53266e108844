package ontapsim

import (
	"net/http"
	"strings"
)

// CIFSServer is an SVM's CIFS server (/api/protocols/cifs/services): its
// name and the Active Directory domain it joined. The account that joined
// it is not kept, as ONTAP does not show it.
type CIFSServer struct {
	Name               string
	Domain             string // ad_domain.fqdn
	OrganizationalUnit string // ad_domain.organizational_unit, default CN=Computers
	Comment            string
}

// cifsServiceFields: as of 9.13.1 a CIFS server joins an Active Directory
// domain when it is made, so POST requires name and ad_domain.fqdn, .user
// and .password (workgroup mode came later). PATCH renames, rejoins, and
// switches it on and off (enabled).
var cifsServiceFields = &fieldSet{
	post: []string{"svm.name", "svm.uuid", "name", "enabled", "comment",
		"ad_domain.fqdn", "ad_domain.user", "ad_domain.password", "ad_domain.organizational_unit"},
	patch: []string{"name", "enabled", "comment",
		"ad_domain.fqdn", "ad_domain.user", "ad_domain.password", "ad_domain.organizational_unit"},
	sample: func(s *Server) map[string]any {
		return cifsRecord(&SVM{Name: "x", UUID: "x", CIFSServer: &CIFSServer{Comment: "x"}})
	},
}

func cifsRecord(v *SVM) map[string]any {
	srv := v.CIFSServer
	if srv == nil {
		// enabled out of band without a server: show what ONTAP would name it
		srv = &CIFSServer{Name: strings.ToUpper(v.Name), OrganizationalUnit: "CN=Computers"}
	}
	rec := map[string]any{
		"svm":       map[string]any{"name": v.Name, "uuid": v.UUID, "_links": links("/api/svm/svms/" + v.UUID)},
		"name":      srv.Name,
		"enabled":   v.CIFS,
		"ad_domain": map[string]any{"fqdn": srv.Domain, "organizational_unit": srv.OrganizationalUnit},
		"_links":    links(servicePaths["cifs"] + "/" + v.UUID),
	}
	if srv.Comment != "" {
		rec["comment"] = srv.Comment
	}
	return rec
}

// cifsServerFromBody reads a new CIFS server from a body, its fields under
// prefix ("" for the services endpoint, "cifs." in an SVM POST), requiring
// what ONTAP requires.
func cifsServerFromBody(b body, prefix string) (*CIFSServer, *apiError) {
	srv := &CIFSServer{OrganizationalUnit: "CN=Computers"}
	for _, f := range []struct {
		path string
		dst  *string
	}{{"name", &srv.Name}, {"ad_domain.fqdn", &srv.Domain}, {"ad_domain.user", nil}, {"ad_domain.password", nil}} {
		v, _, err := b.str(prefix + f.path)
		if err != nil {
			return nil, err
		}
		if v == "" {
			return nil, errMissing(prefix + f.path)
		}
		if f.dst != nil {
			*f.dst = v
		}
	}
	if err := validCIFSName(prefix+"name", srv.Name); err != nil {
		return nil, err
	}
	if ou, ok, err := b.str(prefix + "ad_domain.organizational_unit"); err != nil {
		return nil, err
	} else if ok && ou != "" {
		srv.OrganizationalUnit = ou
	}
	if c, _, err := b.str(prefix + "comment"); err != nil {
		return nil, err
	} else {
		srv.Comment = c
	}
	return srv, nil
}

// validCIFSName: up to 15 characters, none of @ # * ( ) = + [ ] | ; : " , < > / ?
func validCIFSName(field, name string) *apiError {
	if len(name) > 15 || strings.ContainsAny(name, `@#*()=+[]|;:",<>/?\`) {
		return errInvalidValue(field, name, "up to 15 characters, none of @ # * ( ) = + [ ] | ; : \" , < > \\ / ?")
	}
	return nil
}

// cifsServerFromSVMBody makes the CIFS server an SVM POST asks for: with
// cifs.enabled true, or a cifs.name or cifs.ad_domain, it requires the
// server's name and domain as the services endpoint does ("cifs - If
// provided, ... cifs.name, cifs.ad_domain.fqdn, .user, .password" are
// required, ONTAP's POST /svm/svms). cifs.allowed alone makes no server.
func cifsServerFromSVMBody(b body, v *SVM, on, set bool) *apiError {
	if !(set && on) && !b.has("cifs.name") && !b.has("cifs.ad_domain") {
		return nil
	}
	srv, err := cifsServerFromBody(b, "cifs.")
	if err != nil {
		return err
	}
	v.CIFSServer = srv
	v.setService("cifs", on || !set)
	return nil
}

// cifsOf finds the path's SVM and its CIFS server.
func (s *Server) cifsOf(c *call) (*SVM, *apiError) {
	id := c.vars["svm.uuid"]
	v := s.svm(id)
	if v == nil || v.UUID != id || !v.hasService("cifs") {
		return nil, errNotFound("svm.uuid")
	}
	return v, nil
}

func getCIFSServices(s *Server, c *call) *response {
	var recs []map[string]any
	for _, v := range s.svms {
		if v.hasService("cifs") {
			recs = append(recs, cifsRecord(v))
		}
	}
	return ok(200, serviceKind.collection(c.path, c.q, recs))
}

func getCIFSService(s *Server, c *call) *response {
	v, err := s.cifsOf(c)
	if err != nil {
		return fail(err)
	}
	return ok(200, serviceKind.project(cifsRecord(v), c.q.fields, false))
}

// postCIFSService joins the SVM's new CIFS server to its domain: a job, as
// on ONTAP.
func postCIFSService(s *Server, c *call) *response {
	if err := cifsServiceFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	v, err := s.svmFromBody(c.body)
	if err != nil {
		return fail(err)
	}
	if err := serviceAllowed(v, "cifs", "CIFS"); err != nil {
		return fail(err)
	}
	if v.hasService("cifs") {
		return fail(newErr(http.StatusConflict, codeDuplicate, "svm", "Duplicate entry: SVM \"%s\" already has a CIFS server.", v.Name))
	}
	srv, err := cifsServerFromBody(c.body, "")
	if err != nil {
		return fail(err)
	}
	on, set, err := c.body.bool("enabled")
	if err != nil {
		return fail(err)
	}
	resp := s.async(c, func() {
		v.CIFSServer = srv
		v.setService("cifs", on || !set)
	}, nil)
	resp.location = servicePaths["cifs"] + "/" + v.UUID
	resp.kind, resp.record = serviceKind, func() map[string]any { return cifsRecord(v) }
	return resp
}

// patchCIFSService: renaming the server or changing its domain needs it
// disabled first ("Ensure the CIFS server is administratively disabled when
// renaming the CIFS server or modifying the ad_domain properties").
func patchCIFSService(s *Server, c *call) *response {
	v, err := s.cifsOf(c)
	if err != nil {
		return fail(err)
	}
	if err := cifsServiceFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	srv := CIFSServer{Name: strings.ToUpper(v.Name), OrganizationalUnit: "CN=Computers"}
	if v.CIFSServer != nil {
		srv = *v.CIFSServer
	}
	name, rename, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	rename = rename && name != srv.Name
	if rename {
		if err := validCIFSName("name", name); err != nil {
			return fail(err)
		}
	}
	if (rename || c.body.has("ad_domain")) && v.CIFS {
		return fail(newErr(http.StatusBadRequest, codeCIFSRenameEnabled, "enabled",
			"The CIFS server must be administratively disabled to change its name or Active Directory domain."))
	}
	if rename {
		srv.Name = name
	}
	if d, ok, err := c.body.str("ad_domain.fqdn"); err != nil {
		return fail(err)
	} else if ok {
		srv.Domain = d
	}
	if ou, ok, err := c.body.str("ad_domain.organizational_unit"); err != nil {
		return fail(err)
	} else if ok {
		srv.OrganizationalUnit = ou
	}
	if cm, ok, err := c.body.str("comment"); err != nil {
		return fail(err)
	} else if ok {
		srv.Comment = cm
	}
	on, set, err := c.body.bool("enabled")
	if err != nil {
		return fail(err)
	}
	return s.async(c, func() {
		v.CIFSServer = &srv
		if set {
			v.setService("cifs", on)
		}
	}, nil)
}

// deleteCIFSService removes the server; the body may carry the account
// that removes it from the domain (ad_domain.user, .password), and force.
func deleteCIFSService(s *Server, c *call) *response {
	v, err := s.cifsOf(c)
	if err != nil {
		return fail(err)
	}
	if err := c.body.check("ad_domain.user", "ad_domain.password", "ad_domain.fqdn", "ad_domain.organizational_unit", "force"); err != nil {
		return fail(err)
	}
	return s.async(c, func() { v.removeService("cifs") }, nil)
}

func init() {
	handle(servicePaths["cifs"], map[string]handler{"GET": getCIFSServices, "POST": postCIFSService}, false)
	handle(servicePaths["cifs"]+"/{svm.uuid}", map[string]handler{"GET": getCIFSService, "PATCH": patchCIFSService, "DELETE": deleteCIFSService}, false)
}
