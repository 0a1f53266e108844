package ontap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeResponse(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   string // a field of the decoded body, "key=value"
		err    string
		code   string // ONTAP's error code, when the error is ONTAP's
	}{
		{name: "collection", status: 200, body: `{"records":[{"uuid":"u1","size":536870912000}],"num_records":1}`, want: "num_records=1"},
		{name: "empty body", status: 200, body: ``},
		{name: "created", status: 201, body: `{"job":{"uuid":"j1"}}`, want: "job.uuid=j1"},
		{name: "accepted", status: 202, body: `{"job":{"uuid":"j1","_links":{"self":{"href":"/api/cluster/jobs/j1"}}}}`, want: "job.uuid=j1"},
		{name: "accepted without job", status: 202, body: `{}`, err: "HTTP 202 without a job"},
		{name: "ontap error", status: 409, body: `{"error":{"message":"Duplicate volume name","code":"917526","target":"name"}}`,
			err: "Duplicate volume name [field name] (ONTAP error 917526)", code: "917526"},
		{name: "numeric error code", status: 400, body: `{"error":{"message":"bad","code":262197}}`, err: "bad (ONTAP error 262197)", code: "262197"},
		{name: "error without message", status: 500, body: `{"error":{"code":"65536"}}`, err: "error without a message (ONTAP error 65536)", code: "65536"},
		{name: "html from a proxy", status: 502, body: `<html><body>Bad Gateway</body></html>`, err: `unexpected HTTP 502 Bad Gateway: "<html><body>Bad Gateway</body></html>"`},
		{name: "html with 200", status: 200, body: `<html>login</html>`, err: "response (HTTP 200) is not a JSON object"},
		{name: "truncated", status: 200, body: `{"records":[{"uuid":"u1"`, err: "truncated JSON in HTTP 200 response"},
		{name: "array", status: 200, body: `[1,2]`, err: "JSON an array where an object was expected"},
		{name: "trailing data", status: 200, body: `{"a":1} {"b":2}`, err: "data after the JSON value"},
		{name: "unexpected status", status: 418, body: ``, err: "unexpected HTTP 418 I'm a teapot: (empty body)"},
		{name: "long body cut", status: 503, body: strings.Repeat("x", 500), err: `..."`},
		{name: "control bytes", status: 500, body: "\x00\x01oops", err: `"  oops"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := decodeResponse(tc.status, []byte(tc.body))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				var ae *APIError
				if tc.code != "" {
					require.True(t, errors.As(err, &ae))
					assert.Equal(t, tc.code, ae.Code)
					assert.Equal(t, tc.status, ae.Status)
				} else {
					assert.False(t, errors.As(err, &ae))
				}
				return
			}
			require.NoError(t, err)
			require.NotNil(t, rec)
			if tc.want != "" {
				k, v, _ := strings.Cut(tc.want, "=")
				assert.Equal(t, v, str(rec, k))
			}
		})
	}
}

func TestParseEnvelope(t *testing.T) {
	rec, err := decodeResponse(200, []byte(`{"records":[{"a":1},{"a":2}],"_links":{"next":{"href":"/api/x?start.uuid=2"}}}`))
	require.NoError(t, err)
	env, err := parseEnvelope(rec)
	require.NoError(t, err)
	assert.Len(t, env.Records, 2)
	assert.Equal(t, "/api/x?start.uuid=2", env.Next)

	for body, want := range map[string]string{
		`{"records":{"a":1}}`: "records is an object, not an array",
		`{"records":[1]}`:     "records[0] is a number, not an object",
	} {
		rec, err := decodeResponse(200, []byte(body))
		require.NoError(t, err)
		_, err = parseEnvelope(rec)
		assert.ErrorContains(t, err, want)
	}
}

// FuzzDecodeResponse: whatever the cluster (or something pretending to be it) answers, the
// decoder returns a body or an error, never panics, and never a body with an error status.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(200, []byte(`{"records":[{"uuid":"u","name":"v","size":1}],"num_records":1,"_links":{"next":{"href":"/api/storage/volumes?start.uuid=u"}}}`))
	f.Add(202, []byte(`{"job":{"uuid":"j","_links":{"self":{"href":"/api/cluster/jobs/j"}}}}`))
	f.Add(409, []byte(`{"error":{"message":"Duplicate","code":"917526","target":"name","arguments":[{"code":"1","message":"x"}]}}`))
	f.Add(200, []byte(`{"records":[{"uuid":`))
	f.Add(500, []byte(`<html>`))
	f.Add(200, []byte(`{"records":7}`))
	f.Add(200, []byte(`{"job":null,"records":[null,{}]}`))
	f.Add(400, []byte(`{"error":"plain"}`))
	f.Fuzz(func(t *testing.T, status int, data []byte) {
		rec, err := decodeResponse(status, data)
		if status < 200 || status > 299 {
			require.Error(t, err)
			return
		}
		if err != nil {
			require.Nil(t, rec)
			return
		}
		require.NotNil(t, rec)
		env, err := parseEnvelope(rec)
		if err == nil {
			for _, r := range env.Records {
				_ = str(r, "svm.name")
				_, _ = integer(r, "size")
				_ = volumeObject(r)
				_ = exportPolicyObject(r)
				_ = snapshotPolicyObject(r)
			}
		}
	})
}

// Next links that leave the cluster or loop are refused rather than followed.
func TestPaginationGuards(t *testing.T) {
	cases := map[string]string{
		"other host": `{"records":[{"uuid":"a"}],"_links":{"next":{"href":"https://evil.example/api/x"}}}`,
		"loop":       `{"records":[{"uuid":"a"}],"_links":{"next":{"href":"/api/x?page=2"}}}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, body)
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL + "/")
			c := newClient(u, srv.Client(), "u", "p", "ontap t", time.Minute)
			_, err := c.getAll(context.Background(), "/api/x", nil)
			require.Error(t, err)
			assert.Regexp(t, "leaves the cluster|loops", err.Error())
		})
	}
}

// A redirect is reported, never followed with the credentials.
func TestRedirectNotFollowed(t *testing.T) {
	hits := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, "https://elsewhere.example/api/cluster", http.StatusFound)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/")
	tr := (&trust{insecure: true}).httpClient(u.Host)
	c := newClient(u, tr, "u", "p", "ontap t", time.Minute)
	_, err := c.do(context.Background(), http.MethodGet, "/api/cluster", nil, nil)
	require.ErrorContains(t, err, "unexpected redirect HTTP 302")
	assert.Equal(t, 1, hits)
}
