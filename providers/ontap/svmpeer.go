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

const typeSVMPeer = "ontap_svm_peer"

// SVM peering is what SnapMirror between two clusters needs after cluster peering: the
// destination SVM peers with the source SVM for the snapmirror application. Created on the
// destination cluster's provider, like the relationships that depend on it.
func init() {
	kinds[typeSVMPeer] = &kind{
		identity: func(pl providers.Object) url.Values {
			return url.Values{"svm.name": {quoteFilter(providers.String(pl, "svm"))}, "peer.svm.name": {quoteFilter(providers.String(pl, "peer_svm"))}}
		},
		path:   "/api/svm/peers",
		fields: "svm.name,peer.svm.name,peer.cluster.name,applications,state",
		object: svmPeerObject,
		create: func(ctx context.Context, op *operation) (url.Values, error) {
			b := map[string]any{
				"svm":          map[string]any{"name": providers.String(op.planned, "svm")},
				"peer":         map[string]any{"svm": map[string]any{"name": providers.String(op.planned, "peer_svm")}, "cluster": map[string]any{"name": providers.String(op.planned, "peer_cluster")}},
				"applications": providers.StringList(peerApps(op.planned)),
			}
			_, err := op.write(ctx, http.MethodPost, "/api/svm/peers", b)
			return url.Values{"svm.name": {quoteFilter(providers.String(op.planned, "svm"))}, "peer.svm.name": {quoteFilter(providers.String(op.planned, "peer_svm"))}}, err
		},
		update: func(ctx context.Context, op *operation) error {
			if !op.changed("applications") {
				return nil
			}
			_, err := op.write(ctx, http.MethodPatch, "/api/svm/peers/"+op.id(), map[string]any{"applications": providers.StringList(peerApps(op.planned))})
			return err
		},
		delete: func(ctx context.Context, op *operation) error {
			_, err := op.write(ctx, http.MethodDelete, "/api/svm/peers/"+op.id(), nil)
			return err
		},
		importFilter: func(id string) (url.Values, error) {
			local, peer, ok := strings.Cut(id, ":")
			if !ok || local == "" || peer == "" {
				return nil, errors.New("not svm:peer_svm")
			}
			return url.Values{"svm.name": {quoteFilter(local)}, "peer.svm.name": {quoteFilter(peer)}}, nil
		},
	}
}

func peerApps(o providers.Object) []string {
	apps := providers.Strings(o, "applications")
	if len(apps) == 0 {
		apps = []string{"snapmirror"}
	}
	sort.Strings(apps)
	return apps
}

func svmPeerObject(r record) providers.Object {
	var apps []string
	if v, ok := lookup(r, "applications"); ok {
		if arr, ok := v.([]any); ok {
			for _, a := range arr {
				if s, ok := a.(string); ok {
					apps = append(apps, s)
				}
			}
		}
	}
	sort.Strings(apps)
	return providers.Object{
		"id":           str(r, "uuid"),
		"svm":          str(r, "svm.name"),
		"peer_svm":     str(r, "peer.svm.name"),
		"peer_cluster": str(r, "peer.cluster.name"),
		"applications": providers.StringList(apps),
		"state":        str(r, "state"),
	}
}
