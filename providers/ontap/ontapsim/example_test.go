package ontapsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

// A simulated cluster over HTTPS: create a volume, waiting up to 30 s for
// its job, then read it back from the model.
func Example() {
	sim := ontapsim.New(ontapsim.Options{ClusterName: "lab1", SVMs: []string{"svm1"}})
	srv := httptest.NewTLSServer(sim)
	defer srv.Close()

	body := `{"name": "data", "svm.name": "svm1", "aggregates": [{"name": "aggr1"}], "size": 1073741824, "nas.path": "/data"}`
	req, _ := http.NewRequest("POST", srv.URL+"/api/storage/volumes?return_timeout=30", strings.NewReader(body))
	req.SetBasicAuth("admin", "netapp1!")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, out["job"] != nil)

	v, _ := sim.Volume("svm1", "data")
	fmt.Println(v.Name, v.Size, v.JunctionPath, v.State)
	fmt.Println(sim.RequestCounts())
	// Output:
	// 201 true
	// data 1073741824 /data online
	// map[POST /api/storage/volumes:1]
}
