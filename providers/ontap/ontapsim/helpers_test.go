package ontapsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// client talks to a simulator through HTTP, as a test's ONTAP client would.
type client struct {
	t   *testing.T
	srv *httptest.Server
	sim *Server
}

func newSim(t *testing.T, opts Options) *client {
	t.Helper()
	if opts.SVMs == nil {
		opts.SVMs = []string{"svm1"}
	}
	if opts.JobDuration == 0 {
		opts.JobDuration = 20 * time.Millisecond
	}
	sim := New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv, sim: sim}
}

// do sends a request; body may be a string (sent as is) or a value (JSON).
func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	require.NoError(c.t, err)
	req.SetBasicAuth("admin", "netapp1!")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	if len(data) > 0 {
		require.NoError(c.t, json.Unmarshal(data, &out), string(data))
	}
	return resp.StatusCode, out
}

// must sends a request and requires the status.
func (c *client) must(status int, method, path string, body any) map[string]any {
	c.t.Helper()
	st, out := c.do(method, path, body)
	require.Equal(c.t, status, st, "%s %s: %v", method, path, out)
	return out
}

// errCode returns the ONTAP error code of a reply.
func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func records(out map[string]any) []map[string]any {
	var rs []map[string]any
	for _, r := range out["records"].([]any) {
		rs = append(rs, r.(map[string]any))
	}
	return rs
}

// createVolume creates a volume synchronously and returns its uuid.
func (c *client) createVolume(b map[string]any) string {
	c.t.Helper()
	if _, ok := b["svm.name"]; !ok {
		b["svm.name"] = "svm1"
	}
	if _, ok := b["aggregates"]; !ok {
		b["aggregates"] = []any{map[string]any{"name": "aggr1"}}
	}
	out := c.must(201, "POST", "/api/storage/volumes?return_timeout=30&return_records=true", b)
	return records(out)[0]["uuid"].(string)
}
