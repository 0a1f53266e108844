package ontapsim

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Faults injects failures, as govmomi's simulator does: latency on every
// request, error statuses for the next N matching requests, failing jobs and
// jobs slower than a client's return_timeout. Every knob is consumed in
// order and is safe to set while the server serves.
type Faults struct {
	mu        sync.Mutex
	latency   time.Duration
	rules     []*errorRule
	failures  []jobFailure
	durations []time.Duration
}

// Match selects requests. An empty Method matches every method. Path is
// either a route pattern ("/api/storage/volumes/{uuid}"), a concrete path,
// or a prefix ending in "*"; empty matches every path.
type Match struct {
	Method string
	Path   string
}

type errorRule struct {
	match  Match
	status int
	left   int
}

type jobFailure struct {
	message string
	code    int
}

// SetLatency delays every request by d (0 turns it off).
func (f *Faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	f.latency = d
	f.mu.Unlock()
}

// FailRequests makes the next n requests that match answer status (a 5xx,
// 500 when 0) with an ONTAP error body.
func (f *Faults) FailRequests(n, status int, m Match) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	f.mu.Lock()
	f.rules = append(f.rules, &errorRule{match: m, status: status, left: n})
	f.mu.Unlock()
}

// FailNextJob makes the next asynchronous job end in failure with message
// and code; the operation it stands for does not happen.
func (f *Faults) FailNextJob(message string, code int) {
	if code == 0 {
		code = codeJobFailedDefault
	}
	f.mu.Lock()
	f.failures = append(f.failures, jobFailure{message: message, code: code})
	f.mu.Unlock()
}

// SlowNextJob makes the next asynchronous job take d instead of
// Options.JobDuration, for instance longer than a client's return_timeout.
func (f *Faults) SlowNextJob(d time.Duration) {
	f.mu.Lock()
	f.durations = append(f.durations, d)
	f.mu.Unlock()
}

// Clear removes every pending fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.latency, f.rules, f.failures, f.durations = 0, nil, nil, nil
	f.mu.Unlock()
}

func (f *Faults) latencyFor() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency
}

func (f *Faults) failFor(method string, rt *route, p string) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.left <= 0 || !r.match.matches(method, rt, p) {
			continue
		}
		r.left--
		st := r.status
		if r.left == 0 {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
		}
		return st, true
	}
	return 0, false
}

func (m Match) matches(method string, rt *route, p string) bool {
	if m.Method != "" && !strings.EqualFold(m.Method, method) {
		return false
	}
	switch {
	case m.Path == "":
		return true
	case strings.HasSuffix(m.Path, "*"):
		return strings.HasPrefix(p, strings.TrimSuffix(m.Path, "*"))
	case rt != nil && strings.TrimRight(m.Path, "/") == rt.pattern:
		return true
	}
	return strings.TrimRight(m.Path, "/") == p
}

func (f *Faults) nextJob() (dur time.Duration, msg string, code int, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.durations) > 0 {
		dur, f.durations = f.durations[0], f.durations[1:]
	}
	if len(f.failures) > 0 {
		jf := f.failures[0]
		f.failures = f.failures[1:]
		return dur, jf.message, jf.code, true
	}
	return dur, "", 0, false
}
