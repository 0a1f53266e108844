package ontapsim

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAuth(t *testing.T) {
	c := newSim(t, Options{})
	for _, auth := range []func(*http.Request){
		func(*http.Request) {},
		func(r *http.Request) { r.SetBasicAuth("admin", "wrong") },
	} {
		req, _ := http.NewRequest("GET", c.srv.URL+"/api/cluster", nil)
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 401, resp.StatusCode)
		require.JSONEq(t, `{"error":{"message":"not authorized for that command","code":"6691623"}}`, string(data))
	}
}

func TestClusterAndNodes(t *testing.T) {
	c := newSim(t, Options{ClusterName: "phx1"})
	out := c.must(200, "GET", "/api/cluster?fields=version", nil)
	require.Equal(t, map[string]any{"full": versionFull, "generation": 9.0, "major": 13.0, "minor": 1.0}, out["version"])
	out = c.must(200, "GET", "/api/cluster", nil)
	require.Equal(t, "phx1", out["name"])
	require.Equal(t, c.sim.UUID(), out["uuid"])
	out = c.must(200, "GET", "/api/cluster/nodes?fields=version,ha", nil)
	require.EqualValues(t, 2, out["num_records"])
	require.ElementsMatch(t, []any{"phx1-01", "phx1-02"}, []any{records(out)[0]["name"], records(out)[1]["name"]})
	partners := records(out)[0]["ha"].(map[string]any)["partners"].([]any)
	require.Len(t, partners, 1)
	out = c.must(200, "GET", "/api/storage/aggregates", nil)
	require.EqualValues(t, 2, out["num_records"])
	out = c.must(200, "GET", "/api/cluster/schedules?name=hourly", nil)
	require.EqualValues(t, 1, out["num_records"])
}

func TestPathTolerance(t *testing.T) {
	c := newSim(t, Options{})
	// trailing slash, a query escaped into the path, Ansible's header
	req, _ := http.NewRequest("GET", c.srv.URL+"/api/protocols/nfs/export-policies/%3Ffields=name,id&svm.name=svm1", nil)
	req.SetBasicAuth("admin", "netapp1!")
	req.Header.Set("X-Dot-Client-App", "netapp.ontap.na_ontap_export_policy/22.7.0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(data))
	require.Contains(t, string(data), `"name":"default"`)
	require.Contains(t, string(data), `"id":`)
	require.Equal(t, 1, c.sim.RequestCounts()["GET /api/protocols/nfs/export-policies"])

	out := c.must(404, "GET", "/api/no/such/thing", nil)
	require.Equal(t, "4", errCode(out))
	out = c.must(405, "PUT", "/api/storage/volumes", nil)
	require.Equal(t, "3", errCode(out))
}

func TestFaultsAndCounts(t *testing.T) {
	c := newSim(t, Options{})
	c.sim.ResetCounts()
	f := c.sim.Faults()
	f.FailRequests(2, 503, Match{Method: "GET", Path: "/api/storage/volumes"})
	out := c.must(503, "GET", "/api/storage/volumes", nil)
	require.Equal(t, codeInternal, errCode(out))
	c.must(200, "GET", "/api/svm/svms", nil) // does not match
	c.must(503, "GET", "/api/storage/volumes/", nil)
	c.must(200, "GET", "/api/storage/volumes", nil)

	f.FailRequests(1, 0, Match{Path: "/api/storage/volumes/{uuid}"})
	c.must(500, "DELETE", "/api/storage/volumes/abc", nil)
	c.must(404, "DELETE", "/api/storage/volumes/abc", nil)
	f.FailRequests(1, 502, Match{Path: "/api/svm/*"})
	c.must(502, "GET", "/api/svm/peers", nil)

	require.Equal(t, 7, c.sim.Requests())
	require.Equal(t, map[string]int{
		"GET /api/storage/volumes":           3,
		"GET /api/svm/svms":                  1,
		"DELETE /api/storage/volumes/{uuid}": 2,
		"GET /api/svm/peers":                 1,
	}, c.sim.RequestCounts())
	c.sim.ResetCounts()
	require.Zero(t, c.sim.Requests())

	f.SetLatency(50 * time.Millisecond)
	start := time.Now()
	c.must(200, "GET", "/api/cluster", nil)
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	f.Clear()
}

func TestSVMsAndInterfaces(t *testing.T) {
	c := newSim(t, Options{SVMs: []string{}})
	out := c.must(201, "POST", "/api/svm/svms?return_timeout=10&return_records=true", map[string]any{"name": "vs1",
		"aggregates": []any{map[string]any{"name": "aggr1"}}, "nfs": map[string]any{"enabled": true}, "comment": "lab"})
	id := records(out)[0]["uuid"].(string)
	out = c.must(409, "POST", "/api/svm/svms", map[string]any{"name": "vs1"})
	require.Equal(t, "13434908", errCode(out))
	out = c.must(200, "GET", "/api/svm/svms/"+id, nil)
	require.Equal(t, "running", out["state"])
	require.Equal(t, true, out["nfs"].(map[string]any)["enabled"])
	require.Equal(t, "lab", out["comment"])
	require.NotNil(t, findPolicy(c.sim, "vs1", "default"), "every SVM has a default export policy")

	out = c.must(201, "POST", "/api/network/ip/interfaces?return_records=true", map[string]any{"name": "lif1", "svm.name": "vs1",
		"ip": map[string]any{"address": "192.0.2.10", "netmask": "24"}, "location.home_node.name": c.sim.nodes[1].Name,
		"location.home_port.name": "e0c", "service_policy.name": "default-data-files"})
	lif := records(out)[0]["uuid"].(string)
	out = c.must(409, "POST", "/api/network/ip/interfaces", map[string]any{"name": "lif2", "svm.name": "vs1", "ip.address": "192.0.2.10"})
	require.Equal(t, "1", errCode(out))
	c.must(200, "PATCH", "/api/network/ip/interfaces/"+lif, map[string]any{"enabled": false})
	out = c.must(200, "GET", "/api/network/ip/interfaces?svm.name=vs1&fields=ip,state,location.home_port", nil)
	r := records(out)[0]
	require.Equal(t, "down", r["state"])
	require.Equal(t, "e0c", r["location"].(map[string]any)["home_port"].(map[string]any)["name"])

	// rename, then the volume follows; an SVM with volumes is not deleted
	c.must(200, "PATCH", "/api/svm/svms/"+id+"?return_timeout=10", map[string]any{"name": "vs2"})
	c.createVolume(map[string]any{"name": "v1", "svm.name": "vs2"})
	out = c.must(409, "DELETE", "/api/svm/svms/"+id, nil)
	require.Equal(t, codeSVMNotEmpty, errCode(out))
	c.must(200, "DELETE", "/api/network/ip/interfaces/"+lif, nil)
	v, _ := c.sim.Volume("vs2", "v1")
	c.must(200, "DELETE", "/api/storage/volumes/"+v.UUID+"?return_timeout=10", nil)
	c.must(200, "DELETE", "/api/svm/svms/"+id+"?return_timeout=10", nil)
	require.Empty(t, c.sim.SVMs())
	require.Nil(t, findPolicy(c.sim, "vs2", "default"))
}

func TestHALContentType(t *testing.T) {
	c := newSim(t, Options{})
	req, _ := http.NewRequest("GET", c.srv.URL+"/api/cluster", nil)
	req.SetBasicAuth("admin", "netapp1!")
	req.Header.Set("Accept", "application/hal+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/hal+json"))
}
