package ontapsim

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func newPair(t *testing.T) (src, dst *client, clock *FakeClock) {
	clock = NewFakeClock(t0)
	mk := func(name, svm string) *client {
		sim := New(Options{ClusterName: name, SVMs: []string{svm}, Clock: clock, JobDuration: 2 * time.Second})
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		return &client{t: t, srv: srv, sim: sim}
	}
	src, dst = mk("src", "svm_src"), mk("dst", "svm_dst")
	return src, dst, clock
}

func relState(c *client, id string) map[string]any {
	return c.must(200, "GET", "/api/snapmirror/relationships/"+id+"?fields=*", nil)
}

func TestSnapMirror(t *testing.T) {
	src, dst, clock := newPair(t)
	src.must(201, "POST", "/api/storage/volumes?return_timeout=10", map[string]any{"name": "vol1", "svm.name": "svm_src",
		"aggregates": []any{map[string]any{"name": "aggr1"}}, "size": 1 << 30})
	dst.must(201, "POST", "/api/storage/volumes?return_timeout=10", map[string]any{"name": "vol1_rw", "svm.name": "svm_dst",
		"aggregates": []any{map[string]any{"name": "aggr1"}}})
	dst.must(201, "POST", "/api/storage/volumes?return_timeout=10", map[string]any{"name": "vol1_dp", "svm.name": "svm_dst",
		"aggregates": []any{map[string]any{"name": "aggr2"}}, "type": "dp", "size": 1 << 30})

	rel := func(dstVol string) map[string]any {
		return map[string]any{"source": map[string]any{"path": "svm_src:vol1"}, "destination": map[string]any{"path": "svm_dst:" + dstVol}}
	}
	// not peered yet
	out := dst.must(400, "POST", "/api/snapmirror/relationships", rel("vol1_dp"))
	require.Equal(t, codeSMNotPeered, errCode(out))

	dst.sim.Peer(src.sim)
	out = dst.must(200, "GET", "/api/cluster/peers?fields=name,status", nil)
	require.Equal(t, "src", records(out)[0]["name"])
	require.Equal(t, "available", records(out)[0]["status"].(map[string]any)["state"])
	require.Len(t, src.sim.ClusterPeers(), 1)

	dst.must(201, "POST", "/api/svm/peers?return_timeout=10", map[string]any{"svm.name": "svm_dst",
		"peer": map[string]any{"svm": map[string]any{"name": "svm_src"}, "cluster": map[string]any{"name": "src"}}, "applications": []any{"snapmirror"}})
	require.Len(t, src.sim.SVMPeers(), 1, "the peer side accepted")
	require.Equal(t, "svm_dst", src.sim.SVMPeers()[0].PeerSVM)

	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"destination not dp", rel("vol1_rw"), 400, codeSMDestNotDP},
		{"destination missing", rel("nosuch"), 404, "4"},
		{"source missing", map[string]any{"source.path": "svm_src:nosuch", "destination.path": "svm_dst:vol1_dp"}, 404, codeSMSourceInvalid},
		{"bad path", map[string]any{"source.path": "vol1", "destination.path": "svm_dst:vol1_dp"}, 400, "262197"},
		{"state without create_destination", map[string]any{"source.path": "svm_src:vol1", "destination.path": "svm_dst:vol1_dp", "state": "snapmirrored"}, 400, "13303873"},
		{"policy missing", map[string]any{"source.path": "svm_src:vol1", "destination.path": "svm_dst:vol1_dp", "policy.name": "Nope"}, 404, codeSMPolicyMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := dst.must(tc.status, "POST", "/api/snapmirror/relationships", tc.body)
			require.Equal(t, tc.code, errCode(out), "%v", out)
		})
	}

	out = dst.must(201, "POST", "/api/snapmirror/relationships?return_timeout=10&return_records=true",
		map[string]any{"source.path": "svm_src:vol1", "destination.path": "svm_dst:vol1_dp", "policy.name": "MirrorAllSnapshots", "transfer_schedule.name": "hourly"})
	id := records(out)[0]["uuid"].(string)
	out = dst.must(409, "POST", "/api/snapmirror/relationships", rel("vol1_dp"))
	require.Equal(t, "6619637", errCode(out))

	r := relState(dst, id)
	require.Equal(t, SMUninitialized, r["state"])
	require.Equal(t, "src", r["source"].(map[string]any)["cluster"].(map[string]any)["name"])
	require.Equal(t, "hourly", r["transfer_schedule"].(map[string]any)["name"])
	require.NotContains(t, r, "lag_time")
	out = dst.must(400, "PATCH", "/api/snapmirror/relationships/"+id, map[string]any{"state": "broken_off"})
	require.Equal(t, "13303818", errCode(out))

	// initialize: the state turns once the transfer job ends
	out = dst.must(202, "PATCH", "/api/snapmirror/relationships/"+id, map[string]any{"state": "snapmirrored"})
	require.NotEmpty(t, jobHref(out))
	r = relState(dst, id)
	require.Equal(t, SMUninitialized, r["state"])
	require.Equal(t, "transferring", r["transfer"].(map[string]any)["state"])
	clock.Advance(2 * time.Second)
	r = relState(dst, id)
	require.Equal(t, SMSnapmirrored, r["state"])
	require.Equal(t, true, r["healthy"])
	require.Equal(t, "PT0S", r["lag_time"])
	clock.Advance(5 * time.Minute)
	require.Equal(t, "PT5M", relState(dst, id)["lag_time"])
	out = dst.must(400, "PATCH", "/api/snapmirror/relationships/"+id, map[string]any{"state": "snapmirrored"})
	require.Equal(t, "13303832", errCode(out))

	// update by transfer
	dst.must(201, "POST", "/api/snapmirror/relationships/"+id+"/transfers", map[string]any{})
	clock.Advance(2 * time.Second)
	require.Equal(t, "PT0S", relState(dst, id)["lag_time"])
	out = dst.must(200, "GET", "/api/snapmirror/relationships/"+id+"/transfers?fields=state", nil)
	require.EqualValues(t, 2, out["num_records"])

	// quiesce, resume, break, resync
	dst.must(200, "PATCH", "/api/snapmirror/relationships/"+id+"?return_timeout=10", map[string]any{"state": "paused"})
	require.Equal(t, SMPaused, relState(dst, id)["state"])
	dst.must(200, "PATCH", "/api/snapmirror/relationships/"+id+"?return_timeout=10", map[string]any{"state": "snapmirrored"})
	require.Equal(t, SMSnapmirrored, relState(dst, id)["state"])
	dst.must(200, "PATCH", "/api/snapmirror/relationships/"+id+"?return_timeout=10", map[string]any{"state": "broken_off"})
	require.Equal(t, SMBrokenOff, relState(dst, id)["state"])
	v, _ := dst.sim.Volume("svm_dst", "vol1_dp")
	require.Equal(t, "rw", v.Type, "a broken-off destination is writable")
	out = dst.must(400, "POST", "/api/snapmirror/relationships/"+id+"/transfers", map[string]any{})
	require.Equal(t, "13303818", errCode(out))
	dst.must(200, "PATCH", "/api/snapmirror/relationships/"+id+"?return_timeout=10", map[string]any{"state": "snapmirrored"})
	require.Equal(t, SMSnapmirrored, relState(dst, id)["state"])
	v, _ = dst.sim.Volume("svm_dst", "vol1_dp")
	require.Equal(t, "dp", v.Type)

	// a failed transfer leaves the relationship unhealthy
	dst.sim.Faults().FailNextJob("Transfer failed: source unreachable.", 13303812)
	dst.must(201, "POST", "/api/snapmirror/relationships/"+id+"/transfers", map[string]any{})
	clock.Advance(2 * time.Second)
	r = relState(dst, id)
	require.Equal(t, false, r["healthy"])
	require.Equal(t, "failed", r["transfer"].(map[string]any)["state"])
	rels := dst.sim.Relationships()
	require.Len(t, rels, 1)
	require.Equal(t, "Transfer failed: source unreachable.", rels[0].UnhealthyReason)
	require.Equal(t, "failed", rels[0].Transfers[len(rels[0].Transfers)-1].State)

	// policy and schedule by PATCH
	dst.must(200, "PATCH", "/api/snapmirror/relationships/"+id+"?return_timeout=10", map[string]any{"policy.name": "MirrorLatest", "transfer_schedule.name": ""})
	r = relState(dst, id)
	require.Equal(t, "MirrorLatest", r["policy"].(map[string]any)["name"])
	require.NotContains(t, r, "transfer_schedule")

	dst.must(200, "DELETE", "/api/snapmirror/relationships/"+id+"?return_timeout=10", nil)
	require.Empty(t, dst.sim.Relationships())
	_, found := dst.sim.Volume("svm_dst", "vol1_dp")
	require.True(t, found, "the destination volume stays")

	// create_destination with state snapmirrored creates the dp volume and initializes
	out = dst.must(201, "POST", "/api/snapmirror/relationships?return_timeout=10&return_records=true", map[string]any{
		"source.path": "svm_src:vol1", "destination.path": "svm_dst:vol1_auto", "create_destination": map[string]any{"enabled": true}, "state": "snapmirrored"})
	id = records(out)[0]["uuid"].(string)
	require.Equal(t, SMSnapmirrored, relState(dst, id)["state"])
	v, found = dst.sim.Volume("svm_dst", "vol1_auto")
	require.True(t, found)
	require.Equal(t, "dp", v.Type)
	require.Equal(t, int64(1<<30), v.Size)

	out = dst.must(200, "GET", "/api/snapmirror/policies?name=MirrorAllSnapshots|XDPDefault&fields=type", nil)
	require.EqualValues(t, 2, out["num_records"])
}

func TestSnapMirrorIntraCluster(t *testing.T) {
	c := newSim(t, Options{})
	c.createVolume(map[string]any{"name": "src"})
	c.createVolume(map[string]any{"name": "dst", "type": "dp"})
	out := c.must(201, "POST", "/api/snapmirror/relationships?return_timeout=10&return_records=true",
		map[string]any{"source.path": "svm1:src", "destination.path": "svm1:dst"})
	id := records(out)[0]["uuid"].(string)
	c.must(201, "POST", "/api/snapmirror/relationships/"+id+"/transfers", map[string]any{})
	require.Eventually(t, func() bool {
		return relState(c, id)["state"] == SMSnapmirrored
	}, 10*time.Second, 5*time.Millisecond)
	out = c.must(200, "GET", "/api/storage/volumes?name=src&fields=snapmirror.is_protected", nil)
	require.Equal(t, true, records(out)[0]["snapmirror"].(map[string]any)["is_protected"])
}

func TestSnapMirrorSourceGone(t *testing.T) {
	src, dst, clock := newPair(t)
	dst.sim.Peer(src.sim)
	require.NoError(t, dst.sim.PeerSVM("svm_dst", src.sim, "svm_src"))
	sv := src.sim.AddVolume(Volume{Name: "vol1", SVM: "svm_src"})
	dst.sim.AddVolume(Volume{Name: "vol1_dp", SVM: "svm_dst", Type: "dp"})
	out := dst.must(201, "POST", "/api/snapmirror/relationships?return_timeout=10&return_records=true",
		map[string]any{"source.path": "svm_src:vol1", "destination.path": "svm_dst:vol1_dp"})
	id := records(out)[0]["uuid"].(string)
	dst.must(200, "PATCH", "/api/snapmirror/relationships/"+id+"?return_timeout=10", map[string]any{"state": "snapmirrored"})
	require.Equal(t, true, relState(dst, id)["healthy"])

	// the source goes offline on its own cluster: the destination sees it
	src.must(200, "PATCH", "/api/storage/volumes/"+sv.UUID+"?return_timeout=10", map[string]any{"state": "offline"})
	r := relState(dst, id)
	require.Equal(t, false, r["healthy"])
	require.Contains(t, r["unhealthy_reason"].([]any)[0].(map[string]any)["message"], "is offline")
	dst.must(201, "POST", "/api/snapmirror/relationships/"+id+"/transfers", map[string]any{})
	clock.Advance(2 * time.Second)
	require.Equal(t, "failed", relState(dst, id)["transfer"].(map[string]any)["state"])

	// back online, the next transfer heals it
	src.must(200, "PATCH", "/api/storage/volumes/"+sv.UUID+"?return_timeout=10", map[string]any{"state": "online"})
	dst.must(201, "POST", "/api/snapmirror/relationships/"+id+"/transfers", map[string]any{})
	clock.Advance(2 * time.Second)
	r = relState(dst, id)
	require.Equal(t, true, r["healthy"])
	require.NotContains(t, r, "unhealthy_reason")
}
