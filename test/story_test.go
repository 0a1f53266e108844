package test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// storyWorld is the reference lab (vSphere, the SRX cluster and EX virtual chassis of PHX1,
// the PHX1 and SCL3 filers) with copies of phx1-hci and scl3-dr.
type storyWorld struct {
	*world
	phx1, scl3 string
}

func newStoryWorld(t *testing.T) *storyWorld {
	t.Helper()
	root := t.TempDir()
	l := startLab(t, lab.Options{
		Dir:   filepath.Join(root, "lab"),
		Junos: []lab.Device{{Name: "srx-phx1", Personality: "srx"}, {Name: "ex-phx1", Personality: "ex"}},
		Ontap: []string{"phx1", "scl3"},
	})
	work := filepath.Join(root, "work")
	w := &storyWorld{world: &world{
		t: t, lab: l, root: root,
		vars: filepath.Join(l.Dir, "lab.vars"),
		env:  []string{"ENCLAVE_AUTHOR=" + author, "NO_COLOR=1", "HOME=" + filepath.Join(root, "home")},
	}}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "home"), 0o700))
	w.phx1 = copyEnclave(t, work, "phx1-hci")
	w.scl3 = copyEnclave(t, work, "scl3-dr")
	w.env = append(w.env, "ENCLAVE_AUTHOR_KEY="+filepath.Join(w.phx1, "approvers", "dana"))
	w.dir = w.phx1
	for _, d := range []string{w.phx1, w.scl3} {
		keys, _ := filepath.Glob(filepath.Join(d, "approvers", "*"))
		for _, k := range keys {
			if filepath.Ext(k) == "" {
				require.NoError(t, os.Chmod(k, 0o600))
			}
		}
	}
	return w
}

// build plans dir, has the named approvers sign, applies, and checks a re-plan is clean.
func (w *storyWorld) build(dir, name string, extra []string, approvers ...string) {
	w.t.Helper()
	file := w.path(name)
	w.expect(2, append([]string{"plan", dir, "--var-file", w.vars, "--out", file, "--detailed-exitcode"}, extra...)...)
	for _, a := range approvers {
		w.expect(0, "approve", file, "--key", filepath.Join(dir, "approvers", a), "--as", a, "--dir", dir)
	}
	w.expect(0, append([]string{"apply", file, "--dir", dir, "--var-file", w.vars}, extra...)...)
	w.expect(0, append([]string{"plan", dir, "--var-file", w.vars, "--detailed-exitcode"}, extra...)...)
}

// ontap makes one REST call to a lab filer, trusting the lab CA, as a storage admin would.
func (w *storyWorld) ontap(cluster, method, path string, body any) map[string]any {
	w.t.Helper()
	pool := x509.NewCertPool()
	ca, err := os.ReadFile(filepath.Join(w.lab.Dir, "ca.pem"))
	require.NoError(w.t, err)
	require.True(w.t, pool.AppendCertsFromPEM(ca))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(w.t, err)
		rd = bytes.NewReader(b)
	}
	n := lab.EnvName(cluster)
	req, err := http.NewRequest(method, w.lab.Env["ENCLAVE_LAB_ONTAP_"+n+"_URL"]+path, rd)
	require.NoError(w.t, err)
	req.SetBasicAuth(w.lab.Env["ENCLAVE_LAB_ONTAP_"+n+"_USER"], w.lab.Env["ENCLAVE_LAB_ONTAP_"+n+"_PASSWORD"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	require.Less(w.t, resp.StatusCode, 300, "%s %s: %s", method, path, raw)
	out := map[string]any{}
	if len(raw) > 0 {
		require.NoError(w.t, json.Unmarshal(raw, &out))
	}
	return out
}

func records(m map[string]any) []map[string]any {
	var out []map[string]any
	rs, _ := m["records"].([]any)
	for _, r := range rs {
		if mm, ok := r.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

type storyPlanJSON struct {
	ResourceChanges []struct {
		Address     string `json:"address"`
		Type        string `json:"type"`
		Action      string `json:"action"`
		Destructive bool   `json:"destructive"`
		Diffs       []struct {
			Path   string `json:"path"`
			Before any    `json:"before"`
			After  any    `json:"after"`
		} `json:"diffs"`
	} `json:"resource_changes"`
}

// TestStory is the one-command lab story (`enclave lab demo`) step by step through the
// binary, checking the gear through each simulator's own API, then a DR drill.
func TestStory(t *testing.T) {
	w := newStoryWorld(t)

	// Build PHX1: the first build opens traffic into hci, which takes three (opens-into-hci).
	w.build(w.phx1, "phx1-1.plan", nil, "alice", "bob", "carol")

	// vSphere: the 5-host cluster with HA and the service VMs, powered on.
	vms := w.vms()
	assert.Len(t, vms, 14)
	for name, vm := range vms {
		assert.Equal(t, types.VirtualMachinePowerStatePoweredOn, vm.Runtime.PowerState, name)
	}
	var hosts []string
	for _, c := range w.clusters() {
		if cfg, ok := c.ConfigurationEx.(*types.ClusterConfigInfoEx); ok && c.Name == "hci" {
			assert.True(t, *cfg.DasConfig.Enabled, "HA on")
			hosts = append(hosts, fmt.Sprint(len(c.Host)))
		}
	}
	assert.Equal(t, []string{"5"}, hosts, "one cluster hci of five hosts")

	// The SRX: zones, and every zone pair's policies end in deny-all; two uplinks in reth0.
	srx := w.lab.Junos["srx-phx1"].CommittedSet()
	for _, z := range []string{"core", "hci", "mgmt"} {
		assert.Contains(t, srx, "set security zones security-zone "+z)
	}
	assert.Contains(t, srx, "then deny")
	assert.Contains(t, srx, "set interfaces ge-0/0/0 gigether-options redundant-parent reth0")
	assert.Contains(t, srx, "set interfaces ge-7/0/0 gigether-options redundant-parent reth0")
	assert.False(t, w.lab.Junos["srx-phx1"].Locked())
	// The EX: VLANs and the LACP bundle to the SRX.
	ex := w.lab.Junos["ex-phx1"].CommittedSet()
	assert.Contains(t, ex, "set vlans ")
	assert.Contains(t, ex, "set interfaces ae0 aggregated-ether-options lacp active")
	// The PHX1 filer: ten data volumes, each with the snapshot policy.
	vols := records(w.ontap("phx1", "GET", "/api/storage/volumes?svm.name=hci&fields=name,snapshot_policy.name,nas.path", nil))
	require.Len(t, vols, 10)
	for _, v := range vols {
		assert.Equal(t, "hci-data", v["snapshot_policy"].(map[string]any)["name"], v["name"])
	}

	// Someone gives a VM another vCPU behind enclave's back; drift names it; the fix goes
	// through plan, approval and apply.
	var victim string
	for name := range vms {
		if strings.HasPrefix(name, "mbx") || victim == "" {
			victim = name
		}
	}
	cpus := vms[victim].Config.Hardware.NumCPU
	w.gear(func(ctx context.Context, c *vim25.Client) {
		task, err := object.NewVirtualMachine(c, vms[victim].Self).Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: cpus + 2})
		require.NoError(t, err)
		require.NoError(t, task.Wait(ctx))
	})
	r := w.expect(2, "drift", w.phx1, "--var-file", w.vars)
	assert.Contains(t, r.stdout, victim)
	assert.Contains(t, r.stdout, fmt.Sprintf("num_cpus: %d -> %d", cpus, cpus+2))
	w.build(w.phx1, "phx1-fix.plan", nil, "alice", "bob")
	w.expect(0, "drift", w.phx1, "--var-file", w.vars)
	assert.Equal(t, cpus, w.vms()[victim].Config.Hardware.NumCPU)

	// The DR twin: SVM peering, a dp copy and a SnapMirror relationship per data volume.
	w.build(w.scl3, "scl3-1.plan", nil, "alice", "bob")
	rels := w.lab.Ontap["scl3"].Relationships()
	require.Len(t, rels, 10)
	for _, rel := range rels {
		assert.Equal(t, "snapmirrored", rel.State)
	}

	// DR drill: the storage admins break every relationship at SCL3 (the copies become
	// writable). The DR plan shows exactly that: a resync per relationship, nothing destroyed.
	for _, rec := range records(w.ontap("scl3", "GET", "/api/snapmirror/relationships", nil)) {
		w.ontap("scl3", "PATCH", "/api/snapmirror/relationships/"+rec["uuid"].(string)+"?return_timeout=30", map[string]any{"state": "broken_off"})
	}
	for _, rel := range w.lab.Ontap["scl3"].Relationships() {
		require.Equal(t, "broken_off", rel.State)
	}
	r = w.expect(2, "drift", w.scl3, "--var-file", w.vars)
	assert.Contains(t, r.stdout, `state: "snapmirrored" -> "broken_off"`)
	r = w.expect(2, "plan", w.scl3, "--var-file", w.vars, "--detailed-exitcode", "--json")
	var p storyPlanJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &p))
	resyncs := 0
	for _, c := range p.ResourceChanges {
		if c.Action == "no-op" || c.Action == "read" {
			continue
		}
		assert.False(t, c.Destructive, "%s: a DR drill must not destroy anything", c.Address)
		require.Equal(t, "ontap_snapmirror", c.Type, "%s %s", c.Address, c.Action)
		require.Equal(t, "update", c.Action, c.Address)
		require.Len(t, c.Diffs, 1, c.Address)
		assert.Equal(t, "state", c.Diffs[0].Path)
		assert.Equal(t, "broken_off", c.Diffs[0].Before)
		assert.Equal(t, "snapmirrored", c.Diffs[0].After)
		resyncs++
	}
	assert.Equal(t, 10, resyncs)
	// Staying failed over is a reviewed decision too: with mirror_state = broken_off the plan
	// is clean; resyncing is the reviewed change back.
	w.expect(0, "plan", w.scl3, "--var-file", w.vars, "--var", "mirror_state=broken_off", "--detailed-exitcode")
	w.build(w.scl3, "scl3-resync.plan", nil, "alice", "bob")
	for _, rel := range w.lab.Ontap["scl3"].Relationships() {
		assert.Equal(t, "snapmirrored", rel.State)
	}
	w.expect(0, "audit", "verify", "--dir", w.phx1)
	w.expect(0, "audit", "verify", "--dir", w.scl3)
}

// TestLabDemo runs the README's first command, the one-command story, through the binary.
func TestLabDemo(t *testing.T) {
	r := runBinary(t, runOpts{dir: repoRoot, env: []string{"NO_COLOR=1", "HOME=" + t.TempDir()}}, "lab", "demo", "--dir", t.TempDir())
	require.Equal(t, 0, r.code, "%s", r)
	for _, step := range []string{"Start the lab", "Plan the enclave enclaves/phx1-hci", "Three reviewers sign exactly this plan with their SSH keys (the rules it touches: required: 2, opens-into-hci: 3)", "Apply:", "Plan again", "behind enclave's back", "Drift detection", "Fix it the controlled way", "Drift again", "The DR twin", "The story ran end to end."} {
		assert.Contains(t, r.stdout, step)
	}
}
