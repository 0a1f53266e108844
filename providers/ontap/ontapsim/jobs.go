package ontapsim

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Job states, as ONTAP names them.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobSuccess = "success"
	JobFailure = "failure"
)

// jobRetention is how long ONTAP keeps a finished job before GET answers 404.
const jobRetention = 300 * time.Second

// Job is an asynchronous operation. Its state is not stored but derived from
// the clock: queued for Queued, then running until Start+Queued+Running,
// then success or failure. Model changes that follow a job (a SnapMirror
// transfer completing) are applied the first time the server sees the job
// finished.
type Job struct {
	UUID        string
	Description string
	Start       time.Time
	Queued      time.Duration
	Running     time.Duration
	// Fail makes the job end in failure with Message and Code.
	Fail    bool
	Message string
	Code    int

	onSuccess func()
	onFailure func()
	settled   bool
}

func (j *Job) end() time.Time { return j.Start.Add(j.Queued + j.Running) }

func (j *Job) state(now time.Time) string {
	switch {
	case now.Before(j.Start.Add(j.Queued)):
		return JobQueued
	case now.Before(j.end()):
		return JobRunning
	case j.Fail:
		return JobFailure
	}
	return JobSuccess
}

// State is the job's state at the given time.
func (j Job) State(now time.Time) string { return j.state(now) }

// startJob registers a job for an asynchronous operation. The next injected
// job fault (duration, failure) applies to it. When the job is to fail,
// apply is not called; otherwise apply runs now and onSuccess once the job
// is seen finished.
func (s *Server) startJob(c *call, apply func(), onSuccess func()) *Job {
	dur, failMsg, failCode, fail := s.faults.nextJob()
	if dur <= 0 {
		dur = s.opts.JobDuration
	}
	j := &Job{
		UUID:        uuid.NewString(),
		Description: c.method + " " + c.path,
		Start:       s.clock.Now(),
		Queued:      dur / 4,
		Running:     dur - dur/4,
		Fail:        fail,
		Message:     failMsg,
		Code:        failCode,
		onSuccess:   onSuccess,
	}
	if !fail && apply != nil {
		apply()
	}
	s.jobs = append(s.jobs, j)
	return j
}

// async answers a write handled by a job.
func (s *Server) async(c *call, apply func(), onSuccess func()) *response {
	j := s.startJob(c, apply, onSuccess)
	return &response{job: j, created: c.method == http.MethodPost}
}

// advance settles finished jobs (running their follow-up model changes in
// creation order) and purges the ones finished more than 300 s ago. It is
// called with s.mu held at the start of every request and inspection.
func (s *Server) advance() {
	now := s.clock.Now()
	kept := s.jobs[:0]
	for _, j := range s.jobs {
		if !j.settled && !now.Before(j.end()) {
			j.settled = true
			if j.Fail {
				if j.onFailure != nil {
					j.onFailure()
				}
			} else if j.onSuccess != nil {
				j.onSuccess()
			}
		}
		if j.settled && !now.Before(j.end().Add(jobRetention)) {
			continue
		}
		kept = append(kept, j)
	}
	for i := len(kept); i < len(s.jobs); i++ {
		s.jobs[i] = nil
	}
	s.jobs = kept
}

func (s *Server) jobRecord(j *Job) map[string]any {
	now := s.clock.Now()
	st := j.state(now)
	rec := map[string]any{
		"uuid":        j.UUID,
		"description": j.Description,
		"state":       st,
		"start_time":  ontapTime(j.Start),
		"_links":      links("/api/cluster/jobs/" + j.UUID),
	}
	switch st {
	case JobQueued:
		rec["message"] = "Queued"
		rec["code"] = 0
	case JobRunning:
		rec["message"] = "In progress"
		rec["code"] = 0
	case JobSuccess:
		rec["message"] = "success"
		rec["code"] = 0
		rec["end_time"] = ontapTime(j.end())
	case JobFailure:
		rec["message"] = j.Message
		rec["code"] = j.Code
		rec["end_time"] = ontapTime(j.end())
		rec["error"] = map[string]any{"message": j.Message, "code": itoa(j.Code)}
	}
	return rec
}

var jobKind = &kind{keys: []string{"uuid"}, sortKey: "uuid"}

func (s *Server) findJob(id string) *Job {
	for _, j := range s.jobs {
		if j.UUID == id {
			return j
		}
	}
	return nil
}

func getJobs(s *Server, c *call) *response {
	recs := make([]map[string]any, 0, len(s.jobs))
	for _, j := range s.jobs {
		recs = append(recs, s.jobRecord(j))
	}
	return ok(200, jobKind.collection(c.path, c.q, recs))
}

func getJob(s *Server, c *call) *response {
	j := s.findJob(c.vars["uuid"])
	if j == nil {
		return fail(errNotFound("uuid"))
	}
	return ok(200, jobKind.project(s.jobRecord(j), c.q.fields, false))
}

// Jobs returns the jobs the cluster still remembers.
func (s *Server) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	out := make([]Job, 0, len(s.jobs))
	for _, j := range s.jobs {
		cp := *j
		cp.onSuccess, cp.onFailure = nil, nil
		out = append(out, cp)
	}
	return out
}

func init() {
	handle("/api/cluster/jobs", map[string]handler{"GET": getJobs}, false)
	handle("/api/cluster/jobs/{uuid}", map[string]handler{"GET": getJob}, false)
}

// ontapTime formats a time as ONTAP does: RFC 3339 with a numeric offset.
func ontapTime(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }

func itoa(n int) string { return strconv.Itoa(n) }
