package test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
	"github.com/stretchr/testify/require"
)

// The ONTAP provider end to end (SPEC §9): the built binary against the lab's phx1 and scl3
// clusters, checked through the simulators' inspection API and their REST API.

const liGiB = int64(1) << 30

func liOntapLab(t *testing.T) *liWorld {
	return liNewWorld(t, lab.Options{Ontap: []string{"phx1", "scl3"}}, "ontap")
}

// liVolumes are the volumes of svm on a cluster, by name.
func liVolumes(s *ontapsim.Server, svm string) map[string]ontapsim.Volume {
	out := map[string]ontapsim.Volume{}
	for _, v := range s.Volumes() {
		if v.SVM == svm {
			out[v.Name] = v
		}
	}
	return out
}

// liOntapREST sends one request to a lab cluster over TLS verified against ca.pem, with the
// lab's credentials, as any REST client would.
func liOntapREST(t *testing.T, w *liWorld, cluster, method, path string, body any) (int, map[string]any) {
	t.Helper()
	ca, err := os.ReadFile(filepath.Join(w.lab.Dir, "ca.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	n := lab.EnvName(cluster)
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, w.lab.Env["ENCLAVE_LAB_ONTAP_"+n+"_URL"]+path, rd)
	require.NoError(t, err)
	req.SetBasicAuth(w.lab.Env["ENCLAVE_LAB_ONTAP_"+n+"_USER"], w.lab.Env["ENCLAVE_LAB_ONTAP_"+n+"_PASSWORD"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// TestOntapEndToEnd: an SVM, its LIF, an ordered export policy, a snapshot policy and three
// 100GiB volumes at phx1; at scl3 (provider alias) an SVM peered with it, a dp volume and a
// SnapMirror relationship. Reordering export rules reorders them on the filer; an
// out-of-band resize is reported by drift and put back by a plan.
func TestOntapEndToEnd(t *testing.T) {
	t.Parallel()
	w := liOntapLab(t)
	phx1, scl3 := w.lab.Ontap["phx1"], w.lab.Ontap["scl3"]

	w.converge("base.plan")
	vols := liVolumes(phx1, "hci")
	require.Len(t, vols, 3)
	for i := 0; i < 3; i++ {
		v, ok := vols["data"+strconv.Itoa(i)]
		require.True(t, ok, "data%d at phx1", i)
		require.Equal(t, 100*liGiB, v.Size, v.Name)
		require.Equal(t, "rw", v.Type)
		require.Equal(t, "/data"+strconv.Itoa(i), v.JunctionPath)
		require.Equal(t, "esx", v.ExportPolicy)
		require.Equal(t, "hci-data", v.SnapshotPolicy)
		require.Equal(t, []string{[]string{"aggr1", "aggr2"}[i%2]}, v.Aggregates)
	}
	var esx *ontapsim.ExportPolicy
	for _, p := range phx1.ExportPolicies() {
		if p.Name == "esx" && p.SVM == "hci" {
			esx = &p
		}
	}
	require.NotNil(t, esx, "export policy esx at phx1")
	require.Len(t, esx.Rules, 2)
	require.Equal(t, []string{"10.30.0.11", "10.30.0.12"}, esx.Rules[0].Clients, "rules in order")
	require.Equal(t, []string{"10.30.0.0/24"}, esx.Rules[1].Clients)
	require.Equal(t, []string{"never"}, esx.Rules[1].RWRule)
	var lif *ontapsim.IPInterface
	for _, i := range phx1.Interfaces() {
		if i.Name == "hci_nfs1" {
			lif = &i
		}
	}
	require.NotNil(t, lif)
	require.Equal(t, "10.30.0.50", lif.Address)
	require.Equal(t, "default-data-files", lif.ServicePolicy)
	var snap *ontapsim.SnapshotPolicy
	for _, p := range phx1.SnapshotPolicies() {
		if p.Name == "hci-data" {
			snap = &p
		}
	}
	require.NotNil(t, snap)
	require.Len(t, snap.Copies, 2)

	dr, ok := scl3.Volume("hci_dr", "data0_dr")
	require.True(t, ok, "data0_dr at scl3")
	require.Equal(t, 100*liGiB, dr.Size)
	require.Equal(t, "dp", dr.Type)
	require.Len(t, scl3.Relationships(), 1)
	rel := scl3.Relationships()[0]
	require.Equal(t, "hci:data0", rel.SourcePath)
	require.Equal(t, "hci_dr:data0_dr", rel.DestinationPath)
	require.Equal(t, "phx1", rel.SourceCluster)
	require.Equal(t, "MirrorAllSnapshots", rel.Policy)
	require.Equal(t, "hourly", rel.Schedule)
	require.Equal(t, ontapsim.SMSnapmirrored, rel.State)
	require.True(t, rel.Healthy)
	require.Empty(t, phx1.Relationships(), "relationships live on the destination")
	require.Len(t, scl3.SVMPeers(), 1)
	require.Equal(t, "hci_dr", scl3.SVMPeers()[0].SVM)
	require.Contains(t, w.stateList(), "ontap_snapmirror.data0")

	// Export rules are ordered: swapping the two is a change, and the filer follows.
	w.edit("main.hcl", liRuleHosts+"\n  "+liRuleNet, liRuleNet+"\n  "+liRuleHosts)
	w.converge("rules.plan")
	for _, p := range phx1.ExportPolicies() {
		if p.Name == "esx" {
			require.Len(t, p.Rules, 2)
			require.Equal(t, []string{"10.30.0.0/24"}, p.Rules[0].Clients, "rules swapped on the filer")
			require.Equal(t, []string{"nfs"}, p.Rules[0].Protocols)
			require.Equal(t, []string{"never"}, p.Rules[0].RWRule)
			require.Equal(t, []string{"10.30.0.11", "10.30.0.12"}, p.Rules[1].Clients)
			require.Equal(t, []string{"nfs3"}, p.Rules[1].Protocols)
			require.Equal(t, []string{"sys"}, p.Rules[1].Superuser)
		}
	}

	// Out of band, over the REST API: data1 grows to 150GiB.
	data1 := liVolumes(phx1, "hci")["data1"]
	code, body := liOntapREST(t, w, "phx1", http.MethodPatch, "/api/storage/volumes/"+data1.UUID+"?return_timeout=30", map[string]any{"size": 150 * liGiB})
	require.Contains(t, []int{200, 202}, code, "%v", body)
	require.Eventually(t, func() bool { v, _ := phx1.Volume("hci", "data1"); return v.Size == 150*liGiB }, 10*time.Second, 50*time.Millisecond)

	r := w.run("drift", w.dir, "--var-file", w.vars)
	require.Equal(t, 2, r.code, "%s", r)
	require.Contains(t, r.stdout, "ontap_volume.data[1]")
	require.Contains(t, r.stdout, "size")
	r = w.run("drift", w.dir, "--var-file", w.vars, "--format", "json")
	require.Equal(t, 2, r.code, "%s", r)
	var rep driftJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "%s", r)
	require.True(t, rep.DriftFound)
	require.Len(t, rep.Drift, 1, "only data1 drifted: %+v", rep.Drift)
	require.Equal(t, "ontap_volume.data[1]", rep.Drift[0].Address)
	var paths []string
	for _, d := range rep.Drift[0].Diffs {
		paths = append(paths, d.Path)
	}
	require.Equal(t, []string{"size"}, paths)
	require.EqualValues(t, strconv.FormatInt(100*liGiB, 10), rep.Drift[0].Diffs[0].Before)
	require.EqualValues(t, strconv.FormatInt(150*liGiB, 10), rep.Drift[0].Diffs[0].After)

	// The fix is a plan like any other: back to 100GiB.
	w.converge("fix.plan")
	v, _ := phx1.Volume("hci", "data1")
	require.Equal(t, 100*liGiB, v.Size)
	w.expect(0, "drift", w.dir, "--var-file", w.vars)
}

// The export policy's two rules in testdata/labinterop/ontap/main.hcl, for swapping.
const (
	liRuleHosts = `rule {
    clients   = ["10.30.0.11", "10.30.0.12"]
    protocols = ["nfs3"]
    ro_rule   = ["sys"]
    rw_rule   = ["sys"]
    superuser = ["sys"]
  }`
	liRuleNet = `rule {
    clients   = ["10.30.0.0/24"]
    protocols = ["nfs"]
    ro_rule   = ["sys"]
    rw_rule   = ["never"]
  }`
)

// TestOntapRoundTripsDoNotGrow: a plan's requests to a cluster are the same with three
// volumes as with thirty (collection reads with fields=, not one request per volume).
func TestOntapRoundTripsDoNotGrow(t *testing.T) {
	t.Parallel()
	w := liOntapLab(t)
	phx1, scl3 := w.lab.Ontap["phx1"], w.lab.Ontap["scl3"]
	planRequests := func(extra ...string) (int, int) {
		b1, b3 := phx1.Requests(), scl3.Requests()
		w.expect(0, w.planArgs(append([]string{"--detailed-exitcode"}, extra...)...)...)
		return phx1.Requests() - b1, scl3.Requests() - b3
	}
	w.converge("three.plan")
	p3, s3 := planRequests()
	require.Positive(t, p3)
	thirty := []string{"--var", "volumes=30"}
	w.converge("thirty.plan", thirty...)
	require.Len(t, liVolumes(phx1, "hci"), 30)
	p30, s30 := planRequests(thirty...)
	t.Logf("requests per plan: phx1 %d at 3 volumes, %d at 30; scl3 %d, %d", p3, p30, s3, s30)
	require.Equal(t, p3, p30, "phx1 requests per plan at 3 and 30 volumes\n%v", phx1.RequestCounts())
	require.Equal(t, s3, s30, "scl3 requests per plan")
}

// TestOntapJobFailure: a volume's creation job fails on the filer. Apply exits 1 with
// ONTAP's message and code; the state, a new plan and the filer agree on what exists.
func TestOntapJobFailure(t *testing.T) {
	t.Parallel()
	w := liOntapLab(t)
	phx1 := w.lab.Ontap["phx1"]
	w.converge("base.plan")

	four := []string{"--var", "volumes=4"}
	file := w.plan("four.plan", four...)
	w.approve(file)
	const msg = "Failed to create volume \"data3\": aggregate aggr2 is being reallocated."
	const code = 917899
	phx1.Faults().FailNextJob(msg, code)
	r := w.apply(file, four...)
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, "ontap_volume.data[3]")
	require.Contains(t, r.stderr, msg, "ONTAP's message")
	require.Contains(t, r.stderr, strconv.Itoa(code), "ONTAP's error code")

	_, onFiler := phx1.Volume("hci", "data3")
	require.False(t, onFiler, "the failed job made nothing")
	require.NotContains(t, w.stateList(), "ontap_volume.data[3]", "state holds nothing the filer lacks")
	require.Len(t, liVolumes(phx1, "hci"), 3)
	p := decodePlanJSON(t, w.expect(0, w.planArgs(append([]string{"--json"}, four...)...)...))
	require.Equal(t, map[string]string{"ontap_volume.data[3]": "create"}, p.pending(), "the plan has exactly what the filer lacks")

	// The fault spent, the same change converges.
	w.converge("retry.plan", four...)
	v, ok := phx1.Volume("hci", "data3")
	require.True(t, ok)
	require.Equal(t, 100*liGiB, v.Size)

	// A resize whose job fails: the filer and the state keep 100GiB, and the plan still
	// holds the resize.
	w.edit("main.hcl", `size            = "100GiB"`, `size            = "200GiB"`)
	file = w.plan("grow.plan", four...)
	w.approve(file)
	const full = "Insufficient space in aggregate aggr1 to grow the volumes."
	phx1.Faults().FailNextJob(full, 917809)
	r = w.apply(file, four...)
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, full)
	require.Contains(t, r.stderr, "917809")
	var grown, kept []string
	for name, v := range liVolumes(phx1, "hci") {
		addr := "ontap_volume.data[" + strings.TrimPrefix(name, "data") + "]"
		show := w.expect(0, "state", "show", addr, "--dir", w.dir)
		switch v.Size {
		case 200 * liGiB:
			grown = append(grown, addr)
			require.Contains(t, show.stdout, strconv.FormatInt(200*liGiB, 10), "%s: state follows the filer", addr)
		case 100 * liGiB:
			kept = append(kept, addr)
			require.Contains(t, show.stdout, strconv.FormatInt(100*liGiB, 10), "%s: state follows the filer", addr)
			require.NotContains(t, show.stdout, strconv.FormatInt(200*liGiB, 10), addr)
		default:
			t.Fatalf("%s is %d bytes", name, v.Size)
		}
	}
	require.Len(t, kept, 1, "exactly the failed job's volume kept its size: %v", kept)
	require.NotEmpty(t, grown, "the other resizes went through")
	require.Contains(t, r.stderr, kept[0], "the failure names the volume")
	p = decodePlanJSON(t, w.expect(0, w.planArgs(append([]string{"--json"}, four...)...)...))
	require.Equal(t, map[string]string{kept[0]: "update"}, p.pending(), "what is left is what the filer lacks")
}

// TestOntapRefusals: a cluster whose certificate the CA file did not sign, and a wrong
// password, each stop the plan with exit 1 naming the cluster; nothing is written to it and
// no password appears in the output.
func TestOntapRefusals(t *testing.T) {
	t.Parallel()
	w := liOntapLab(t)
	phx1 := w.lab.Ontap["phx1"]
	w.converge("base.plan")
	other := w.path("other-ca.pem")
	otherCA(t, other)
	addr := strings.TrimPrefix(w.lab.Env["ENCLAVE_LAB_ONTAP_PHX1_URL"], "https://")
	for _, tc := range []struct {
		name string
		vars []string
		want string // in stderr, besides the cluster's address
	}{
		{"unknown CA", []string{"ontap_ca_file=" + other}, "certificate"},
		{"wrong password", []string{"ontap_phx1_password=not-the-password"}, "401"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.t = t
			var extra []string
			for _, v := range tc.vars {
				extra = append(extra, "--var", v)
			}
			state := string(w.stateBytes())
			writes := 0
			for k, n := range phx1.RequestCounts() {
				if !strings.HasPrefix(k, "GET ") {
					writes += n
				}
			}
			r := w.run(w.planArgs(append([]string{"--detailed-exitcode"}, extra...)...)...)
			require.Equal(t, 1, r.code, "%s", r)
			require.Contains(t, r.stderr, addr, "names the cluster")
			require.Contains(t, r.stderr, tc.want)
			require.NotContains(t, r.output(), w.lab.Env["ENCLAVE_LAB_ONTAP_PHX1_PASSWORD"])
			require.NotContains(t, r.output(), "not-the-password")
			require.Equal(t, state, string(w.stateBytes()))
			after := 0
			for k, n := range phx1.RequestCounts() {
				if !strings.HasPrefix(k, "GET ") {
					after += n
				}
			}
			require.Equal(t, writes, after, "nothing written to the cluster")
		})
	}
}

// TestForeignVolumeNeverAdopted (issue 10): a volume of the same name made behind enclave's
// back between plan and apply makes the create fail naming it and `enclave import`; it is not
// written into state, not changed, and the next plan still wants to create it, pointing at
// import again — never adopted without an import.
func TestForeignVolumeNeverAdopted(t *testing.T) {
	t.Parallel()
	w := liOntapLab(t)
	w.converge("base.plan", "--var", "volumes=1")
	file := w.plan("more.plan", "--var", "volumes=2")
	w.approve(file)
	phx1 := w.lab.Ontap["phx1"]
	code, _ := liOntapREST(t, w, "phx1", http.MethodPost, "/api/storage/volumes?return_timeout=30",
		map[string]any{"name": "data1", "svm": map[string]any{"name": "hci"}, "aggregates": []any{map[string]any{"name": "aggr2"}}, "size": 1 << 30, "comment": "someone else's"})
	require.Contains(t, []int{201, 202}, code)
	foreign := liVolumes(phx1, "hci")["data1"]
	require.NotEmpty(t, foreign.UUID)

	r := w.apply(file, "--var", "volumes=2")
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, "ontap_volume.data[1]")
	require.Contains(t, r.stderr, "already exists on the device (id "+foreign.UUID+"), and this enclave did not create it")
	require.Contains(t, r.stderr, "`enclave import ontap_volume.data[1] "+foreign.UUID+"`")
	require.NotContains(t, w.stateList(), "ontap_volume.data[1]", "the foreign volume was written into state")
	st, err := state.Decode(w.stateBytes())
	require.NoError(t, err)
	for _, res := range st.Resources {
		require.Empty(t, res.Status, "%s: no intent or uncertain record is left", res.Addr)
	}
	after := liVolumes(phx1, "hci")["data1"]
	require.Equal(t, foreign.UUID, after.UUID)
	require.Equal(t, foreign.Size, after.Size, "the foreign volume was changed")
	// The next plan does not take it over either: it names it, with the import command, and
	// will not be saved.
	r = w.run(w.planArgs("--var", "volumes=2", "--detailed-exitcode")...)
	require.Equal(t, 2, r.code, "%s", r)
	require.Contains(t, r.stdout, "ontap_volume.data[1] will be created")
	require.Contains(t, r.stdout, "already exists on the device (id "+foreign.UUID+")")
	r = w.run(w.planArgs("--var", "volumes=2", "--out", w.path("again.plan"))...)
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, "`enclave import ontap_volume.data[1] "+foreign.UUID+"`")
	require.NoFileExists(t, w.path("again.plan"))
}
