package ontapsim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVolumeErrors(t *testing.T) {
	c := newSim(t, Options{})
	c.createVolume(map[string]any{"name": "parent", "nas.path": "/parent"})
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
		target string
	}{
		{"too small", map[string]any{"name": "v", "size": 10 << 20}, 400, codeVolumeTooSmall, "size"},
		{"duplicate name", map[string]any{"name": "parent"}, 409, "917526", "name"},
		{"path without slash", map[string]any{"name": "v", "nas.path": "v"}, 400, "918252", "nas.path"},
		{"path ending in slash", map[string]any{"name": "v", "nas.path": "/v/"}, 400, "918252", "nas.path"},
		{"path in use", map[string]any{"name": "v", "nas.path": "/parent"}, 400, "918252", "nas.path"},
		{"parent junction missing", map[string]any{"name": "v", "nas.path": "/nowhere/v"}, 400, "918252", "nas.path"},
		{"offline volume cannot mount", map[string]any{"name": "v", "nas.path": "/v", "state": "offline"}, 400, "918252", "nas.path"},
		{"snapshot policy missing", map[string]any{"name": "v", "snapshot_policy.name": "hourly-ish"}, 404, "917551", "snapshot_policy.name"},
		{"export policy missing", map[string]any{"name": "v", "nas.export_policy.name": "nfs-open"}, 404, "1703954", "nas.export_policy.name"},
		{"aggregate missing", map[string]any{"name": "v", "aggregates": []any{map[string]any{"name": "aggr9"}}}, 404, "4", "aggregates"},
		{"svm missing", map[string]any{"name": "v", "svm.name": "nosvm"}, 404, "4", "svm.name"},
		{"name missing", map[string]any{"size": 1 << 30}, 400, "2", "name"},
		{"aggregates missing", map[string]any{"name": "v", "aggregates": []any{}}, 400, "2", "aggregates"},
		{"bad type", map[string]any{"name": "v", "type": "xx"}, 400, "262197", "type"},
		{"bad state", map[string]any{"name": "v", "state": "sleeping"}, 400, "262197", "state"},
		{"bad name", map[string]any{"name": "1vol"}, 400, "262197", "name"},
		{"aggregate full", map[string]any{"name": "v", "size": int64(11) << 40}, 400, codeAggrNoSpace, "size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := map[string]any{"svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}}
			for k, v := range tc.body {
				b[k] = v
			}
			out := c.must(tc.status, "POST", "/api/storage/volumes", b)
			require.Equal(t, tc.code, errCode(out), "%v", out)
			require.Equal(t, tc.target, out["error"].(map[string]any)["target"])
		})
	}
	// a child junction under an existing one is fine
	c.createVolume(map[string]any{"name": "child", "nas.path": "/parent/child"})
}

func TestVolumeLifecycle(t *testing.T) {
	c := newSim(t, Options{})
	aggrUsed := func() int64 {
		for _, a := range c.sim.Aggregates() {
			if a.Name == "aggr1" {
				return a.Used
			}
		}
		return -1
	}
	require.Zero(t, aggrUsed())
	id := c.createVolume(map[string]any{"name": "v1", "size": 1 << 30, "nas.path": "/v1", "type": "rw"})
	require.Equal(t, int64(1<<30), aggrUsed())

	out := c.must(200, "GET", "/api/storage/aggregates?name=aggr1&fields=space.block_storage", nil)
	bs := records(out)[0]["space"].(map[string]any)["block_storage"].(map[string]any)
	require.EqualValues(t, 1<<30, bs["used"])
	require.EqualValues(t, aggregateSize-(1<<30), bs["available"])
	require.EqualValues(t, aggregateSize, bs["size"])

	vol := c.must(200, "GET", "/api/storage/volumes/"+id, nil)
	require.Equal(t, "/v1", vol["nas"].(map[string]any)["path"])
	require.Equal(t, "default", vol["snapshot_policy"].(map[string]any)["name"])
	require.Equal(t, "online", vol["state"])
	require.NotContains(t, vol, "metric", "expensive fields only on request")

	// resize; thin volumes reserve nothing
	c.must(200, "PATCH", "/api/storage/volumes/"+id+"?return_timeout=10", map[string]any{"size": 2 << 30})
	require.Equal(t, int64(2<<30), aggrUsed())
	c.must(200, "PATCH", "/api/storage/volumes/"+id+"?return_timeout=10", map[string]any{"guarantee": map[string]any{"type": "none"}})
	require.Zero(t, aggrUsed())
	out = c.must(400, "PATCH", "/api/storage/volumes/"+id, map[string]any{"size": 1})
	require.Equal(t, codeVolumeTooSmall, errCode(out))
	out = c.must(400, "PATCH", "/api/storage/volumes/"+id, map[string]any{"type": "dp"})
	require.Equal(t, codeFieldReadOnly, errCode(out), "type is set at creation only")

	// a mounted volume is not deleted; unmount first, as Ansible does
	out = c.must(409, "DELETE", "/api/storage/volumes/"+id, nil)
	require.Equal(t, codeVolumeMounted, errCode(out))
	c.must(200, "PATCH", "/api/storage/volumes/"+id+"?return_timeout=10", map[string]any{"nas.path": ""})
	v, _ := c.sim.Volume("svm1", "v1")
	require.Empty(t, v.JunctionPath)
	c.must(200, "DELETE", "/api/storage/volumes/"+id+"?return_timeout=10", nil)
	_, found := c.sim.Volume("svm1", "v1")
	require.False(t, found)
	c.must(404, "GET", "/api/storage/volumes/"+id, nil)
}

func TestVolumeOfflineUnmounts(t *testing.T) {
	c := newSim(t, Options{})
	id := c.createVolume(map[string]any{"name": "v1", "nas.path": "/v1"})
	c.createVolume(map[string]any{"name": "v2", "nas.path": "/v1/v2"})
	out := c.must(409, "PATCH", "/api/storage/volumes/"+id, map[string]any{"state": "offline"})
	require.Equal(t, codeVolumeBusy, errCode(out), "a volume with junctions below it stays mounted")
	id2 := c.sim.mustVolumeUUID(t, "svm1", "v2")
	c.must(200, "PATCH", "/api/storage/volumes/"+id2+"?return_timeout=10", map[string]any{"state": "restricted"})
	v2, _ := c.sim.Volume("svm1", "v2")
	require.Equal(t, "restricted", v2.State)
	require.Empty(t, v2.JunctionPath)
	c.must(200, "PATCH", "/api/storage/volumes/"+id+"?return_timeout=10", map[string]any{"state": "offline"})
	c.must(200, "DELETE", "/api/storage/volumes/"+id+"?return_timeout=10", nil)
}

func (s *Server) mustVolumeUUID(t *testing.T, svm, name string) string {
	v, ok := s.Volume(svm, name)
	require.True(t, ok)
	return v.UUID
}

func TestVolumeOutOfBand(t *testing.T) {
	c := newSim(t, Options{})
	c.createVolume(map[string]any{"name": "v1"})
	require.NoError(t, c.sim.UpdateVolume("svm1", "v1", func(v *Volume) { v.Size = 5 << 30 }))
	out := c.must(200, "GET", "/api/storage/volumes?name=v1&fields=size,space.size", nil)
	require.EqualValues(t, 5<<30, records(out)[0]["size"])
	require.Error(t, c.sim.UpdateVolume("svm1", "nope", func(*Volume) {}))
	v := c.sim.AddVolume(Volume{Name: "oob", SVM: "svm1"})
	require.Equal(t, int64(MinVolumeSize), v.Size)
	c.must(200, "GET", "/api/storage/volumes/"+v.UUID, nil)
}

func TestCollectionPatchDelete(t *testing.T) {
	c := newSim(t, Options{})
	for _, n := range []string{"tmp1", "tmp2", "keep"} {
		c.createVolume(map[string]any{"name": n})
	}
	out := c.must(200, "PATCH", "/api/storage/volumes?name=tmp*&return_timeout=10", map[string]any{"comment": "bulk"})
	require.EqualValues(t, 2, out["num_records"])
	require.Len(t, out["jobs"], 2)
	for _, v := range c.sim.Volumes() {
		require.Equal(t, v.Name != "keep", v.Comment == "bulk", v.Name)
	}
	out = c.must(400, "DELETE", "/api/storage/volumes", nil)
	require.Equal(t, "2", errCode(out), "no query, no mass delete")
	out = c.must(202, "DELETE", "/api/storage/volumes?comment=bulk", nil)
	require.EqualValues(t, 2, out["num_records"])
	require.Len(t, c.sim.Volumes(), 1)

	// synchronous kinds: rules of an export policy
	pol := findPolicy(c.sim, "svm1", "default")
	base := "/api/protocols/nfs/export-policies/" + itoa(int(pol.ID)) + "/rules"
	for _, cl := range []string{"a", "b", "c"} {
		c.must(201, "POST", base, map[string]any{"clients": []any{map[string]any{"match": cl}}, "ro_rule": []any{"sys"}, "rw_rule": []any{"none"}})
	}
	out = c.must(200, "PATCH", base+"?clients.match=a|c", map[string]any{"rw_rule": []any{"sys"}})
	require.EqualValues(t, 2, out["num_records"])
	require.NotContains(t, out, "jobs")
	c.must(200, "DELETE", base+"?clients.match=a|c", nil)
	pol = findPolicy(c.sim, "svm1", "default")
	require.Len(t, pol.Rules, 1)
	require.Equal(t, []string{"b"}, pol.Rules[0].Clients)
	require.EqualValues(t, 1, pol.Rules[0].Index)
}

func TestVolumeSnapshots(t *testing.T) {
	c := newSim(t, Options{})
	id := c.createVolume(map[string]any{"name": "v1"})
	base := "/api/storage/volumes/" + id + "/snapshots"
	out := c.must(201, "POST", base+"?return_timeout=10&return_records=true", map[string]any{"name": "s1", "comment": "first"})
	sid := records(out)[0]["uuid"].(string)
	out = c.must(409, "POST", base, map[string]any{"name": "s1"})
	require.Equal(t, "1", errCode(out))
	c.must(200, "PATCH", base+"/"+sid+"?return_timeout=10", map[string]any{"name": "s2", "snapmirror_label": "daily"})
	out = c.must(200, "GET", base+"?fields=*", nil)
	r := records(out)[0]
	require.Equal(t, "s2", r["name"])
	require.Equal(t, "daily", r["snapmirror_label"])
	require.Equal(t, "first", r["comment"])
	v, _ := c.sim.Volume("svm1", "v1")
	require.Len(t, v.Snapshots, 1)
	c.must(200, "DELETE", base+"/"+sid+"?return_timeout=10", nil)
	c.must(404, "GET", base+"/"+sid, nil)
	c.must(404, "GET", "/api/storage/volumes/nope/snapshots", nil)
}

func TestVolumeMove(t *testing.T) {
	c := newSim(t, Options{})
	id := c.createVolume(map[string]any{"name": "v1", "size": 1 << 30})
	out := c.must(404, "PATCH", "/api/storage/volumes/"+id, map[string]any{"movement.destination_aggregate.name": "aggr9"})
	require.Equal(t, "4", errCode(out))
	c.must(200, "PATCH", "/api/storage/volumes/"+id+"?return_timeout=10", map[string]any{"movement": map[string]any{"destination_aggregate": map[string]any{"name": "aggr2"}}})
	v, _ := c.sim.Volume("svm1", "v1")
	require.Equal(t, []string{"aggr2"}, v.Aggregates)
	out = c.must(200, "GET", "/api/storage/volumes?name=v1&movement.destination_aggregate.name=aggr2&fields=movement.state", nil)
	require.Equal(t, "done", records(out)[0]["movement"].(map[string]any)["state"])
	for _, a := range c.sim.Aggregates() {
		require.Equal(t, a.Name == "aggr2", a.Used == 1<<30, a.Name)
	}
	out = c.must(400, "POST", "/api/storage/volumes", map[string]any{"name": "v2", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}},
		"movement.destination_aggregate.name": "aggr2"})
	require.Equal(t, codeFieldReadOnly, errCode(out), "a volume moves by PATCH")
}
