package ontapsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseBodyDotted(t *testing.T) {
	dotted, err := parseBody([]byte(`{"svm.name":"x","nas.path":"/a","nas.export_policy.name":"p","aggregates":[{"name":"aggr1"}]}`))
	require.Nil(t, err)
	nested, err := parseBody([]byte(`{"svm":{"name":"x"},"nas":{"path":"/a","export_policy":{"name":"p"}},"aggregates":[{"name":"aggr1"}]}`))
	require.Nil(t, err)
	require.Equal(t, nested, dotted)
	mixed, err := parseBody([]byte(`{"nas.path":"/a","nas":{"export_policy.name":"p"},"svm":{"name":"x"},"aggregates":[{"name":"aggr1"}]}`))
	require.Nil(t, err)
	require.Equal(t, nested, mixed)
}

func TestParseBodyErrors(t *testing.T) {
	for _, tc := range []struct{ in, code string }{
		{`{`, "262199"},
		{`[1]`, "262199"},
		{`{"a":1} {"b":2}`, "262199"},
		{`{"a":1,"a.b":2}`, "262197"},
		{`{"a..b":1}`, "262179"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := parseBody([]byte(tc.in))
			require.NotNil(t, err)
			require.Equal(t, tc.code, err.Code)
		})
	}
	b, err := parseBody(nil)
	require.Nil(t, err)
	require.Empty(t, b)
}

func TestBodyCheck(t *testing.T) {
	b, _ := parseBody([]byte(`{"name":"v","svm.name":"s","aggregates":[{"name":"a","bogus":1}]}`))
	e := b.check("name", "svm.name", "aggregates.name")
	require.NotNil(t, e)
	require.Equal(t, "262179", e.Code)
	require.Equal(t, "aggregates.bogus", e.Target)
	require.Equal(t, `Unexpected argument "aggregates.bogus".`, e.Message)
	require.Nil(t, b.check("name", "svm", "aggregates"))
}

func TestHTTPBodyErrors(t *testing.T) {
	c := newSim(t, Options{})
	out := c.must(400, "POST", "/api/storage/volumes", `{"name": `)
	require.Equal(t, "262199", errCode(out))
	out = c.must(400, "POST", "/api/storage/volumes", map[string]any{"name": "v", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}, "colour": "blue"})
	require.Equal(t, "262179", errCode(out))
	require.Equal(t, "colour", out["error"].(map[string]any)["target"])
}

// FuzzParseBody feeds arbitrary bodies and query strings to the parsers:
// they may refuse, never panic, and an accepted body has no dotted keys left.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{
		`{"svm.name":"x","nas.path":"/a"}`,
		`{"a":{"b.c":[{"d.e":1}]}}`,
		`{"a.b":1,"a":{"c":2}}`,
		`{"a":1,"a.b":2}`,
		`{`, `[]`, `null`, `{"":1}`, `{".":1}`,
	} {
		f.Add(s, "fields=a,b.c,!d&name=x*|y&size=1..2&max_records=3")
	}
	f.Add(`{}`, "return_timeout=600")
	f.Add(`{}`, `name="a|b"&x={y}&z=%zz`)
	f.Fuzz(func(t *testing.T, data, rawQuery string) {
		b, err := parseBody([]byte(data))
		if err == nil {
			var paths []string
			leafPaths(map[string]any(b), "", &paths)
			var walk func(v any)
			walk = func(v any) {
				switch x := v.(type) {
				case map[string]any:
					for k, e := range x {
						for i := 0; i < len(k); i++ {
							if k[i] == '.' {
								t.Fatalf("dotted key %q left in %s", k, data)
							}
						}
						walk(e)
					}
				case []any:
					for _, e := range x {
						walk(e)
					}
				}
			}
			walk(map[string]any(b))
		}
		q, qerr := parseQuery(rawQuery)
		if qerr == nil {
			rec := map[string]any{"uuid": "u", "name": "n", "a": []any{map[string]any{"b": "c"}}}
			q.matches(rec, nil)
			(&kind{keys: []string{"uuid"}, sortKey: "uuid"}).collection("/api/x", q, []map[string]any{rec})
		}
	})
}

// FuzzServeHTTP sends arbitrary writes to the simulator: it may refuse them,
// never fail with a 500 (a handler panic).
func FuzzServeHTTP(f *testing.F) {
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/api/storage/volumes", `{"name":"v","svm.name":"svm1","aggregates":[{"name":"aggr1"}],"nas.path":"/v"}`},
		{"PATCH", "/api/storage/volumes?name=*", `{"size":"30000000","state":"offline"}`},
		{"POST", "/api/protocols/nfs/export-policies", `{"name":"p","svm":{"name":"svm1"},"rules":[{"clients":[{"match":"x"}],"ro_rule":["sys"],"rw_rule":["sys"]}]}`},
		{"POST", "/api/storage/snapshot-policies", `{"name":"s","copies":[{"schedule":{"name":"hourly"},"count":"3"}]}`},
		{"POST", "/api/snapmirror/relationships", `{"source.path":"svm1:a","destination.path":"svm1:b","create_destination.enabled":true,"state":"snapmirrored"}`},
		{"POST", "/api/svm/svms", `{"name":"x","aggregates":[{"uuid":"nope"}],"nfs.enabled":"true"}`},
		{"POST", "/api/network/ip/interfaces", `{"name":"l","svm.name":"svm1","ip":{"address":"::1"},"service_policy":7}`},
		{"DELETE", "/api/svm/svms?name=svm1", ``},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	sim := New(Options{SVMs: []string{"svm1"}, JobDuration: time.Millisecond})
	sim.AddVolume(Volume{Name: "a", SVM: "svm1"})
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			return
		}
		req, err := http.NewRequest(method, "http://sim"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.SetBasicAuth("admin", "netapp1!")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("%s %s %s: %s", method, path, body, rec.Body.String())
		}
	})
}
