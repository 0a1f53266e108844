package ontap

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

// requireSubset checks that every attribute planned sets (normalized as plan would) is what
// the cluster reports.
func requireSubset(t *testing.T, p *Provider, typ string, planned, got providers.Object) {
	t.Helper()
	s := &resourceSchemas()[typ].Schema
	norm, err := p.Normalize(typ, planned)
	require.NoError(t, err)
	want := providers.Conform(s, norm)
	have := providers.Conform(s, got)
	for k, v := range want {
		assert.Equal(t, v, have[k], "attribute %s", k)
	}
}

func TestLifecycle(t *testing.T) {
	cases := []struct {
		typ     string
		create  providers.Object
		update  func(created providers.Object) providers.Object
		patches []string // requests the update must make, and only those writes
	}{
		{
			typ:    typeSVM,
			create: providers.Object{"name": "svm_new", "aggregates": []any{"aggr2", "aggr1"}, "protocols": []any{"nfs"}, "comment": "made by enclave"},
			// NFS off through its service (which exists), iSCSI on by creating its service:
			// ONTAP refuses <protocol>.enabled in an SVM PATCH
			update: func(c providers.Object) providers.Object {
				return with(c, "comment", "changed", "protocols", []any{"iscsi"}, "aggregates", []any{"aggr1"})
			},
			patches: []string{"PATCH /api/svm/svms/{uuid}", "PATCH /api/protocols/nfs/services/{svm.uuid}", "POST /api/protocols/san/iscsi/services"},
		},
		{
			typ: typeInterface,
			create: providers.Object{"name": "lif1", "svm": "svm1", "address": "10.1.1.10", "netmask": "255.255.255.0",
				"home_node": "cluster1-01", "home_port": "e0d", "service_policy": "default-data-files"},
			update: func(c providers.Object) providers.Object {
				return with(c, "address", "10.1.1.11", "netmask", "16", "home_port", "e0e")
			},
			patches: []string{"PATCH /api/network/ip/interfaces/{uuid}"},
		},
		{
			typ: typeVolume,
			create: providers.Object{"name": "vol1", "svm": "svm1", "aggregate": "aggr1", "size": "500GiB", "type": "rw",
				"junction_path": "/vol1", "export_policy": "default", "snapshot_policy": "default", "guarantee": "none",
				"autosize": "grow", "efficiency": "inline", "state": "online", "comment": "mail store"},
			update: func(c providers.Object) providers.Object {
				return with(c, "size", "1TiB", "comment", "bigger", "junction_path", "/mail", "snapshot_policy", "none",
					"efficiency", "both", "name", "vol1_renamed")
			},
			patches: []string{"PATCH /api/storage/volumes/{uuid}"},
		},
		{
			typ: typeExportPolicy,
			create: providers.Object{"name": "mail", "svm": "svm1", "rule": []any{
				map[string]any{"clients": []any{"10.0.0.0/24"}, "ro_rule": []any{"sys"}, "rw_rule": []any{"sys"}},
				map[string]any{"clients": []any{"10.0.1.5", "10.0.1.6"}, "protocols": []any{"nfs4"}, "ro_rule": []any{"krb5"}, "rw_rule": []any{"never"}, "superuser": []any{"none"}},
			}},
			update: func(c providers.Object) providers.Object {
				rules := providers.Blocks(c, "rule")
				// reordered, and one rule changed: the order is significant
				return with(c, "rule", []any{rules[1], with(rules[0], "rw_rule", []any{"never"})})
			},
			patches: []string{"PATCH /api/protocols/nfs/export-policies/{id}"},
		},
		{
			typ: typeSnapshotPolicy,
			create: providers.Object{"name": "mail_snaps", "svm": "svm1", "enabled": true, "comment": "mail", "copies": []any{
				map[string]any{"schedule": "hourly", "count": int64(24)},
				map[string]any{"schedule": "daily", "count": int64(7), "prefix": "nightly"},
			}},
			update: func(c providers.Object) providers.Object {
				return with(c, "enabled", false, "copies", []any{
					map[string]any{"schedule": "daily", "count": int64(14), "prefix": "nightly"},
					map[string]any{"schedule": "weekly", "count": int64(4)},
				})
			},
			patches: []string{
				"PATCH /api/storage/snapshot-policies/{uuid}",
				"POST /api/storage/snapshot-policies/{uuid}/schedules",
				"PATCH /api/storage/snapshot-policies/{uuid}/schedules/{schedule}",
				"DELETE /api/storage/snapshot-policies/{uuid}/schedules/{schedule}",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			l := newLab(t, ontapsim.Options{})
			created := l.create(t, tc.typ, tc.typ+".x", tc.create)
			requireSubset(t, l.p, tc.typ, tc.create, created)

			got := l.refresh(t, tc.typ, created)
			require.Equal(t, created, got[0], "refresh after create")

			planned := tc.update(created)
			l.sim.ResetCounts()
			res := l.apply(t, providers.Change{Addr: tc.typ + ".x", Type: tc.typ, Action: providers.Update, Prior: created, Planned: planned})
			require.NoError(t, res.Err)
			requireSubset(t, l.p, tc.typ, planned, res.New)
			assert.Equal(t, created["id"], res.New["id"], "updated in place")
			writes := map[string]int{}
			for k, n := range l.sim.RequestCounts() {
				if k[:4] != "GET " {
					writes[k] = n
				}
			}
			for _, w := range tc.patches {
				assert.Equal(t, 1, writes[w], "%s in %v", w, writes)
			}
			assert.Len(t, writes, len(tc.patches), "only these writes: %v", writes)

			got = l.refresh(t, tc.typ, res.New)
			require.Equal(t, res.New, got[0], "refresh after update")

			// an update that changes nothing writes nothing
			l.sim.ResetCounts()
			res2 := l.apply(t, providers.Change{Addr: tc.typ + ".x", Type: tc.typ, Action: providers.Update, Prior: res.New, Planned: planned})
			require.NoError(t, res2.Err)
			for k := range l.sim.RequestCounts() {
				assert.Equal(t, "GET ", k[:4], "no-op update wrote %s", k)
			}

			del := l.apply(t, providers.Change{Addr: tc.typ + ".x", Type: tc.typ, Action: providers.Delete, Prior: res.New})
			require.NoError(t, del.Err)
			assert.Nil(t, del.New)
			got = l.refresh(t, tc.typ, res.New)
			assert.Nil(t, got[0], "gone after delete")
		})
	}
}

func TestVolumeSizeNormalized(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	v := l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "500GiB"})
	assert.Equal(t, "536870912000", v["size"])
	sim, ok := l.sim.Volume("svm1", "v")
	require.True(t, ok)
	assert.Equal(t, int64(536870912000), sim.Size)
	n, err := l.p.Normalize(typeVolume, providers.Object{"size": "500GiB"})
	require.NoError(t, err)
	assert.Equal(t, v["size"], n["size"], "plan compares the normalized size with what refresh reads")
}

// A mounted volume is unmounted before it is deleted; ONTAP refuses otherwise.
func TestVolumeDeleteUnmountsFirst(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	v := l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB", "junction_path": "/v"})
	l.sim.ResetCounts()
	res := l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Delete, Prior: v})
	require.NoError(t, res.Err)
	c := l.sim.RequestCounts()
	assert.Equal(t, 1, c["PATCH /api/storage/volumes/{uuid}"])
	assert.Equal(t, 1, c["DELETE /api/storage/volumes/{uuid}"])
	_, ok := l.sim.Volume("svm1", "v")
	assert.False(t, ok)
}

// Going offline is PATCHed after the other changes, coming online before them.
func TestVolumeStateOrdering(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	v := l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB", "state": "offline"})
	assert.Equal(t, "offline", v["state"])
	// mounting needs an online volume: state must go first
	res := l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Update, Prior: v,
		Planned: with(v, "state", "online", "junction_path", "/v")})
	require.NoError(t, res.Err)
	assert.Equal(t, "online", res.New["state"])
	assert.Equal(t, "/v", res.New["junction_path"])
	// restricting unmounts; a resize in the same change must happen while online
	res = l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Update, Prior: res.New,
		Planned: with(res.New, "state", "restricted", "junction_path", "", "size", "2GiB")})
	require.NoError(t, res.Err)
	assert.Equal(t, "restricted", res.New["state"])
	assert.Equal(t, "2147483648", res.New["size"])
}

func TestImport(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	v := l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"})
	ep := l.create(t, typeExportPolicy, "ontap_export_policy.p", providers.Object{"name": "p", "svm": "svm2", "rule": []any{
		map[string]any{"clients": []any{"0.0.0.0/0"}, "ro_rule": []any{"sys"}, "rw_rule": []any{"never"}}}})
	// ONTAP's filters ignore case and treat * | as operators: neither may confuse import
	l.create(t, typeVolume, "ontap_volume.V", providers.Object{"name": "V", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"})
	star := l.create(t, typeExportPolicy, "ontap_export_policy.star", providers.Object{"name": "p*", "svm": "svm2", "rule": []any{}})
	cases := []struct {
		typ, id string
		want    providers.Object
		err     string
	}{
		{typ: typeVolume, id: "svm1:v", want: v},
		{typ: typeExportPolicy, id: "svm2:p*", want: star},
		{typ: typeExportPolicy, id: "svm2:p", want: ep},
		{typ: typeVolume, id: "svm2:v", err: `ontap_volume "svm2:v" not found`},
		{typ: typeVolume, id: "v", err: "want svm:volume"},
		{typ: typeSVM, id: "svm1"},
		{typ: typeSnapshotPolicy, id: "default"},
		{typ: "ontap_nope", id: "x", err: "unknown resource type"},
	}
	for _, tc := range cases {
		t.Run(tc.typ+"/"+tc.id, func(t *testing.T) {
			got, err := l.p.Import(context.Background(), tc.typ, tc.id)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, got["id"])
			if tc.want != nil {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func TestReadData(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1TiB", "guarantee": "volume"})
	l.sim.ResetCounts()
	res, err := l.p.ReadData(context.Background(), []providers.DataRequest{
		{Addr: "data.ontap_aggregate.a1", Type: typeAggregate, Args: providers.Object{"name": "aggr1"}},
		{Addr: "data.ontap_aggregate.a2", Type: typeAggregate, Args: providers.Object{"name": "aggr2"}},
		{Addr: "data.ontap_aggregate.no", Type: typeAggregate, Args: providers.Object{"name": "aggr9"}},
		{Addr: "data.ontap_svm.s", Type: typeSVM, Args: providers.Object{"name": "svm2"}},
	})
	require.NoError(t, err)
	require.Len(t, res, 4)
	aggrs := l.sim.Aggregates()
	assert.Equal(t, "aggr1", res[0].Result["name"])
	assert.Equal(t, aggrs[0].Size-(1<<40), res[0].Result["available_bytes"])
	assert.Equal(t, int64(1<<40), res[0].Result["used_bytes"])
	assert.Equal(t, aggrs[1].Size, res[1].Result["available_bytes"])
	assert.ErrorContains(t, res[2].Err, `aggregate "aggr9" not found`)
	assert.Equal(t, "svm2", res[3].Result["name"])
	assert.Equal(t, "running", res[3].Result["state"])
	assert.NotEmpty(t, res[3].Result["id"])
	// one GET per kind, whatever the number of lookups
	assert.Equal(t, 2, l.sim.Requests(), "%v", l.sim.RequestCounts())
}
