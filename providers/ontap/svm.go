package ontap

import (
	"context"
	"net/http"
	"net/url"
	"sort"

	"github.com/enclave-dev/enclave/providers"
)

// svmProtocols are the protocol switches an SVM carries, in the order ONTAP lists them.
var svmProtocols = []string{"nfs", "cifs", "iscsi", "fcp", "nvme"}

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
// nil). Protocols missing from the list are switched off only on update: on create they are
// off already.
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
	if op.changed("protocols") || create && providers.Has(op.planned, "protocols") {
		on := map[string]bool{}
		for _, p := range providers.Strings(op.planned, "protocols") {
			on[p] = true
		}
		for _, p := range svmProtocols {
			if on[p] || !create {
				b[p] = map[string]any{"enabled": on[p]}
			}
		}
	}
	return b
}

func createSVM(ctx context.Context, op *operation) (url.Values, error) {
	_, err := op.write(ctx, http.MethodPost, "/api/svm/svms", svmBody(op))
	return url.Values{"name": {quoteFilter(providers.String(op.planned, "name"))}}, err
}

func updateSVM(ctx context.Context, op *operation) error {
	b := svmBody(op)
	if len(b) == 0 {
		return nil
	}
	_, err := op.write(ctx, http.MethodPatch, "/api/svm/svms/"+op.id(), b)
	return err
}
