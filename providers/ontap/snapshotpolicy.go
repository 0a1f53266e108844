package ontap

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"

	"github.com/enclave-dev/enclave/providers"
)

const snapshotPoliciesPath = "/api/storage/snapshot-policies"

func init() {
	kinds[typeSnapshotPolicy] = &kind{
		identity: snapshotPolicyIdentity,
		path:     snapshotPoliciesPath,
		fields:   "name,svm.name,enabled,comment,copies.schedule.name,copies.count,copies.prefix",
		object:   snapshotPolicyObject,
		create:   createSnapshotPolicy,
		update:   updateSnapshotPolicy,
		delete: func(ctx context.Context, op *operation) error {
			_, err := op.write(ctx, http.MethodDelete, snapshotPoliciesPath+"/"+op.id(), nil)
			return err
		},
		importFilter: func(id string) (url.Values, error) {
			if q, err := svmAndName(id); err == nil {
				return q, nil
			}
			if id == "" {
				return nil, errors.New("empty")
			}
			return url.Values{"name": {quoteFilter(id)}, "scope": {"cluster"}}, nil
		},
	}
}

func snapshotPolicyObject(r record) providers.Object {
	o := providers.Object{
		"id":      str(r, "uuid"),
		"name":    str(r, "name"),
		"comment": str(r, "comment"),
		"copies":  []any{},
	}
	if en, ok := boolean(r, "enabled"); ok {
		o["enabled"] = en
	}
	if s := str(r, "svm.name"); s != "" {
		o["svm"] = s
	}
	var copies []providers.Object
	for _, c := range list(r, "copies") {
		n, _ := integer(c, "count")
		copies = append(copies, providers.Object{"schedule": str(c, "schedule.name"), "count": n, "prefix": str(c, "prefix")})
	}
	o["copies"] = providers.BlockList(sortCopies(copies))
	return o
}

// normalizeCopies sorts the copies by schedule and fills the prefix ONTAP defaults to the
// schedule name, so a configuration compares equal to what refresh reads.
func normalizeCopies(o providers.Object) []providers.Object {
	var out []providers.Object
	for _, c := range providers.Blocks(o, "copies") {
		n := providers.Object{"schedule": providers.String(c, "schedule"), "count": providers.Int(c, "count"), "prefix": providers.String(c, "prefix")}
		if n["prefix"] == "" {
			n["prefix"] = n["schedule"]
		}
		out = append(out, n)
	}
	return sortCopies(out)
}

func sortCopies(cs []providers.Object) []providers.Object {
	sort.SliceStable(cs, func(i, j int) bool {
		return providers.String(cs[i], "schedule") < providers.String(cs[j], "schedule")
	})
	return cs
}

func copyBody(c providers.Object) map[string]any {
	return map[string]any{
		"schedule": map[string]any{"name": providers.String(c, "schedule")},
		"count":    providers.Int(c, "count"),
		"prefix":   providers.String(c, "prefix"),
	}
}

func createSnapshotPolicy(ctx context.Context, op *operation) (url.Values, error) {
	b := map[string]any{"name": providers.String(op.planned, "name")}
	find := url.Values{"name": {quoteFilter(providers.String(op.planned, "name"))}}
	if s, ok := op.plannedString("svm"); ok && s != "" {
		b["svm"] = map[string]any{"name": s}
		find.Set("svm.name", quoteFilter(s))
	} else {
		find.Set("scope", "cluster")
	}
	if providers.Has(op.planned, "enabled") {
		b["enabled"] = providers.Bool(op.planned, "enabled")
	}
	if c, ok := op.plannedString("comment"); ok {
		b["comment"] = c
	}
	var copies []any
	for _, c := range normalizeCopies(op.planned) {
		copies = append(copies, copyBody(c))
	}
	b["copies"] = copies
	_, err := op.write(ctx, http.MethodPost, snapshotPoliciesPath, b)
	return find, err
}

// updateSnapshotPolicy changes enabled and comment with a PATCH of the policy, and the
// copies through its schedules collection (ONTAP's PATCH of the policy does not take
// copies): new schedules are added before old ones are removed, so the policy never
// passes through having none.
func updateSnapshotPolicy(ctx context.Context, op *operation) error {
	path := snapshotPoliciesPath + "/" + op.id()
	b := map[string]any{}
	if providers.Has(op.planned, "enabled") && providers.Bool(op.planned, "enabled") != providers.Bool(op.prior, "enabled") {
		b["enabled"] = providers.Bool(op.planned, "enabled")
	}
	if op.changed("comment") {
		b["comment"] = providers.String(op.planned, "comment")
	}
	want, have := normalizeCopies(op.planned), normalizeCopies(op.prior)
	if !providers.Has(op.planned, "copies") {
		want = have
	}
	haveBy := map[string]providers.Object{}
	for _, c := range have {
		haveBy[providers.String(c, "schedule")] = c
	}
	wantBy := map[string]bool{}
	var add, patch []providers.Object
	for _, c := range want {
		s := providers.String(c, "schedule")
		wantBy[s] = true
		h, ok := haveBy[s]
		switch {
		case !ok:
			add = append(add, c)
		case providers.Int(h, "count") != providers.Int(c, "count") || providers.String(h, "prefix") != providers.String(c, "prefix"):
			patch = append(patch, c)
		}
	}
	var remove []string
	for _, c := range have {
		if s := providers.String(c, "schedule"); !wantBy[s] {
			remove = append(remove, s)
		}
	}
	if len(b) > 0 {
		if _, err := op.write(ctx, http.MethodPatch, path, b); err != nil {
			return err
		}
	}
	if len(add)+len(patch)+len(remove) == 0 {
		return nil
	}
	// The schedules are addressed by the schedule's uuid.
	scheds, err := op.p.c.getAll(ctx, "/api/cluster/schedules", url.Values{"fields": {"name"}})
	if err != nil {
		return &providers.Error{Addr: op.addr, Device: op.p.device, Call: "GET /api/cluster/schedules", Err: err}
	}
	uuidOf := map[string]string{}
	for _, s := range scheds {
		uuidOf[str(s, "name")] = str(s, "uuid")
	}
	for _, c := range add {
		if _, err := op.write(ctx, http.MethodPost, path+"/schedules", copyBody(c)); err != nil {
			return err
		}
	}
	for _, c := range patch {
		s := providers.String(c, "schedule")
		body := map[string]any{"count": providers.Int(c, "count"), "prefix": providers.String(c, "prefix")}
		if _, err := op.write(ctx, http.MethodPatch, path+"/schedules/"+scheduleRef(uuidOf, s), body); err != nil {
			return err
		}
	}
	for _, s := range remove {
		if _, err := op.write(ctx, http.MethodDelete, path+"/schedules/"+scheduleRef(uuidOf, s), nil); err != nil {
			return err
		}
	}
	return nil
}

func scheduleRef(uuidOf map[string]string, name string) string {
	if u := uuidOf[name]; u != "" {
		return u
	}
	return url.PathEscape(name)
}

// snapshotPolicyIdentity finds a snapshot policy by name, in its SVM or at cluster scope.
func snapshotPolicyIdentity(pl providers.Object) url.Values {
	find := url.Values{"name": {quoteFilter(providers.String(pl, "name"))}}
	if s := providers.String(pl, "svm"); s != "" {
		find.Set("svm.name", quoteFilter(s))
	} else {
		find.Set("scope", "cluster")
	}
	return find
}
