package ontap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/enclave-dev/enclave/providers"
)

const volumesPath = "/api/storage/volumes"

func init() {
	kinds[typeVolume] = &kind{
		identity: func(pl providers.Object) url.Values {
			return url.Values{"svm.name": {quoteFilter(providers.String(pl, "svm"))}, "name": {quoteFilter(providers.String(pl, "name"))}}
		},
		path: volumesPath,
		fields: "name,svm.name,aggregates.name,size,type,nas.path,nas.export_policy.name,snapshot_policy.name," +
			"guarantee.type,autosize.mode,efficiency.compression,efficiency.dedupe,state,comment",
		object:       volumeObject,
		create:       createVolume,
		update:       updateVolume,
		delete:       deleteVolume,
		importFilter: svmAndName,
	}
}

func volumeObject(r record) providers.Object {
	aggr := ""
	if ns := names(r, "aggregates"); len(ns) > 0 {
		aggr = ns[0]
	}
	eff := str(r, "efficiency.compression")
	if d := str(r, "efficiency.dedupe"); d != eff {
		eff = "mixed"
	}
	size := ""
	if n, ok := integer(r, "size"); ok {
		size = fmt.Sprint(n)
	}
	return providers.Object{
		"id":              str(r, "uuid"),
		"name":            str(r, "name"),
		"svm":             str(r, "svm.name"),
		"aggregate":       aggr,
		"size":            size,
		"type":            str(r, "type"),
		"junction_path":   str(r, "nas.path"),
		"export_policy":   str(r, "nas.export_policy.name"),
		"snapshot_policy": str(r, "snapshot_policy.name"),
		"guarantee":       str(r, "guarantee.type"),
		"autosize":        str(r, "autosize.mode"),
		"efficiency":      eff,
		"state":           str(r, "state"),
		"comment":         str(r, "comment"),
	}
}

// volumeBody renders the in-place fields planned sets and prior lacks or differs in (every
// set one on create). state is left to the caller, which orders it against the rest.
func volumeBody(op *operation) (map[string]any, error) {
	b := map[string]any{}
	create := op.prior == nil
	set := func(k string) bool { return op.changed(k) || create && providers.Has(op.planned, k) }
	if set("name") {
		b["name"] = providers.String(op.planned, "name")
	}
	if set("size") {
		n, err := parseSize(providers.String(op.planned, "size"))
		if err != nil {
			return nil, err
		}
		b["size"] = n
	}
	nas := map[string]any{}
	if set("junction_path") {
		nas["path"] = providers.String(op.planned, "junction_path")
	}
	if set("export_policy") {
		nas["export_policy"] = map[string]any{"name": providers.String(op.planned, "export_policy")}
	}
	if len(nas) > 0 {
		b["nas"] = nas
	}
	if set("snapshot_policy") {
		b["snapshot_policy"] = map[string]any{"name": providers.String(op.planned, "snapshot_policy")}
	}
	if set("guarantee") {
		b["guarantee"] = map[string]any{"type": providers.String(op.planned, "guarantee")}
	}
	if set("autosize") {
		b["autosize"] = map[string]any{"mode": providers.String(op.planned, "autosize")}
	}
	if set("efficiency") {
		e := providers.String(op.planned, "efficiency")
		if e == "mixed" {
			return nil, errors.New("efficiency = \"mixed\" is what the cluster reports when compression and deduplication differ; it cannot be set")
		}
		b["efficiency"] = map[string]any{"compression": e, "dedupe": e}
	}
	if set("comment") {
		b["comment"] = providers.String(op.planned, "comment")
	}
	return b, nil
}

func createVolume(ctx context.Context, op *operation) (url.Values, error) {
	find := url.Values{"svm.name": {quoteFilter(providers.String(op.planned, "svm"))}, "name": {quoteFilter(providers.String(op.planned, "name"))}}
	b, err := volumeBody(op)
	if err != nil {
		return nil, op.fail(err)
	}
	b["svm"] = map[string]any{"name": providers.String(op.planned, "svm")}
	b["aggregates"] = []any{map[string]any{"name": providers.String(op.planned, "aggregate")}}
	if t, ok := op.plannedString("type"); ok {
		b["type"] = t
	}
	if s, ok := op.plannedString("state"); ok {
		b["state"] = s
	}
	_, err = op.write(ctx, http.MethodPost, volumesPath, b)
	return find, err
}

// updateVolume PATCHes what changed. A change of state goes in its own PATCH: first when
// the volume comes online (a junction path needs an online volume), last when it goes
// offline or restricted (that removes the junction).
func updateVolume(ctx context.Context, op *operation) error {
	b, err := volumeBody(op)
	if err != nil {
		return op.fail(err)
	}
	path := volumesPath + "/" + op.id()
	state, stateChange := "", op.changed("state")
	if stateChange {
		state = providers.String(op.planned, "state")
	}
	if stateChange && state == "online" {
		if _, err := op.write(ctx, http.MethodPatch, path, map[string]any{"state": state}); err != nil {
			return err
		}
	}
	if len(b) > 0 {
		if _, err := op.write(ctx, http.MethodPatch, path, b); err != nil {
			return err
		}
	}
	if stateChange && state != "online" {
		if _, err := op.write(ctx, http.MethodPatch, path, map[string]any{"state": state}); err != nil {
			return err
		}
	}
	return nil
}

// deleteVolume unmounts first, as ONTAP refuses to delete a mounted volume.
func deleteVolume(ctx context.Context, op *operation) error {
	path := volumesPath + "/" + op.id()
	if providers.String(op.prior, "junction_path") != "" {
		if _, err := op.write(ctx, http.MethodPatch, path, map[string]any{"nas": map[string]any{"path": ""}}); err != nil {
			return err
		}
	}
	_, err := op.write(ctx, http.MethodDelete, path, nil)
	return err
}
