package ontap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

func addVolumes(l *lab, n int) []providers.Object {
	var out []providers.Object
	for i := 0; i < n; i++ {
		svm := []string{"svm1", "svm2"}[i%2]
		v := l.sim.AddVolume(ontapsim.Volume{Name: fmt.Sprintf("vol_%04d", i), SVM: svm, Size: int64(i+1) << 30})
		out = append(out, providers.Object{"id": v.UUID})
	}
	return out
}

// Refresh costs one collection GET per kind, whatever the number of objects.
func TestRefreshRoundTripsConstant(t *testing.T) {
	counts := map[int]int{}
	for _, n := range []int{10, 300} {
		l := newLab(t, ontapsim.Options{})
		vols := addVolumes(l, n)
		l.sim.ResetCounts()
		got := l.refresh(t, typeVolume, vols...)
		for i, g := range got {
			require.NotNil(t, g, "volume %d", i)
			assert.Equal(t, vols[i]["id"], g["id"])
		}
		counts[n] = l.sim.Requests()
		assert.Equal(t, map[string]int{"GET /api/storage/volumes": 1}, l.sim.RequestCounts())
		start := time.Now()
		l.refresh(t, typeVolume, vols...)
		assert.Less(t, time.Since(start), 2*time.Second)
	}
	assert.Equal(t, counts[10], counts[300])
}

// Refresh of several kinds is one GET per kind; unknown ids come back nil.
func TestRefreshSeveralKinds(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	vols := addVolumes(l, 5)
	svms := l.sim.SVMs()
	l.sim.ResetCounts()
	reqs := []providers.RefreshRequest{
		{Addr: "ontap_volume.a", Type: typeVolume, ID: providers.String(vols[0], "id")},
		{Addr: "ontap_svm.a", Type: typeSVM, ID: svms[0].UUID},
		{Addr: "ontap_volume.gone", Type: typeVolume, ID: "00000000-0000-0000-0000-000000000000"},
		{Addr: "ontap_svm.b", Type: typeSVM, ID: svms[1].UUID},
	}
	res, err := l.p.Refresh(context.Background(), reqs)
	require.NoError(t, err)
	assert.NotNil(t, res[0].Current)
	assert.Equal(t, "svm1", res[1].Current["name"])
	assert.Nil(t, res[2].Current)
	assert.Equal(t, "ontap_volume.gone", res[2].Addr)
	assert.Equal(t, "svm2", res[3].Current["name"])
	assert.Equal(t, map[string]int{"GET /api/storage/volumes": 1, "GET /api/svm/svms": 1}, l.sim.RequestCounts())
}

// Pages beyond max_records are followed through _links.next.
func TestRefreshFollowsPagination(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.p.c.maxRecords = 7
	vols := addVolumes(l, 20)
	l.sim.ResetCounts()
	got := l.refresh(t, typeVolume, vols...)
	for i := range got {
		require.NotNil(t, got[i], "volume %d", i)
	}
	assert.Equal(t, 3, l.sim.Requests(), "20 records at 7 a page")
}

// A 202 job is polled from 100 ms with a backoff capped at 1 s: a 300 ms job is noticed
// within a few polls.
func TestJobCompletionNoticedQuickly(t *testing.T) {
	l := newLab(t, ontapsim.Options{JobDuration: 300 * time.Millisecond})
	l.p.c.returnTimeout = 0 // make the cluster answer 202 at once, so the client polls
	start := time.Now()
	v := l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"})
	elapsed := time.Since(start)
	assert.Equal(t, "1073741824", v["size"])
	polls := l.sim.RequestCounts()["GET /api/cluster/jobs/{uuid}"]
	// polls at 100, 250, 475 ms: done by the third
	assert.GreaterOrEqual(t, polls, 2)
	assert.LessOrEqual(t, polls, 4)
	assert.Less(t, elapsed, 1300*time.Millisecond)
}

// The poll interval never exceeds pollMax, so a long job's end is seen within a second.
func TestJobPollBackoffCapped(t *testing.T) {
	c := &client{pollStart: 100 * time.Millisecond, pollMax: time.Second}
	var waits []time.Duration
	d := c.pollStart
	for i := 0; i < 12; i++ {
		waits = append(waits, d)
		d = d * 3 / 2
		if d > c.pollMax {
			d = c.pollMax
		}
	}
	assert.Equal(t, 100*time.Millisecond, waits[0])
	for _, w := range waits {
		assert.LessOrEqual(t, w, time.Second)
	}
	assert.Equal(t, time.Second, waits[len(waits)-1])
}

// A failed job gives ONTAP's message and code, and New says what the cluster holds.
func TestJobFailure(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.p.c.returnTimeout = 0
	l.sim.Faults().FailNextJob("Failed to create volume: aggregate aggr1 is offline.", 917809)
	res := l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Create,
		Planned: providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"}})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "aggregate aggr1 is offline")
	assert.Contains(t, res.Err.Error(), "ONTAP error 917809")
	assert.Contains(t, res.Err.Error(), "POST /api/storage/volumes")
	var pe *providers.Error
	require.True(t, errors.As(res.Err, &pe))
	assert.Equal(t, "ontap phx1", pe.Device)
	assert.Equal(t, "ontap_volume.v", pe.Addr)
	assert.Nil(t, res.New, "nothing was created")
	assert.False(t, res.Uncertain)

	// an update whose job fails leaves New as the cluster has it
	v := l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"})
	l.sim.Faults().FailNextJob("Volume busy.", 524486)
	res = l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Update, Prior: v, Planned: with(v, "size", "2GiB")})
	require.ErrorContains(t, res.Err, "ONTAP error 524486")
	require.NotNil(t, res.New)
	assert.Equal(t, "1073741824", res.New["size"])
	assert.Equal(t, res.New, l.refresh(t, typeVolume, v)[0], "refresh tells the same story")
}

// A job failing within return_timeout comes back as the write's own error.
func TestJobFailureWithinReturnTimeout(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.sim.Faults().FailNextJob("SVM create failed.", 13434908)
	res := l.apply(t, providers.Change{Addr: "ontap_svm.s", Type: typeSVM, Action: providers.Create, Planned: providers.Object{"name": "s9"}})
	require.ErrorContains(t, res.Err, "SVM create failed. (ONTAP error 13434908)")
	assert.Nil(t, res.New)
}

func TestGetRetriedOn5xx(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.p.c.retryBackoff = time.Millisecond
	vols := addVolumes(l, 3)
	l.sim.ResetCounts()
	l.sim.Faults().FailRequests(2, http.StatusServiceUnavailable, ontapsim.Match{Method: "GET", Path: "/api/storage/volumes"})
	got := l.refresh(t, typeVolume, vols...)
	assert.NotNil(t, got[2])
	assert.Equal(t, 3, l.sim.RequestCounts()["GET /api/storage/volumes"], "two failures, then success")

	// bounded: a GET failing every time is given up with ONTAP's error
	l.sim.Faults().FailRequests(10, http.StatusInternalServerError, ontapsim.Match{Method: "GET", Path: "/api/storage/volumes"})
	_, err := l.p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: "ontap_volume.a", Type: typeVolume, ID: "x"}})
	require.ErrorContains(t, err, "GET /api/storage/volumes")
	require.ErrorContains(t, err, "ONTAP error")
	l.sim.Faults().Clear()
}

func TestPostNotRetried(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.sim.Faults().FailRequests(1, http.StatusBadGateway, ontapsim.Match{Method: "POST", Path: "/api/storage/volumes"})
	res := l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Create,
		Planned: providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"}})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "POST /api/storage/volumes")
	assert.Equal(t, 1, l.sim.RequestCounts()["POST /api/storage/volumes"], "never retried")
	assert.Nil(t, res.New)
}

func TestDuplicateName(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	planned := providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"}
	first := l.create(t, typeVolume, "ontap_volume.a", planned)
	res := l.apply(t, providers.Change{Addr: "ontap_volume.b", Type: typeVolume, Action: providers.Create, Planned: planned})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "(ONTAP error 917526)")
	assert.Contains(t, res.Err.Error(), "ontap phx1: POST /api/storage/volumes: Duplicate volume name")
	var ae *APIError
	require.True(t, errors.As(res.Err, &ae))
	assert.Equal(t, "917526", ae.Code)
	assert.Equal(t, http.StatusConflict, ae.Status)
	// The volume that is there is not this change's work: it is never handed back as if it
	// were (the engine would write a foreign object into state), and refresh by identity
	// finds it for the plan to name.
	assert.Nil(t, res.New)
	assert.False(t, res.Uncertain)
	found := l.refreshByIdentity(t, typeVolume, planned)
	assert.Equal(t, first["id"], found["id"])
}

// A job that outlasts job_timeout_seconds fails the change as uncertain.
func TestJobDeadline(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.p.c.jobTimeout = 700 * time.Millisecond
	l.sim.Faults().SlowNextJob(time.Hour)
	start := time.Now()
	res := l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Create,
		Planned: providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"}})
	require.Error(t, res.Err)
	var te *JobTimeoutError
	require.True(t, errors.As(res.Err, &te), "%v", res.Err)
	assert.Regexp(t, `job [0-9a-f-]+ still (queued|running) after`, res.Err.Error())
	assert.Contains(t, res.Err.Error(), "job_timeout_seconds")
	assert.True(t, res.Uncertain)
	assert.Less(t, time.Since(start), 3*time.Second)
	// return_timeout never exceeds what is left of the deadline
	assert.Equal(t, 1, l.sim.RequestCounts()["POST /api/storage/volumes"])
}

// A resize made on the cluster is what refresh reports.
func TestDriftSeen(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	v := l.create(t, typeVolume, "ontap_volume.v", providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "500GiB"})
	require.NoError(t, l.sim.UpdateVolume("svm1", "v", func(x *ontapsim.Volume) { x.Size = 600 << 30; x.Comment = "grown by hand" }))
	got := l.refresh(t, typeVolume, v)[0]
	assert.Equal(t, "644245094400", got["size"])
	assert.Equal(t, "grown by hand", got["comment"])
	assert.NotEqual(t, v["size"], got["size"])
}

// Non-transactional: changes may be applied concurrently on one provider.
func TestConcurrentApply(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res := l.p.Apply(context.Background(), []providers.Change{{Addr: fmt.Sprintf("ontap_volume.v[%d]", i), Type: typeVolume, Action: providers.Create,
				Planned: providers.Object{"name": fmt.Sprintf("v%d", i), "svm": "svm1", "aggregate": "aggr2", "size": "20MB"}}}, nil)
			errs[i] = res[0].Err
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, l.sim.Volumes(), 12)
}

// The engine's progress callback hears about jobs.
func TestProgressReported(t *testing.T) {
	l := newLab(t, ontapsim.Options{JobDuration: 150 * time.Millisecond})
	l.p.c.returnTimeout = 0
	var mu sync.Mutex
	var msgs []string
	res := l.p.Apply(context.Background(), []providers.Change{{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Create,
		Planned: providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"}}},
		func(addr, msg string) {
			mu.Lock()
			defer mu.Unlock()
			msgs = append(msgs, addr+": "+msg)
		})
	require.NoError(t, res[0].Err)
	require.NotEmpty(t, msgs)
	assert.True(t, strings.HasSuffix(msgs[len(msgs)-1], "success"), "%v", msgs)
}

func TestSnapMirror(t *testing.T) {
	src := newLab(t, ontapsim.Options{ClusterName: "phx1", SVMs: []string{"svm_src"}})
	dst := newLab(t, ontapsim.Options{ClusterName: "dr1", SVMs: []string{"svm_dr"}})
	dst.sim.Peer(src.sim)
	require.NoError(t, dst.sim.PeerSVM("svm_dr", src.sim, "svm_src"))
	src.create(t, typeVolume, "ontap_volume.mail", providers.Object{"name": "mail", "svm": "svm_src", "aggregate": "aggr1", "size": "100GiB"})
	dst.create(t, typeVolume, "ontap_volume.mail_dr", providers.Object{"name": "mail_dr", "svm": "svm_dr", "aggregate": "aggr1", "size": "100GiB", "type": "dp"})

	planned := providers.Object{"source_path": "svm_src:mail", "destination_path": "svm_dr:mail_dr", "policy": "MirrorAllSnapshots", "schedule": "hourly"}
	dst.sim.ResetCounts()
	src.sim.ResetCounts()
	sm := dst.create(t, typeSnapMirror, "ontap_snapmirror.mail", planned)
	c := dst.sim.RequestCounts()
	assert.Equal(t, 1, c["POST /api/snapmirror/relationships"], "%v", c)
	assert.Equal(t, 1, c["PATCH /api/snapmirror/relationships/{uuid}"], "initialized with PATCH state=snapmirrored: %v", c)
	assert.Zero(t, src.sim.Requests(), "everything goes through the destination cluster")
	assert.Equal(t, "snapmirrored", sm["state"])
	assert.Equal(t, "svm_src:mail", sm["source_path"])
	assert.Equal(t, "hourly", sm["schedule"])
	assert.NotEmpty(t, sm["lag"])
	rels := dst.sim.Relationships()
	require.Len(t, rels, 1)
	assert.Equal(t, "snapmirrored", rels[0].State)

	got := dst.refresh(t, typeSnapMirror, sm)[0]
	assert.Equal(t, sm["state"], got["state"])

	res := dst.apply(t, providers.Change{Addr: "ontap_snapmirror.mail", Type: typeSnapMirror, Action: providers.Update, Prior: sm,
		Planned: with(planned, "id", sm["id"], "policy", "MirrorAndVault", "schedule", "")})
	require.NoError(t, res.Err)
	assert.Equal(t, "MirrorAndVault", res.New["policy"])
	assert.Equal(t, "", res.New["schedule"])

	// Fail over (break) and back (resync): state is the DR switch, waited for.
	broken := dst.apply(t, providers.Change{Addr: "ontap_snapmirror.mail", Type: typeSnapMirror, Action: providers.Update, Prior: res.New,
		Planned: with(res.New, "state", "broken_off")})
	require.NoError(t, broken.Err)
	assert.Equal(t, "broken_off", broken.New["state"])
	assert.Equal(t, "broken_off", dst.sim.Relationships()[0].State)
	resynced := dst.apply(t, providers.Change{Addr: "ontap_snapmirror.mail", Type: typeSnapMirror, Action: providers.Update, Prior: broken.New,
		Planned: with(broken.New, "state", "snapmirrored")})
	require.NoError(t, resynced.Err)
	assert.Equal(t, "snapmirrored", resynced.New["state"])

	imp, err := dst.p.Import(context.Background(), typeSnapMirror, "svm_dr:mail_dr")
	require.NoError(t, err)
	assert.Equal(t, sm["id"], imp["id"])

	del := dst.apply(t, providers.Change{Addr: "ontap_snapmirror.mail", Type: typeSnapMirror, Action: providers.Delete, Prior: res.New})
	require.NoError(t, del.Err)
	assert.Empty(t, dst.sim.Relationships())
}

// Without peering the cluster refuses, and the error says so in ONTAP's words.
func TestSnapMirrorNotPeered(t *testing.T) {
	l := newLab(t, ontapsim.Options{SVMs: []string{"a", "b"}})
	l.create(t, typeVolume, "ontap_volume.dst", providers.Object{"name": "d", "svm": "b", "aggregate": "aggr1", "size": "1GiB", "type": "dp"})
	res := l.apply(t, providers.Change{Addr: "ontap_snapmirror.x", Type: typeSnapMirror, Action: providers.Create,
		Planned: providers.Object{"source_path": "zz:nope", "destination_path": "b:d"}})
	require.ErrorContains(t, res.Err, "POST /api/snapmirror/relationships")
	require.ErrorContains(t, res.Err, "not peered")
	assert.Nil(t, res.New)
}

// When the object cannot be read back after a write, the change is uncertain: the next
// refresh reads the truth.
func TestReadBackFailureUncertain(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	l.p.c.retryBackoff = time.Millisecond
	l.sim.Faults().FailRequests(3, http.StatusInternalServerError, ontapsim.Match{Method: "GET", Path: "/api/storage/volumes"})
	res := l.apply(t, providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Create,
		Planned: providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"}})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "reading back")
	assert.True(t, res.Uncertain)
	_, ok := l.sim.Volume("svm1", "v")
	assert.True(t, ok, "the create itself went through")
}

// Errors from a refresh name the device and the call, whatever broke.
func TestRefreshBrokenResponses(t *testing.T) {
	cases := map[string]struct {
		status int
		body   string
		want   string
	}{
		"truncated":   {200, `{"records":[{"uuid":"a","name":`, "ontap lab: GET /api/storage/volumes: truncated JSON in HTTP 200 response"},
		"html":        {200, `<html>maintenance</html>`, "ontap lab: GET /api/storage/volumes: response (HTTP 200) is not a JSON object"},
		"bad records": {200, `{"records":"none"}`, "ontap lab: GET /api/storage/volumes: decoding collection: records is a string, not an array"},
		"teapot":      {418, ``, "ontap lab: GET /api/storage/volumes: unexpected HTTP 418"},
		"forbidden":   {403, `{"error":{"message":"not authorized for that command","code":"6"}}`, "not authorized for that command (ONTAP error 6)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sim := ontapsim.New(ontapsim.Options{})
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/storage/volumes" {
					w.WriteHeader(tc.status)
					fmt.Fprint(w, tc.body)
					return
				}
				sim.ServeHTTP(w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			writeCA(t, dir, "ca.pem", srv)
			p := New(providers.Options{BaseDir: dir})
			require.NoError(t, p.Configure(context.Background(), providers.Object{"url": srv.URL, "username": "admin", "password": "netapp1!", "ca_file": "ca.pem", "name": "lab"}))
			_, err := p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: "ontap_volume.a", Type: typeVolume, ID: "a"}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// Values the cluster cannot take are refused before any write, naming the resource.
func TestApplyRefusesBadValues(t *testing.T) {
	cases := []struct {
		name    string
		ch      providers.Change
		wantErr string
	}{
		{"mixed efficiency", providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Create,
			Planned: providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB", "efficiency": "mixed"}}, "cannot be set"},
		{"bad size", providers.Change{Addr: "ontap_volume.v", Type: typeVolume, Action: providers.Create,
			Planned: providers.Object{"name": "v", "svm": "svm1", "aggregate": "aggr1", "size": "big"}}, `size "big"`},
		{"unknown type", providers.Change{Addr: "ontap_lun.l", Type: "ontap_lun", Action: providers.Create, Planned: providers.Object{}}, "unknown resource type ontap_lun"},
		{"replace", providers.Change{Addr: "ontap_svm.s", Type: typeSVM, Action: providers.Replace, Prior: providers.Object{"id": "x"}, Planned: providers.Object{"name": "s"}}, "not supported by a non-transactional provider"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, ontapsim.Options{})
			res := l.apply(t, tc.ch)
			require.ErrorContains(t, res.Err, tc.wantErr)
			assert.Contains(t, res.Err.Error(), "ontap phx1")
			var pe *providers.Error
			require.True(t, errors.As(res.Err, &pe))
			assert.Equal(t, tc.ch.Addr, pe.Addr)
			for k := range l.sim.RequestCounts() {
				assert.Equal(t, "GET ", k[:4], "no write for a refused change: %s", k)
			}
		})
	}
}

// An initialization whose transfer fails is reported with ONTAP's reason, not waited out.
func TestSnapMirrorTransferFailure(t *testing.T) {
	src := newLab(t, ontapsim.Options{ClusterName: "phx1", SVMs: []string{"s"}})
	dst := newLab(t, ontapsim.Options{ClusterName: "dr1", SVMs: []string{"d"}})
	dst.sim.Peer(src.sim)
	require.NoError(t, dst.sim.PeerSVM("d", src.sim, "s"))
	src.create(t, typeVolume, "ontap_volume.a", providers.Object{"name": "a", "svm": "s", "aggregate": "aggr1", "size": "1GiB"})
	dst.create(t, typeVolume, "ontap_volume.b", providers.Object{"name": "b", "svm": "d", "aggregate": "aggr1", "size": "1GiB", "type": "dp"})
	sm := dst.create(t, typeSnapMirror, "ontap_snapmirror.x", providers.Object{"source_path": "s:a", "destination_path": "d:b"})
	require.NoError(t, dst.sim.UpdateRelationship(providers.String(sm, "id"), func(r *ontapsim.Relationship) {
		r.State = ontapsim.SMUninitialized
		r.Healthy = false
		r.UnhealthyReason = "Transfer aborted: the destination volume is offline."
		r.Transfers[len(r.Transfers)-1].Aborted = true
	}))
	op := &operation{p: dst.p, k: kinds[typeSnapMirror], addr: "ontap_snapmirror.x"}
	start := time.Now()
	err := op.waitState(context.Background(), relationshipsPath+"/"+providers.String(sm, "id"), "snapmirrored", start)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is uninitialized, not snapmirrored: transfer aborted: Transfer aborted: the destination volume is offline. (ONTAP error")
	assert.Less(t, time.Since(start), time.Second)
}

// Refresh by identity finds, for every kind, the object a create of the planned values makes,
// in the same collection read as the rest: no round trip of its own.
func TestRefreshByIdentity(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	vol := l.create(t, typeVolume, "ontap_volume.a", providers.Object{"name": "v1", "svm": "svm1", "aggregate": "aggr1", "size": "1GiB"})
	pol := l.create(t, typeExportPolicy, "ontap_export_policy.p", providers.Object{"name": "mail", "svm": "svm1"})
	cases := []struct {
		typ     string
		planned providers.Object
		want    any
	}{
		{typeVolume, providers.Object{"name": "v1", "svm": "svm1"}, vol["id"]},
		{typeVolume, providers.Object{"name": "v1", "svm": "other"}, nil},
		{typeVolume, providers.Object{"name": "V1", "svm": "svm1"}, nil},
		{typeExportPolicy, providers.Object{"name": "mail", "svm": "svm1"}, pol["id"]},
		{typeExportPolicy, providers.Object{"name": "nope", "svm": "svm1"}, nil},
	}
	for _, c := range cases {
		got := l.refreshByIdentity(t, c.typ, c.planned)
		if c.want == nil {
			assert.Nil(t, got, "%s %v", c.typ, c.planned)
			continue
		}
		require.NotNil(t, got, "%s %v", c.typ, c.planned)
		assert.Equal(t, c.want, got["id"])
	}
}
