package ontap

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/enclave-dev/enclave/providers"
)

const exportPoliciesPath = "/api/protocols/nfs/export-policies"

func init() {
	kinds[typeExportPolicy] = &kind{
		identity: func(pl providers.Object) url.Values {
			return url.Values{"svm.name": {quoteFilter(providers.String(pl, "svm"))}, "name": {quoteFilter(providers.String(pl, "name"))}}
		},
		path:   exportPoliciesPath,
		fields: "name,svm.name,rules.index,rules.clients.match,rules.protocols,rules.ro_rule,rules.rw_rule,rules.superuser",
		idKey:  "id",
		object: exportPolicyObject,
		create: func(ctx context.Context, op *operation) (url.Values, error) {
			b := map[string]any{
				"name":  providers.String(op.planned, "name"),
				"svm":   map[string]any{"name": providers.String(op.planned, "svm")},
				"rules": rulesBody(op.planned),
			}
			_, err := op.write(ctx, http.MethodPost, exportPoliciesPath, b)
			return url.Values{"svm.name": {quoteFilter(providers.String(op.planned, "svm"))}, "name": {quoteFilter(providers.String(op.planned, "name"))}}, err
		},
		// The rules are replaced as a whole, in one PATCH: ONTAP renumbers rules on every
		// insert and delete, so editing them one by one would pass through orders that were
		// never asked for.
		update: func(ctx context.Context, op *operation) error {
			b := map[string]any{}
			if op.changed("name") {
				b["name"] = providers.String(op.planned, "name")
			}
			if fmt.Sprint(normalizeRules(op.planned)) != fmt.Sprint(normalizeRules(op.prior)) {
				b["rules"] = rulesBody(op.planned)
			}
			if len(b) == 0 {
				return nil
			}
			_, err := op.write(ctx, http.MethodPatch, exportPoliciesPath+"/"+op.id(), b)
			return err
		},
		delete: func(ctx context.Context, op *operation) error {
			_, err := op.write(ctx, http.MethodDelete, exportPoliciesPath+"/"+op.id(), nil)
			return err
		},
		importFilter: svmAndName,
	}
}

func exportPolicyObject(r record) providers.Object {
	rules := []any{}
	for _, rr := range list(r, "rules") {
		var clients []string
		for _, c := range list(rr, "clients") {
			clients = append(clients, str(c, "match"))
		}
		rules = append(rules, map[string]any{
			"clients":   providers.StringList(clients),
			"protocols": providers.StringList(strs(rr, "protocols")),
			"ro_rule":   providers.StringList(strs(rr, "ro_rule")),
			"rw_rule":   providers.StringList(strs(rr, "rw_rule")),
			"superuser": providers.StringList(strs(rr, "superuser")),
		})
	}
	return providers.Object{
		"id":   str(r, "id"),
		"name": str(r, "name"),
		"svm":  str(r, "svm.name"),
		"rule": rules,
	}
}

// ruleDefaults are ONTAP's for the optional rule fields.
var ruleDefaults = map[string][]string{"protocols": {"any"}, "superuser": {"none"}}

// normalizeRules gives the rules of an object in the form the cluster reports: every field
// present, defaults filled in.
func normalizeRules(o providers.Object) []any {
	out := []any{}
	for _, r := range providers.Blocks(o, "rule") {
		n := map[string]any{}
		for _, k := range []string{"clients", "protocols", "ro_rule", "rw_rule", "superuser"} {
			v := providers.Strings(r, k)
			if len(v) == 0 {
				v = ruleDefaults[k]
			}
			n[k] = providers.StringList(v)
		}
		out = append(out, n)
	}
	return out
}

func rulesBody(o providers.Object) []any {
	out := []any{}
	for _, r := range normalizeRules(o) {
		m := r.(map[string]any)
		var clients []any
		for _, c := range providers.Strings(m, "clients") {
			clients = append(clients, map[string]any{"match": c})
		}
		out = append(out, map[string]any{
			"clients":   clients,
			"protocols": m["protocols"],
			"ro_rule":   m["ro_rule"],
			"rw_rule":   m["rw_rule"],
			"superuser": m["superuser"],
		})
	}
	return out
}
