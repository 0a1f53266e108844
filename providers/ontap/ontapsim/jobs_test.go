package ontapsim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func volBody(name string) map[string]any {
	return map[string]any{"name": name, "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}}
}

func jobHref(out map[string]any) string {
	return out["job"].(map[string]any)["_links"].(map[string]any)["self"].(map[string]any)["href"].(string)
}

func TestJobLifecycle(t *testing.T) {
	clock := NewFakeClock(t0)
	c := newSim(t, Options{Clock: clock, JobDuration: 4 * time.Second})

	out := c.must(202, "POST", "/api/storage/volumes", volBody("v1"))
	href := jobHref(out)
	require.Regexp(t, `^/api/cluster/jobs/[0-9a-f-]{36}$`, href)

	for _, step := range []struct {
		advance time.Duration
		state   string
	}{
		{0, JobQueued},
		{time.Second, JobRunning},
		{2 * time.Second, JobRunning},
		{time.Second, JobSuccess},
		{299 * time.Second, JobSuccess},
	} {
		clock.Advance(step.advance)
		job := c.must(200, "GET", href, nil)
		require.Equal(t, step.state, job["state"], "after %v", clock.Now().Sub(t0))
		require.Equal(t, "POST /api/storage/volumes", job["description"])
		if step.state == JobSuccess {
			require.Equal(t, "2026-01-02T03:04:09+00:00", job["end_time"])
		}
	}
	clock.Advance(time.Second) // 300 s after the end
	out = c.must(404, "GET", href, nil)
	require.Equal(t, "4", errCode(out))
	_, found := c.sim.Volume("svm1", "v1")
	require.True(t, found)
}

func TestReturnTimeout(t *testing.T) {
	clock := NewFakeClock(t0)
	c := newSim(t, Options{Clock: clock, JobDuration: 4 * time.Second})

	// the job finishes within return_timeout: 201, the record, and the clock
	// jumped only to the job's end
	out := c.must(201, "POST", "/api/storage/volumes?return_timeout=10&return_records=true", volBody("v1"))
	require.EqualValues(t, 1, out["num_records"])
	require.Equal(t, "v1", records(out)[0]["name"])
	require.NotEmpty(t, jobHref(out))
	require.Equal(t, 4*time.Second, clock.Now().Sub(t0))
	uuid := records(out)[0]["uuid"].(string)

	// PATCH answers 200 when done in time
	c.must(200, "PATCH", "/api/storage/volumes/"+uuid+"?return_timeout=10", map[string]any{"comment": "x"})

	// a job slower than return_timeout: 202 after the timeout
	c.sim.Faults().SlowNextJob(time.Minute)
	before := clock.Now()
	out = c.must(202, "PATCH", "/api/storage/volumes/"+uuid+"?return_timeout=5", map[string]any{"comment": "y"})
	require.Equal(t, 5*time.Second, clock.Now().Sub(before))
	job := c.must(200, "GET", jobHref(out), nil)
	require.Equal(t, JobQueued, job["state"], "a quarter of the job is queued")

	// without return_records a finished POST has no records
	out = c.must(201, "POST", "/api/storage/volumes?return_timeout=10", volBody("v2"))
	require.NotContains(t, out, "records")

	// return_timeout out of range
	out = c.must(400, "POST", "/api/storage/volumes?return_timeout=600", volBody("v3"))
	require.Equal(t, map[string]any{"error": map[string]any{
		"message": `The value "600" is invalid for field "return_timeout" (<0..120>)`,
		"code":    "262197", "target": "return_timeout"}}, out)
}

func TestFailingJob(t *testing.T) {
	clock := NewFakeClock(t0)
	c := newSim(t, Options{Clock: clock, JobDuration: 2 * time.Second})

	c.sim.Faults().FailNextJob("Failed to create volume: disk on fire.", 917777)
	out := c.must(202, "POST", "/api/storage/volumes", volBody("v1"))
	clock.Advance(3 * time.Second)
	job := c.must(200, "GET", jobHref(out), nil)
	require.Equal(t, JobFailure, job["state"])
	require.Equal(t, "Failed to create volume: disk on fire.", job["message"])
	require.EqualValues(t, 917777, job["code"])
	require.Equal(t, "917777", job["error"].(map[string]any)["code"])
	_, found := c.sim.Volume("svm1", "v1")
	require.False(t, found, "a failed job changes nothing")

	// waited for, a failed job answers its error
	c.sim.Faults().FailNextJob("nope", 0)
	out = c.must(400, "POST", "/api/storage/volumes?return_timeout=30", volBody("v1"))
	require.Equal(t, "460770", errCode(out))
	require.Equal(t, "nope", out["error"].(map[string]any)["message"])
}

func TestJobsRealClock(t *testing.T) {
	c := newSim(t, Options{JobDuration: 30 * time.Millisecond})
	start := time.Now()
	c.must(201, "POST", "/api/storage/volumes?return_timeout=5", volBody("v1"))
	require.Less(t, time.Since(start), 4*time.Second, "answered once the job ended, not after return_timeout")
	out := c.must(202, "POST", "/api/storage/volumes", volBody("v2"))
	href := jobHref(out)
	require.Eventually(t, func() bool {
		return c.must(200, "GET", href, nil)["state"] == JobSuccess
	}, 10*time.Second, 5*time.Millisecond)
	out = c.must(200, "GET", "/api/cluster/jobs?fields=state", nil)
	require.EqualValues(t, 2, out["num_records"])
}
