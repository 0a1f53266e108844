package ontap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/enclave-dev/enclave/internal/faultpoint"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// APIError is an error ONTAP reported, in its own words: the HTTP status, the error code
// (a decimal string, as ONTAP sends it), the message and the field it concerns.
type APIError struct {
	Status  int
	Code    string
	Message string
	Target  string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "error without a message"
	}
	if e.Target != "" {
		msg += " [field " + e.Target + "]"
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (ONTAP error %s)", msg, e.Code)
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
}

// JobTimeoutError says a job was still running when the deadline came: its outcome is not
// known, the cluster may still finish it.
type JobTimeoutError struct {
	Job     string
	State   string
	Elapsed time.Duration
}

func (e *JobTimeoutError) Error() string {
	return fmt.Sprintf("job %s still %s after %s (job_timeout_seconds); the cluster may still complete it, the next refresh shows the outcome",
		e.Job, e.State, e.Elapsed.Round(time.Millisecond))
}

// client talks to one cluster. It is safe for concurrent use.
type client struct {
	base   *url.URL
	http   *http.Client
	user   string
	pass   string
	device string // "ontap NAME" for messages

	returnTimeout time.Duration // sent as return_timeout on writes
	jobTimeout    time.Duration // overall deadline of one write, job included
	pollStart     time.Duration
	pollMax       time.Duration
	maxRecords    int
	getAttempts   int
	retryBackoff  time.Duration
	sleep         func(ctx context.Context, d time.Duration) error
}

func newClient(base *url.URL, hc *http.Client, user, pass, device string, jobTimeout time.Duration) *client {
	return &client{
		base: base, http: hc, user: user, pass: pass, device: device,
		returnTimeout: 30 * time.Second,
		jobTimeout:    jobTimeout,
		pollStart:     100 * time.Millisecond,
		pollMax:       time.Second,
		maxRecords:    1000,
		getAttempts:   3,
		retryBackoff:  200 * time.Millisecond,
		sleep:         sleepCtx,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// record is one ONTAP object as JSON decoded it (numbers as json.Number).
type record = map[string]any

// envelope is the collection part of a body.
type envelope struct {
	Records []record
	Next    string
}

// maxBody bounds what is read from one response; a 500-volume page with the fields we ask
// for is about 300 KB.
const maxBody = 64 << 20

// decodeResponse turns a status and body into a decoded object, or an error that says what
// was wrong: ONTAP's own error, a body that is not JSON (a proxy's HTML page), a truncated
// body, or a status that ONTAP does not use for success.
func decodeResponse(status int, data []byte) (record, error) {
	trimmed := bytes.TrimSpace(data)
	var body record
	var decErr error
	if len(trimmed) > 0 {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			decErr = err
		} else if _, err := dec.Token(); err != io.EOF {
			decErr = errors.New("data after the JSON value")
		} else if m, ok := v.(map[string]any); ok {
			body = m
		} else {
			decErr = fmt.Errorf("JSON %s where an object was expected", jsonKind(v))
		}
	}
	if status < 200 || status > 299 {
		if body != nil {
			if e, ok := body["error"].(map[string]any); ok {
				return nil, &APIError{Status: status, Code: scalar(e["code"]), Message: scalar(e["message"]), Target: scalar(e["target"])}
			}
		}
		return nil, fmt.Errorf("unexpected HTTP %d %s: %s", status, http.StatusText(status), snippet(trimmed))
	}
	if decErr != nil {
		if errors.Is(decErr, io.ErrUnexpectedEOF) || strings.Contains(decErr.Error(), "unexpected EOF") {
			return nil, fmt.Errorf("truncated JSON in HTTP %d response: %s", status, snippet(trimmed))
		}
		return nil, fmt.Errorf("response (HTTP %d) is not a JSON object (%v): %s", status, decErr, snippet(trimmed))
	}
	if body == nil {
		body = record{}
	}
	if status == http.StatusAccepted && str(body, "job.uuid") == "" {
		return nil, fmt.Errorf("HTTP 202 without a job in the response: %s", snippet(trimmed))
	}
	return body, nil
}

// parseEnvelope reads the records and the next link of a collection body.
func parseEnvelope(body record) (envelope, error) {
	var env envelope
	if raw, ok := body["records"]; ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return env, fmt.Errorf("records is %s, not an array", jsonKind(raw))
		}
		for i, r := range list {
			m, ok := r.(map[string]any)
			if !ok {
				return env, fmt.Errorf("records[%d] is %s, not an object", i, jsonKind(r))
			}
			env.Records = append(env.Records, m)
		}
	}
	env.Next = str(body, "_links.next.href")
	return env, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// snippet shows the start of a body in an error, printable and short.
func snippet(b []byte) string {
	if len(b) == 0 {
		return "(empty body)"
	}
	const n = 120
	cut := len(b) > n
	if cut {
		b = b[:n]
	}
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	if cut {
		s += "..."
	}
	return strconv.Quote(s)
}

// callName is the request as error messages name it: "POST /api/storage/volumes".
func callName(method, path string) string { return method + " " + path }

// do sends one request and decodes the answer. GETs are retried on 5xx and 429 a bounded
// number of times; writes never are.
func (c *client) do(ctx context.Context, method, path string, q url.Values, body any) (record, error) {
	_, rec, err := c.doStatus(ctx, method, path, q, body)
	return rec, err
}

// doStatus is do that also returns the HTTP status of the answer.
func (c *client) doStatus(ctx context.Context, method, path string, q url.Values, body any) (int, record, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, nil, fmt.Errorf("encoding request: %w", err)
		}
	}
	u := c.base.ResolveReference(&url.URL{Path: path})
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return c.exchange(ctx, method, u, payload)
}

// exchange sends a request, retrying a GET on 5xx and 429 with a short backoff.
func (c *client) exchange(ctx context.Context, method string, u *url.URL, payload []byte) (int, record, error) {
	attempts := 1
	if method == http.MethodGet {
		attempts = c.getAttempts
	}
	var lastErr error
	var status int
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := c.sleep(ctx, c.retryBackoff*time.Duration(i)); err != nil {
				return 0, nil, err
			}
		}
		var data []byte
		var err error
		status, data, err = c.send(ctx, method, u, payload)
		if err != nil {
			return status, nil, err
		}
		rec, err := decodeResponse(status, data)
		if err == nil {
			return status, rec, nil
		}
		lastErr = err
		if status < 500 && status != http.StatusTooManyRequests {
			break
		}
	}
	return status, nil, lastErr
}

func (c *client) send(ctx context.Context, method string, u *url.URL, payload []byte) (int, []byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	// One request may wait return_timeout on the cluster; beyond that plus a margin the
	// connection is considered lost.
	rctx, cancel := context.WithTimeout(ctx, c.returnTimeout+60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Dot-Client-App", "enclave")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, cleanTransportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("reading HTTP %d response: %w", resp.StatusCode, err)
	}
	if len(data) > maxBody {
		return resp.StatusCode, nil, fmt.Errorf("response larger than %d bytes", maxBody)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return resp.StatusCode, nil, fmt.Errorf("authentication failed for user %q (HTTP 401): check username and password", c.user)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp.StatusCode, nil, fmt.Errorf("unexpected redirect HTTP %d to %q: url must point at the cluster management address", resp.StatusCode, resp.Header.Get("Location"))
	}
	return resp.StatusCode, data, nil
}

// cleanTransportError drops the request URL net/http puts in front of transport errors
// (the caller names the call) and keeps the cause.
func cleanTransportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// getAll reads a whole collection, following _links.next. An empty page ends the walk
// even when it carries a next link, as ONTAP may send one with nothing left.
func (c *client) getAll(ctx context.Context, path string, q url.Values) ([]record, error) {
	q = cloneValues(q)
	q.Set("max_records", strconv.Itoa(c.maxRecords))
	rec, err := c.do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	var out []record
	seen := map[string]bool{}
	for {
		env, err := parseEnvelope(rec)
		if err != nil {
			return nil, fmt.Errorf("decoding collection: %w", err)
		}
		out = append(out, env.Records...)
		if env.Next == "" || len(env.Records) == 0 {
			return out, nil
		}
		if seen[env.Next] {
			return nil, fmt.Errorf("pagination loops: next link %q seen twice", env.Next)
		}
		seen[env.Next] = true
		next, err := url.Parse(env.Next)
		if err != nil {
			return nil, fmt.Errorf("bad next link %q: %w", env.Next, err)
		}
		u := c.base.ResolveReference(next)
		if u.Host != c.base.Host || u.Scheme != c.base.Scheme {
			return nil, fmt.Errorf("next link %q leaves the cluster", env.Next)
		}
		if _, rec, err = c.exchange(ctx, http.MethodGet, u, nil); err != nil {
			return nil, err
		}
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// write sends a POST, PATCH or DELETE with return_timeout and waits for its job, if the
// cluster answered with one, until the overall deadline. It returns the final body of the
// synchronous answer (records, when asked for).
func (c *client) write(ctx context.Context, method, path string, q url.Values, body any, progress func(string)) (record, error) {
	start := time.Now()
	deadline := start.Add(c.jobTimeout)
	q = cloneValues(q)
	rt := c.returnTimeout
	if rest := time.Until(deadline); rest < rt {
		rt = rest
	}
	secs := int(rt / time.Second)
	if secs < 0 {
		secs = 0
	}
	if secs > 120 {
		secs = 120
	}
	q.Set("return_timeout", strconv.Itoa(secs))
	status, rec, err := c.doStatus(ctx, method, path, q, body)
	if err != nil {
		return nil, err
	}
	// 200/201, with or without a job link: done within return_timeout.
	if status != http.StatusAccepted {
		faultpoint.Hit("ontap.written")
		return rec, nil
	}
	faultpoint.Hit("ontap.job-started")
	err = c.waitJob(ctx, str(rec, "job.uuid"), start, deadline, progress)
	faultpoint.Hit("ontap.job-ended")
	return rec, err
}

// waitJob polls a job until it ends, with a backoff from pollStart doubling-ish up to
// pollMax, so a finished job is noticed within pollMax.
func (c *client) waitJob(ctx context.Context, job string, start, deadline time.Time, progress func(string)) error {
	delay := c.pollStart
	path := "/api/cluster/jobs/" + job
	q := url.Values{"fields": {"state,message,code,error"}}
	lastState := ""
	for {
		wait := delay
		final := false
		if rest := time.Until(deadline); rest <= wait {
			wait, final = rest, true
		}
		if wait > 0 {
			if err := c.sleep(ctx, wait); err != nil {
				return err
			}
		}
		rec, err := c.do(ctx, http.MethodGet, path, q, nil)
		if err != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
				return fmt.Errorf("job %s is no longer known to the cluster; its outcome is not known: %w", job, err)
			}
			return fmt.Errorf("GET %s: %w", path, err)
		}
		state := str(rec, "state")
		if state != lastState && progress != nil {
			progress(fmt.Sprintf("job %s %s", job, state))
		}
		lastState = state
		switch state {
		case "success":
			return nil
		case "failure":
			e := &APIError{Status: http.StatusOK, Code: str(rec, "error.code"), Message: str(rec, "error.message")}
			if e.Code == "" {
				e.Code = str(rec, "code")
			}
			if e.Message == "" {
				e.Message = str(rec, "message")
			}
			return fmt.Errorf("job %s failed: %w", job, e)
		case "queued", "running", "paused":
		default:
			return fmt.Errorf("job %s in unexpected state %q", job, state)
		}
		if final || !time.Now().Before(deadline) {
			return &JobTimeoutError{Job: job, State: state, Elapsed: time.Since(start)}
		}
		delay = delay * 3 / 2
		if delay > c.pollMax {
			delay = c.pollMax
		}
	}
}

// str reads a dotted path from a record as a string ("" when absent or not a scalar).
func str(rec record, path string) string {
	v, ok := lookup(rec, path)
	if !ok {
		return ""
	}
	return scalar(v)
}

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	}
	return ""
}

func lookup(rec record, path string) (any, bool) {
	var cur any = rec
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// integer reads a dotted path as an int64.
func integer(rec record, path string) (int64, bool) {
	s := str(rec, path)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, false
		}
		n = int64(f)
	}
	return n, true
}

// boolean reads a dotted path as a bool.
func boolean(rec record, path string) (bool, bool) {
	v, ok := lookup(rec, path)
	if !ok {
		return false, false
	}
	b, ok := v.(bool)
	return b, ok
}

// list reads an array of objects at a dotted path.
func list(rec record, path string) []record {
	v, _ := lookup(rec, path)
	arr, _ := v.([]any)
	out := make([]record, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// names reads the "name" of every object in an array ([{name: aggr1}, ...]).
func names(rec record, path string) []string {
	var out []string
	for _, e := range list(rec, path) {
		if n := str(e, "name"); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// strs reads an array of strings.
func strs(rec record, path string) []string {
	v, _ := lookup(rec, path)
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s := scalar(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}
