package ontapsim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMatchExpr(t *testing.T) {
	for _, tc := range []struct {
		expr string
		vals []any
		want bool
	}{
		{"vol1", []any{"vol1"}, true},
		{"VOL1", []any{"vol1"}, true},
		{"vol*", []any{"vol1"}, true},
		{"*1", []any{"vol1"}, true},
		{"vol?", []any{"vol1"}, false}, // ? is not a wildcard
		{"a|vol1", []any{"vol1"}, true},
		{"a|b", []any{"vol1"}, false},
		{"!offline", []any{"online"}, true},
		{"!offline", []any{"offline"}, false},
		{"!vol*", []any{"vol1"}, false},
		{">1000", []any{json.Number("2000")}, true},
		{">1000", []any{int64(999)}, false},
		{">=1000", []any{int64(1000)}, true},
		{"<=1000", []any{int64(1000)}, true},
		{"<1000", []any{int64(1000)}, false},
		{"100..200", []any{int64(150)}, true},
		{"100..200", []any{int64(201)}, false},
		{"100..200", []any{int64(100)}, true},
		{`"a|b"`, []any{"a|b"}, true},
		{"{vol*}", []any{"vol*"}, true},
		{"{vol*}", []any{"vol1"}, false},
		{"10.0.0.0/24", []any{"1.2.3.4", "10.0.0.0/24"}, true}, // any array member
		{"true", []any{true}, true},
		{"false", []any{true}, false},
		{"x", nil, false},
		{"!x", nil, true},
	} {
		t.Run(fmt.Sprintf("%s/%v", tc.expr, tc.vals), func(t *testing.T) {
			require.Equal(t, tc.want, matchExpr(tc.expr, tc.vals))
		})
	}
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		code    string
		message string
	}{
		{"return_timeout=600", "262197", `The value "600" is invalid for field "return_timeout" (<0..120>)`},
		{"return_timeout=-1", "262197", `The value "-1" is invalid for field "return_timeout" (<0..120>)`},
		{"return_timeout=x", "262197", `The value "x" is invalid for field "return_timeout" (<0..120>)`},
		{"max_records=0", "262197", `The value "0" is invalid for field "max_records"`},
		{"return_records=maybe", "262197", `The value "maybe" is invalid for field "return_records"`},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			_, err := parseQuery(tc.raw)
			require.NotNil(t, err)
			require.Equal(t, tc.code, err.Code)
			require.Equal(t, tc.message, err.Message)
			require.Equal(t, 400, err.Status)
		})
	}
	q, err := parseQuery("fields=a&fields=b.c,!d&name=x*&svm.name=svm1&max_records=2&return_timeout=120&start.uuid=u")
	require.Nil(t, err)
	require.Equal(t, []string{"a", "b.c", "!d"}, q.fields)
	require.Equal(t, 2, q.maxRecords)
	require.Equal(t, 120, q.returnTimeout)
	require.Equal(t, "u", q.start["uuid"])
	require.Equal(t, []filter{{"name", "x*"}, {"svm.name", "svm1"}}, q.filters)
}

func TestProject(t *testing.T) {
	full := map[string]any{
		"uuid": "u1", "name": "v1", "size": 5,
		"svm":        map[string]any{"name": "svm1", "uuid": "s1"},
		"nas":        map[string]any{"path": "/v1", "export_policy": map[string]any{"name": "default", "id": 1}},
		"aggregates": []any{map[string]any{"name": "aggr1", "uuid": "a1"}},
		"metric":     map[string]any{"iops": 1},
		"_links":     links("/x"),
	}
	k := &kind{keys: []string{"uuid", "name"}, sortKey: "uuid", expensive: []string{"metric"}}
	for _, tc := range []struct {
		fields []string
		coll   bool
		want   []string // top-level keys
	}{
		{nil, true, []string{"_links", "name", "uuid"}},
		{nil, false, []string{"_links", "aggregates", "name", "nas", "size", "svm", "uuid"}},
		{[]string{"size"}, true, []string{"_links", "name", "size", "uuid"}},
		{[]string{"*"}, true, []string{"_links", "aggregates", "name", "nas", "size", "svm", "uuid"}},
		{[]string{"**"}, true, []string{"_links", "aggregates", "metric", "name", "nas", "size", "svm", "uuid"}},
		{[]string{"*", "!nas", "!size"}, true, []string{"_links", "aggregates", "name", "svm", "uuid"}},
		{[]string{"nosuchfield"}, true, []string{"_links", "name", "uuid"}},
	} {
		t.Run(fmt.Sprint(tc.fields, tc.coll), func(t *testing.T) {
			out := k.project(full, tc.fields, tc.coll)
			var keys []string
			for key := range out {
				keys = append(keys, key)
			}
			require.ElementsMatch(t, tc.want, keys)
		})
	}
	out := k.project(full, []string{"nas.export_policy.name", "aggregates.name", "svm.uuid"}, true)
	require.Equal(t, map[string]any{"export_policy": map[string]any{"name": "default"}}, out["nas"])
	require.Equal(t, []any{map[string]any{"name": "aggr1", "uuid": "a1"}}, out["aggregates"])
	require.Equal(t, map[string]any{"name": "svm1", "uuid": "s1"}, out["svm"], "a reference comes whole")
}

func TestPagination(t *testing.T) {
	c := newSim(t, Options{})
	for i := 0; i < 5; i++ {
		c.createVolume(map[string]any{"name": fmt.Sprintf("v%d", i)})
	}
	seen := map[string]bool{}
	next := "/api/storage/volumes?max_records=2&fields=size"
	pages := 0
	for next != "" {
		out := c.must(200, "GET", next, nil)
		pages++
		for _, r := range records(out) {
			require.Contains(t, r, "size")
			require.False(t, seen[r["name"].(string)], "record repeated across pages")
			seen[r["name"].(string)] = true
		}
		require.EqualValues(t, len(records(out)), out["num_records"])
		next = ""
		if n, ok := out["_links"].(map[string]any)["next"]; ok {
			next = n.(map[string]any)["href"].(string)
			u, err := url.Parse(next)
			require.NoError(t, err)
			require.NotEmpty(t, u.Query().Get("start.uuid"), "the next link carries a cursor")
			require.Equal(t, "size", u.Query().Get("fields"))
		}
	}
	require.Len(t, seen, 5)
	require.Equal(t, 3, pages)

	out := c.must(200, "GET", "/api/storage/volumes?name=v1|v3&return_records=false", nil)
	require.EqualValues(t, 2, out["num_records"])
	require.NotContains(t, out, "records")
	out = c.must(200, "GET", "/api/storage/volumes?name=!v1&size=>=20971520", nil)
	require.EqualValues(t, 4, out["num_records"])
	out = c.must(200, "GET", "/api/storage/volumes", nil)
	r := records(out)[0]
	require.ElementsMatch(t, []string{"uuid", "name", "_links"}, keysOf(r))
	require.Equal(t, "/api/storage/volumes/"+r["uuid"].(string), r["_links"].(map[string]any)["self"].(map[string]any)["href"])
	require.Equal(t, "/api/storage/volumes", out["_links"].(map[string]any)["self"].(map[string]any)["href"])
}

func TestOrderBy(t *testing.T) {
	c := newSim(t, Options{})
	for i, size := range []int{300, 100, 200, 400} {
		c.createVolume(map[string]any{"name": fmt.Sprintf("v%d", i), "size": size << 20})
	}
	names := func(out map[string]any) []string {
		var ns []string
		for _, r := range records(out) {
			ns = append(ns, r["name"].(string))
		}
		return ns
	}
	out := c.must(200, "GET", "/api/storage/volumes?order_by=size%20desc", nil)
	require.Equal(t, []string{"v3", "v0", "v2", "v1"}, names(out))
	var all []string
	next := "/api/storage/volumes?order_by=size&max_records=3"
	for next != "" {
		out = c.must(200, "GET", next, nil)
		all = append(all, names(out)...)
		next = ""
		if n, ok := out["_links"].(map[string]any)["next"]; ok {
			next = n.(map[string]any)["href"].(string)
		}
	}
	require.Equal(t, []string{"v1", "v2", "v0", "v3"}, all)
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
