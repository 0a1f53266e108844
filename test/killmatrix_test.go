package test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"

	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/enclave-dev/enclave/internal/state"
)

// The kill matrix (issue 10): a real apply over vSphere, Junos and ONTAP is stopped at every
// distinct point it passes through — before and after each device call, inside the Junos
// transaction (after lock, load, commit check, commit confirmed, verify, confirm), between an
// ONTAP POST and its job's end, between state writes — once by SIGKILL and once by SIGINT.
// After each: the state verifies, the next command is not blocked by the lock, the next plan
// shows what converges, applying it converges, and nothing is duplicated on the gear.

func kmWorld(t *testing.T) *liWorld {
	return liNewWorld(t, lab.Options{Junos: []lab.Device{{Name: "srx-a", Personality: "srx"}}, Ontap: []string{"phx1"}}, "killmatrix")
}

// kmManaged is every managed resource of the kill-matrix enclave.
var kmManaged = []string{
	"junos_application.nfs", "junos_security_policies.out_in", "junos_security_zone.inside", "junos_security_zone.outside",
	"ontap_export_policy.esx", "ontap_svm.km", "ontap_volume.data",
	"vsphere_compute_cluster.km", "vsphere_host.esx", "vsphere_nas_datastore.data", "vsphere_virtual_machine.vm",
}

// kmPoints runs one apply with the fault-point log on and returns the points it passed, each
// as NAME#N (the N-th time NAME was reached), in order.
func kmPoints(t *testing.T) []string {
	w := kmWorld(t)
	file := w.plan("km.plan")
	w.approve(file)
	log := w.path("points.log")
	r := runBinary(t, runOpts{dir: w.root, env: append(append([]string(nil), w.env...), "ENCLAVE_FAULTPOINT_LOG="+log)},
		"apply", file, "--dir", w.dir, "--var-file", w.vars)
	require.Equal(t, 0, r.code, "%s", r)
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	seen := map[string]int{}
	var out []string
	for _, name := range strings.Fields(string(b)) {
		seen[name]++
		out = append(out, fmt.Sprintf("%s#%d", name, seen[name]))
	}
	return out
}

func TestKillMatrix(t *testing.T) {
	t.Parallel()
	points := kmPoints(t)
	kinds := map[string]bool{}
	for _, p := range points {
		kinds[strings.Split(p, "#")[0]] = true
	}
	for _, want := range []string{"junos.locked", "junos.loaded", "junos.checked", "junos.committed-confirmed", "junos.verified", "junos.confirmed",
		"ontap.job-started", "ontap.job-ended", "vsphere.task-started", "vsphere.task-ended", "apply.call", "apply.returned",
		"apply.txn-call", "apply.txn-returned", "state.write", "state.written"} {
		require.True(t, kinds[want], "the apply never reached %s (points: %v)", want, points)
	}
	require.GreaterOrEqual(t, len(points), 30, "at least 30 distinct points: %v", points)
	t.Logf("the kill matrix: %d points × {SIGKILL, SIGINT}: %s", len(points), strings.Join(points, " "))
	for _, action := range []string{"kill", "int"} {
		for _, point := range points {
			t.Run(action+"/"+point, func(t *testing.T) {
				t.Parallel()
				kmStopAndConverge(t, point, action)
			})
		}
	}
	// A second SIGINT while a device call is in flight stops the waiting: what was in flight
	// is recorded as uncertain, and the next plan reads the truth.
	for _, point := range points {
		switch strings.Split(point, "#")[0] {
		case "vsphere.task-started", "ontap.job-started", "junos.loaded", "junos.committed-confirmed":
			t.Run("int2/"+point, func(t *testing.T) {
				t.Parallel()
				kmStopAndConverge(t, point, "int2")
			})
		}
	}
}

// kmStopAndConverge applies the enclave's first plan, stopping it at point, then checks the
// story the state and the gear tell and that the next plan converges.
func kmStopAndConverge(t *testing.T, point, action string) {
	w := kmWorld(t)
	file := w.plan("km.plan")
	w.approve(file)
	r := runBinary(t, runOpts{dir: w.root, env: append(append([]string(nil), w.env...), "ENCLAVE_FAULTPOINT="+point+":"+action), after: w.lab.VSphere.Quiesce},
		"apply", file, "--dir", w.dir, "--var-file", w.vars)
	lockPath := filepath.Join(w.dir, ".enclave", "state.lock")
	switch action {
	case "kill":
		if r.code == 0 && strings.HasPrefix(point, "state.") {
			// Group commits batch state writes as completions happen to land, so a run may
			// write state a time or two fewer than the run that listed the points: this one
			// never reached the point and completed.
			require.Contains(t, r.stdout, "Apply complete", "%s", r)
			t.Logf("%s was not reached in this run (state writes are batched by timing)", point)
		} else {
			require.Equal(t, -1, r.code, "the apply was to be killed at %s\n%s", point, r)
		}
	case "int", "int2":
		if r.code == 0 {
			// The interrupt landed as the apply was ending: it completed, and says so.
			require.Contains(t, r.stdout, "Apply complete", "%s", r)
		} else {
			require.Equal(t, 130, r.code, "an interrupted apply exits 130\n%s", r)
			require.Contains(t, r.stderr, "Interrupted")
		}
		require.NoFileExists(t, lockPath, "an interrupted apply releases its lock")
		es, err := state.OpenAuditLog(filepath.Join(w.dir, ".enclave", "audit.log")).Entries()
		require.NoError(t, err)
		require.Equal(t, state.KindApplyEnd, es[len(es)-1].Kind, "an interrupted apply still writes apply-end")
	}

	// The state verifies, whatever the moment.
	if b, err := os.ReadFile(filepath.Join(w.dir, ".enclave", "state.json")); err == nil {
		_, err := state.Decode(b)
		require.NoError(t, err, "the state after %s at %s does not verify", action, point)
	}
	// The next plan is not blocked by the lock and shows what converges.
	next := w.path("next.plan")
	r = w.run(w.planArgs("--out", next, "--detailed-exitcode")...)
	require.Contains(t, []int{0, 2}, r.code, "the plan after %s at %s\n%s", action, point, r)
	if r.code == 2 {
		w.approve(next)
		r = w.apply(next)
		require.Equal(t, 0, r.code, "applying what is left after %s at %s\n%s", action, point, r)
	}
	w.expect(0, w.planArgs("--detailed-exitcode")...)
	require.Equal(t, kmManaged, w.stateList(), "state after converging")
	st, err := state.Decode(w.stateBytes())
	require.NoError(t, err)
	for _, res := range st.Resources {
		require.Empty(t, res.Status, "%s is still %s after converging", res.Addr, res.Status)
	}
	kmNoDuplicates(t, w)
}

// kmNoDuplicates checks the gear holds each object once, read through each device's own API.
func kmNoDuplicates(t *testing.T, w *liWorld) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	serving(func() {
		c := w.lab.VSphere.Client
		count := func(kind, name string) int {
			var n int
			m := view.NewManager(c)
			v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{kind}, true)
			require.NoError(t, err)
			defer v.Destroy(ctx)
			var ents []mo.ManagedEntity
			require.NoError(t, v.Retrieve(ctx, []string{kind}, []string{"name"}, &ents))
			for _, e := range ents {
				if e.Name == name {
					n++
				}
			}
			return n
		}
		require.Equal(t, 1, count("VirtualMachine", "km-vm"), "VMs named km-vm")
		require.Equal(t, 1, count("ClusterComputeResource", "km"), "clusters named km")
		require.Equal(t, 1, count("Datastore", "km-data"), "datastores named km-data")
	})
	for path, name := range map[string]string{"/api/svm/svms": "km", "/api/storage/volumes": "km_data", "/api/protocols/nfs/export-policies": "km-esx"} {
		got := kmOntapNames(t, w, path)
		require.Equal(t, 1, got[name], "%s named %s on the filer: %v", path, name, got)
	}
}

func kmOntapNames(t *testing.T, w *liWorld, path string) map[string]int {
	t.Helper()
	pool := x509.NewCertPool()
	ca, err := os.ReadFile(filepath.Join(w.lab.Dir, "ca.pem"))
	require.NoError(t, err)
	require.True(t, pool.AppendCertsFromPEM(ca))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequest(http.MethodGet, w.lab.Env["ENCLAVE_LAB_ONTAP_PHX1_URL"]+path+"?fields=name", nil)
	require.NoError(t, err)
	req.SetBasicAuth(w.lab.Env["ENCLAVE_LAB_ONTAP_PHX1_USER"], w.lab.Env["ENCLAVE_LAB_ONTAP_PHX1_PASSWORD"])
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Records []struct {
			Name string `json:"name"`
		} `json:"records"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	out := map[string]int{}
	for _, r := range body.Records {
		out[r.Name]++
	}
	return out
}
