package ontap

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/enclave-dev/enclave/providers"
)

// svmProtocols are the protocol switches an SVM carries, in the order ONTAP lists them.
var svmProtocols = []string{"nfs", "cifs", "iscsi", "fcp", "nvme"}

// servicePaths are the protocols' services collections. ONTAP takes <protocol>.enabled in an
// SVM POST only; an existing SVM's protocols are switched through these, each service
// addressed by the SVM's uuid (PATCH .../{svm.uuid} {"enabled": ...}), or made by a POST
// when the SVM has none.
var servicePaths = map[string]string{
	"nfs":   "/api/protocols/nfs/services",
	"cifs":  "/api/protocols/cifs/services",
	"iscsi": "/api/protocols/san/iscsi/services",
	"fcp":   "/api/protocols/san/fcp/services",
	"nvme":  "/api/protocols/nvme/services",
}

// errCIFSOnCreate and errCIFSNoServer: a CIFS server joins an Active Directory domain when it
// is made, so ONTAP makes one only given its name and the domain's name and an account to
// join it with, which ontap_svm does not carry. enclave switches an existing server on and
// off; it does not make one.
var (
	errCIFSOnCreate = errors.New("protocols: cifs cannot be enabled as the SVM is created: ONTAP makes its CIFS server " +
		"only given the server's name and an Active Directory domain to join (cifs.name, cifs.ad_domain.fqdn, " +
		"cifs.ad_domain.user, cifs.ad_domain.password), which ontap_svm does not carry; create the SVM without cifs, " +
		"create its CIFS server on the cluster (vserver cifs create, or NetApp's na_ontap_cifs_server), then add cifs")
	errCIFSNoServer = errors.New("protocols: cifs cannot be enabled: the SVM has no CIFS server, and ONTAP makes one " +
		"only given its name and an Active Directory domain to join (POST /api/protocols/cifs/services requires name, " +
		"ad_domain.fqdn, ad_domain.user and ad_domain.password), which ontap_svm does not carry; create the CIFS server " +
		"on the cluster (vserver cifs create, or NetApp's na_ontap_cifs_server), then apply again")
)

func validProtocol(p string) bool {
	for _, x := range svmProtocols {
		if x == p {
			return true
		}
	}
	return false
}

func init() {
	kinds[typeSVM] = &kind{
		identity: func(pl providers.Object) url.Values {
			return url.Values{"name": {quoteFilter(providers.String(pl, "name"))}}
		},
		path:   "/api/svm/svms",
		fields: "name,aggregates.name,comment,nfs.enabled,cifs.enabled,iscsi.enabled,fcp.enabled,nvme.enabled",
		object: svmObject,
		create: createSVM,
		update: updateSVM,
		delete: func(ctx context.Context, op *operation) error {
			_, err := op.write(ctx, http.MethodDelete, "/api/svm/svms/"+op.id(), nil)
			return err
		},
		importFilter: func(id string) (url.Values, error) {
			return url.Values{"name": {quoteFilter(id)}}, nil
		},
	}
	dataKinds[typeSVM] = &dataKind{
		path:   "/api/svm/svms",
		fields: "name,state,aggregates.name,comment,nfs.enabled,cifs.enabled,iscsi.enabled,fcp.enabled,nvme.enabled",
		object: func(r record) providers.Object {
			o := svmObject(r)
			o["state"] = str(r, "state")
			return o
		},
	}
}

func svmObject(r record) providers.Object {
	aggrs := names(r, "aggregates")
	sort.Strings(aggrs)
	var protos []string
	for _, p := range svmProtocols {
		if on, _ := boolean(r, p+".enabled"); on {
			protos = append(protos, p)
		}
	}
	sort.Strings(protos) // a set: sorted, as Normalize and Conform sort them
	return providers.Object{
		"id":         str(r, "uuid"),
		"name":       str(r, "name"),
		"aggregates": providers.StringList(aggrs),
		"protocols":  providers.StringList(protos),
		"comment":    str(r, "comment"),
	}
}

func nameRefs(ns []string) []any {
	out := make([]any, len(ns))
	for i, n := range ns {
		out[i] = map[string]any{"name": n}
	}
	return out
}

// svmBody renders the SVM fields planned differs from prior in (all set ones when prior is
// nil). Protocols go in the body only on create, as <protocol>.enabled for the enabled ones:
// on update ONTAP refuses them (updateSVM switches them through their services).
func svmBody(op *operation) map[string]any {
	b := map[string]any{}
	create := op.prior == nil
	if create || op.changed("name") {
		b["name"] = providers.String(op.planned, "name")
	}
	if op.changed("comment") || create && providers.Has(op.planned, "comment") {
		b["comment"] = providers.String(op.planned, "comment")
	}
	if op.changed("aggregates") || create && providers.Has(op.planned, "aggregates") {
		b["aggregates"] = nameRefs(providers.Strings(op.planned, "aggregates"))
	}
	if create {
		for _, p := range providers.Strings(op.planned, "protocols") {
			b[p] = map[string]any{"enabled": true}
		}
	}
	return b
}

func createSVM(ctx context.Context, op *operation) (url.Values, error) {
	find := url.Values{"name": {quoteFilter(providers.String(op.planned, "name"))}}
	for _, p := range providers.Strings(op.planned, "protocols") {
		if p == "cifs" {
			return find, op.fail(errCIFSOnCreate)
		}
	}
	_, err := op.write(ctx, http.MethodPost, "/api/svm/svms", svmBody(op))
	return find, err
}

// updateSVM PATCHes the SVM's own fields, then switches each protocol whose planned state
// differs from prior through its service: one write per protocol, a PATCH of enabled, or a
// POST when the SVM has no service for it yet. Which services exist, one GET of the SVM tells
// (the record links each one, as NetApp's na_ontap_svm reads it); a protocol already as
// planned is left alone. Enabling cifs without a CIFS server is refused before any write.
func updateSVM(ctx context.Context, op *operation) error {
	path := "/api/svm/svms/" + op.id()
	switches, err := op.protocolSwitches(ctx, path)
	if err != nil {
		return err
	}
	if b := svmBody(op); len(b) > 0 {
		if _, err := op.write(ctx, http.MethodPatch, path, b); err != nil {
			return err
		}
	}
	for _, sw := range switches {
		if _, err := op.write(ctx, sw.method, sw.path, sw.body); err != nil {
			return err
		}
	}
	return nil
}

// serviceSwitch is one protocol's write.
type serviceSwitch struct {
	method, path string
	body         map[string]any
}

// protocolSwitches are the writes that bring the SVM's protocols from what the cluster holds to
// planned, for the protocols planned changes from prior, in ONTAP's order.
func (op *operation) protocolSwitches(ctx context.Context, svmPath string) ([]serviceSwitch, error) {
	if !op.changed("protocols") {
		return nil, nil
	}
	want, had := map[string]bool{}, map[string]bool{}
	for _, p := range providers.Strings(op.planned, "protocols") {
		want[p] = true
	}
	for _, p := range providers.Strings(op.prior, "protocols") {
		had[p] = true
	}
	var fields []string
	for _, p := range svmProtocols {
		if want[p] != had[p] {
			fields = append(fields, p)
		}
	}
	if len(fields) == 0 {
		return nil, nil
	}
	q := url.Values{"fields": {strings.Join(fields, ",")}}
	rec, err := op.p.c.do(ctx, http.MethodGet, svmPath, q, nil)
	if err != nil {
		return nil, &providers.Error{Addr: op.addr, Device: op.p.device, Call: callName(http.MethodGet, svmPath), Err: err}
	}
	id := op.id()
	var out []serviceSwitch
	for _, p := range fields {
		on, _ := boolean(rec, p+".enabled")
		if on == want[p] {
			continue
		}
		exists := str(rec, p+"._links.self.href") != ""
		switch {
		case want[p] && !exists && p == "cifs":
			return nil, op.fail(errCIFSNoServer)
		case want[p] && !exists:
			out = append(out, serviceSwitch{http.MethodPost, servicePaths[p],
				map[string]any{"svm": map[string]any{"uuid": id}, "enabled": true}})
		default:
			out = append(out, serviceSwitch{http.MethodPatch, servicePaths[p] + "/" + id, map[string]any{"enabled": want[p]}})
		}
	}
	return out, nil
}
