package ontapsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Options configure a simulated cluster. The zero value is usable.
type Options struct {
	// ClusterName is the cluster's name (default "cluster1"); nodes are
	// named <ClusterName>-01 and -02.
	ClusterName string
	// Username and Password are the basic-auth credentials (default
	// "admin" / "netapp1!").
	Username, Password string
	// JobDuration is how long an asynchronous job takes, a quarter queued
	// and the rest running (default 200ms).
	JobDuration time.Duration
	// Clock drives jobs, purging and SnapMirror lag (default: real time).
	Clock Clock
	// SVMs are created at start, running, with NFS enabled and their
	// "default" export policy.
	SVMs []string
	// Logf, when set, receives one line per request.
	Logf func(format string, args ...any)
}

// Server is one simulated ONTAP cluster: an http.Handler serving the REST
// API under /api. Its methods are safe for concurrent use.
type Server struct {
	opts   Options
	clock  Clock
	faults *Faults

	mu          sync.Mutex
	uuid        string
	location    string
	contact     string
	nodes       []*Node
	aggregates  []*Aggregate
	svms        []*SVM
	volumes     []*Volume
	interfaces  []*IPInterface
	exportPols  []*ExportPolicy
	nextPolID   int64
	snapPols    []*SnapshotPolicy
	schedules   []*Schedule
	smPolicies  []*SnapMirrorPolicy
	relations   []*Relationship
	clusterPeer []*ClusterPeer
	svmPeers    []*SVMPeer
	jobs        []*Job
	peers       map[string]*Server // by cluster name

	countMu sync.Mutex
	total   int
	counts  map[string]int
}

// New returns a simulated cluster seeded with an HA pair of nodes, the
// aggregates aggr1 and aggr2, the snapshot policies default and none, the
// system SnapMirror policies, the usual cron schedules, and opts.SVMs.
func New(opts Options) *Server {
	if opts.ClusterName == "" {
		opts.ClusterName = "cluster1"
	}
	if opts.Username == "" {
		opts.Username = "admin"
	}
	if opts.Password == "" {
		opts.Password = "netapp1!"
	}
	if opts.JobDuration <= 0 {
		opts.JobDuration = 200 * time.Millisecond
	}
	s := &Server{opts: opts, clock: opts.Clock, faults: &Faults{}, counts: map[string]int{}, peers: map[string]*Server{}}
	if s.clock == nil {
		s.clock = realClock{}
	}
	s.uuid = uuid.NewString()
	s.seedCluster()
	s.seedAggregates()
	s.seedSchedules()
	s.seedSnapshotPolicies()
	s.seedSnapMirrorPolicies()
	for _, n := range opts.SVMs {
		s.createSVM(&SVM{Name: n})
	}
	return s
}

// Name is the cluster name.
func (s *Server) Name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.ClusterName
}

// UUID is the cluster UUID.
func (s *Server) UUID() string { return s.uuid }

// Faults is the fault-injection control of this server.
func (s *Server) Faults() *Faults { return s.faults }

// Requests is the number of HTTP requests served since the last ResetCounts.
func (s *Server) Requests() int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	return s.total
}

// RequestCounts counts requests by "METHOD /api/path-pattern", for example
// "GET /api/storage/volumes" or "PATCH /api/storage/volumes/{uuid}".
func (s *Server) RequestCounts() map[string]int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// ResetCounts zeroes the request counters.
func (s *Server) ResetCounts() {
	s.countMu.Lock()
	s.total, s.counts = 0, map[string]int{}
	s.countMu.Unlock()
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// call is one request on its way through a handler.
type call struct {
	r      *http.Request
	method string
	path   string
	vars   map[string]string
	q      *query
	body   body
	peers  map[string]*peerView
}

// response is what a handler decides; ServeHTTP renders it.
type response struct {
	status   int
	body     map[string]any
	err      *apiError
	job      *Job
	created  bool
	location string
	record   func() map[string]any // the created record in full, for return_records
	kind     *kind                 // the created record's kind, for return_records
	after    []func()              // run once the server lock is released
	jobs     []*Job                // a PATCH or DELETE on a collection
	count    int
}

func ok(status int, b map[string]any) *response {
	if b == nil {
		b = map[string]any{}
	}
	return &response{status: status, body: b}
}

func fail(e *apiError) *response { return &response{err: e} }

type handler func(s *Server, c *call) *response

type route struct {
	pattern string
	parts   []string
	methods map[string]handler
	// peers: pre-fetch views of peered clusters before taking the lock.
	peers bool
}

var routes []*route

func handle(pattern string, methods map[string]handler, peers bool) {
	routes = append(routes, &route{pattern: pattern, parts: strings.Split(strings.Trim(pattern, "/"), "/"), methods: methods, peers: peers})
}

func matchRoute(p string) (*route, map[string]string) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for _, rt := range routes {
		if len(rt.parts) != len(parts) {
			continue
		}
		vars := map[string]string{}
		okay := true
		for i, seg := range rt.parts {
			if strings.HasPrefix(seg, "{") {
				vars[strings.Trim(seg, "{}")] = parts[i]
			} else if seg != parts[i] {
				okay = false
				break
			}
		}
		if okay {
			return rt, vars
		}
	}
	return nil, nil
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// ServeHTTP serves the ONTAP REST API.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if s.opts.Logf != nil {
		sw := &statusWriter{ResponseWriter: rw}
		start := time.Now()
		defer func() {
			s.logf("ontapsim %s: %s %s -> %d (%v)", s.Name(), r.Method, r.URL.RequestURI(), sw.status, time.Since(start).Round(time.Millisecond))
		}()
		rw = sw
	}
	w := rw
	p, rawQuery := r.URL.Path, r.URL.RawQuery
	// a query string escaped into the path, as some clients build it
	if i := strings.Index(p, "?"); i >= 0 {
		extra := p[i+1:]
		p = p[:i]
		if rawQuery == "" {
			rawQuery = extra
		} else {
			rawQuery = extra + "&" + rawQuery
		}
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	rt, vars := matchRoute(p)
	key := r.Method + " " + p
	if rt != nil {
		key = r.Method + " " + rt.pattern
	}
	s.countMu.Lock()
	s.total++
	s.counts[key]++
	s.countMu.Unlock()

	if d := s.faults.latencyFor(); d > 0 {
		time.Sleep(d)
	}
	user, pass, hasAuth := r.BasicAuth()
	if !hasAuth || user != s.opts.Username || pass != s.opts.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="ONTAP"`)
		s.write(w, r, http.StatusUnauthorized, (&apiError{Code: codeNotAuthorized, Message: "not authorized for that command"}).body())
		return
	}
	if st, hit := s.faults.failFor(r.Method, rt, p); hit {
		s.write(w, r, st, (&apiError{Code: codeInternal, Message: "Internal error (injected by ontapsim)."}).body())
		return
	}
	if rt == nil {
		s.writeErr(w, r, newErr(http.StatusNotFound, codeNotFound, "", "API not found"))
		return
	}
	h, found := rt.methods[r.Method]
	if !found && (r.Method == http.MethodPatch || r.Method == http.MethodDelete) && instanceRoute(rt) != nil {
		h, found = bulk, true
	}
	if !found {
		allowed := make([]string, 0, len(rt.methods))
		for m := range rt.methods {
			allowed = append(allowed, m)
		}
		sort.Strings(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		if r.Method == http.MethodOptions {
			s.write(w, r, http.StatusOK, map[string]any{})
			return
		}
		s.writeErr(w, r, newErr(http.StatusMethodNotAllowed, codeNotSupported, "", "The method %s is not supported for %s.", r.Method, rt.pattern))
		return
	}
	q, qerr := parseQuery(rawQuery)
	if qerr != nil {
		s.writeErr(w, r, qerr)
		return
	}
	c := &call{r: r, method: r.Method, path: p, vars: vars, q: q}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodDelete {
		data, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			s.writeErr(w, r, newErr(http.StatusBadRequest, codeInvalidJSON, "", "Cannot read the request body."))
			return
		}
		b, berr := parseBody(data)
		if berr != nil {
			s.writeErr(w, r, berr)
			return
		}
		c.body = b
	}
	if rt.peers {
		c.peers = s.peerViews()
	}

	resp := s.call(h, c)
	for _, f := range resp.after {
		f()
	}
	if resp.err != nil {
		s.writeErr(w, r, resp.err)
		return
	}
	if resp.job != nil {
		s.finishAsync(w, r, c, resp)
		return
	}
	if resp.jobs != nil {
		s.finishBulk(w, r, c, resp)
		return
	}
	if resp.location != "" {
		w.Header().Set("Location", resp.location)
	}
	s.write(w, r, resp.status, resp.body)
}

// call runs a handler under the lock. A handler that panics answers 500
// and leaves the server usable: the lock is released either way.
func (s *Server) call(h handler, c *call) (resp *response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			s.logf("ontapsim: panic serving %s %s: %v", c.method, c.path, p)
			resp = fail(&apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: fmt.Sprintf("Internal error: %v", p)})
		}
	}()
	s.advance()
	return h(s, c)
}

// finishAsync waits up to return_timeout for the job, then answers 200/201
// when it finished, the job's error when it failed, or 202 with the job link.
func (s *Server) finishAsync(w http.ResponseWriter, r *http.Request, c *call, resp *response) {
	job := resp.job
	timeout := time.Duration(c.q.returnTimeout) * time.Second
	if timeout > 0 {
		s.waitJob(job, timeout)
	}
	s.mu.Lock()
	s.advance()
	state := job.state(s.clock.Now())
	out := map[string]any{"job": map[string]any{"uuid": job.UUID, "_links": links("/api/cluster/jobs/" + job.UUID)}}
	status := http.StatusAccepted
	var jobErr *apiError
	if resp.created {
		// the new object's keys exist from the start, so the record comes
		// back with the job link whether or not the job has finished, as
		// NetApp's Terraform provider reads records[0] of such an answer
		for k, v := range createdRecords(c, resp) {
			out[k] = v
		}
	}
	switch state {
	case JobSuccess:
		status = http.StatusOK
		if resp.created {
			status = http.StatusCreated
		}
	case JobFailure:
		jobErr = &apiError{Status: http.StatusBadRequest, Code: itoa(job.Code), Message: job.Message}
	}
	s.mu.Unlock()
	if jobErr != nil {
		s.writeErr(w, r, jobErr)
		return
	}
	if resp.location != "" && status != http.StatusAccepted {
		w.Header().Set("Location", resp.location)
	}
	s.write(w, r, status, out)
}

// waitJob waits until the job is finished or timeout passes, in clock time
// and at most timeout in real time.
func (s *Server) waitJob(job *Job, timeout time.Duration) {
	const tick = 5 * time.Millisecond
	deadline := s.clock.Now().Add(timeout)
	realDeadline := time.Now().Add(timeout)
	sleeper, canSleep := s.clock.(Sleeper)
	for {
		now := s.clock.Now()
		if !now.Before(job.end()) || !now.Before(deadline) || !time.Now().Before(realDeadline) {
			return
		}
		if canSleep {
			// sleep straight to the job's end or the deadline, whichever is first
			step := job.end().Sub(now)
			if rest := deadline.Sub(now); rest < step {
				step = rest
			}
			sleeper.Sleep(step)
		} else {
			time.Sleep(tick)
		}
	}
}

// instanceRoute is the route of one member of a collection route.
func instanceRoute(rt *route) *route {
	for _, o := range routes {
		if len(o.parts) == len(rt.parts)+1 && strings.HasPrefix(o.pattern, rt.pattern+"/{") {
			return o
		}
	}
	return nil
}

// bulk applies a PATCH or DELETE on a collection to every record its query
// selects, as ONTAP does; without a query it refuses, so that a bare
// DELETE /api/storage/volumes never deletes everything.
func bulk(s *Server, c *call) *response {
	rt, _ := matchRoute(c.path)
	inst := instanceRoute(rt)
	if len(c.q.filters) == 0 {
		return fail(newErr(http.StatusBadRequest, codeInvalidField, "", "%s on a collection needs a query to select the records.", c.method))
	}
	h := inst.methods[c.method]
	get := rt.methods[http.MethodGet]
	if h == nil || get == nil {
		return fail(newErr(http.StatusMethodNotAllowed, codeNotSupported, "", "The method %s is not supported for %s.", c.method, rt.pattern))
	}
	lq := *c.q
	lq.fields, lq.maxRecords, lq.returnRecords, lq.start = nil, 0, nil, map[string]string{}
	listed := get(s, &call{r: c.r, method: http.MethodGet, path: c.path, vars: c.vars, q: &lq, peers: c.peers})
	if listed.err != nil {
		return listed
	}
	recs, _ := listed.body["records"].([]any)
	varName := strings.Trim(inst.parts[len(inst.parts)-1], "{}")
	out := &response{status: http.StatusOK, jobs: []*Job{}, count: len(recs)}
	for i := range recs {
		x := recs[i]
		if c.method == http.MethodDelete {
			// from the end, so deleting export rules, which renumbers the
			// ones after, does not shift the indexes still to delete
			x = recs[len(recs)-1-i]
		}
		rec, _ := x.(map[string]any)
		hrefs := valuesAt(rec, []string{"_links", "self", "href"})
		if len(hrefs) == 0 {
			continue
		}
		href := scalarString(hrefs[0])
		vars := map[string]string{varName: href[strings.LastIndex(href, "/")+1:]}
		for k, v := range c.vars {
			vars[k] = v
		}
		one := h(s, &call{r: c.r, method: c.method, path: href, vars: vars, q: c.q, body: c.body, peers: c.peers})
		if one.err != nil {
			return one
		}
		out.after = append(out.after, one.after...)
		if one.job != nil {
			out.jobs = append(out.jobs, one.job)
		}
	}
	return out
}

// finishBulk waits for a collection operation's jobs like finishAsync does.
func (s *Server) finishBulk(w http.ResponseWriter, r *http.Request, c *call, resp *response) {
	if timeout := time.Duration(c.q.returnTimeout) * time.Second; timeout > 0 {
		deadline := time.Now().Add(timeout)
		for _, j := range resp.jobs {
			if left := time.Until(deadline); left > 0 {
				s.waitJob(j, left)
			}
		}
	}
	s.mu.Lock()
	s.advance()
	status := http.StatusOK
	jobs := make([]any, 0, len(resp.jobs))
	for _, j := range resp.jobs {
		jobs = append(jobs, map[string]any{"uuid": j.UUID, "_links": links("/api/cluster/jobs/" + j.UUID)})
		if st := j.state(s.clock.Now()); st != JobSuccess {
			status = http.StatusAccepted
		}
	}
	s.mu.Unlock()
	out := map[string]any{"num_records": resp.count}
	if len(jobs) > 0 {
		out["jobs"] = jobs
	}
	s.write(w, r, status, out)
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, status int, b map[string]any) {
	ct := "application/json"
	if strings.Contains(r.Header.Get("Accept"), "application/hal+json") {
		ct = "application/hal+json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	if b == nil {
		b = map[string]any{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(b)
}

func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, e *apiError) {
	st := e.Status
	if st == 0 {
		st = http.StatusBadRequest
	}
	s.write(w, r, st, e.body())
}
