package test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// offlineEnv gives the lab enclave's required variables for commands that never reach gear.
var offlineEnv = []string{
	"ENCLAVE_VAR_vsphere_url=https://vcenter.invalid/sdk",
	"ENCLAVE_VAR_vsphere_user=nobody",
	"ENCLAVE_VAR_vsphere_password=unused",
	"ENCLAVE_VAR_ca_file=/nonexistent/ca.pem",
}

// offline is a copy of the lab enclave, with no lab, for commands that need no gear.
func offline(t *testing.T) (dir string, run func(code int, args ...string) result) {
	t.Helper()
	root := t.TempDir()
	dir = copyEnclave(t, root, "lab")
	env := append([]string{"NO_COLOR=1", "ENCLAVE_AUTHOR=" + author, "HOME=" + root}, offlineEnv...)
	return dir, func(code int, args ...string) result {
		t.Helper()
		r := runBinary(t, runOpts{dir: root, env: env}, args...)
		require.Equal(t, code, r.code, "%s", r)
		return r
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	dir, run := offline(t)
	r := run(0, "validate", dir)
	require.Contains(t, r.stdout, `The enclave "lab" is valid: 10 resource instances, 1 policies checked.`)
	require.NotContains(t, r.stderr, "No approval rule covers destroying data")

	// An approval block with no rule for destroying data: valid, with a warning.
	main := filepath.Join(dir, "main.hcl")
	orig, err := os.ReadFile(main)
	require.NoError(t, err)
	i := strings.Index(string(orig), `  rule "destroys-data" {`)
	j := strings.Index(string(orig[i:]), "  }\n") + i + 4
	require.NoError(t, os.WriteFile(main, append(append([]byte{}, orig[:i]...), orig[j:]...), 0o644))
	r = run(0, "validate", dir)
	require.Contains(t, r.stderr, "No approval rule covers destroying data")
	require.Contains(t, r.stderr, "vsphere_nas_datastore (delete), vsphere_nas_datastore (replace), vsphere_virtual_machine (delete), vsphere_virtual_machine (replace)")
	require.NoError(t, os.WriteFile(main, orig, 0o644))

	// A reference to a resource that does not exist, with its file:line:col.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dangling.hcl"), []byte("output \"nope\" {\n  value = vsphere_folder.missing.id\n}\n"), 0o644))
	r = run(1, "validate", dir)
	require.Contains(t, r.stderr, "dangling.hcl:2:")
	require.Contains(t, r.stderr, "vsphere_folder.missing")
	require.Empty(t, r.stdout)
}

func TestFmt(t *testing.T) {
	t.Parallel()
	dir, run := offline(t)
	run(0, "fmt", "--check", dir) // the bundled enclave is canonical

	ugly := filepath.Join(dir, "ugly.hcl")
	src := "resource \"vsphere_folder\" \"f\" {\npath = \"vm/ops\"\n      type=\"vm\"\n  datacenter_id = data.vsphere_datacenter.dc.id\n}\n"
	require.NoError(t, os.WriteFile(ugly, []byte(src), 0o644))
	r := run(1, "fmt", "--check", dir)
	require.Equal(t, "ugly.hcl\n", r.stdout)
	require.Contains(t, r.stderr, "1 file(s) are not in canonical format")
	b, err := os.ReadFile(ugly)
	require.NoError(t, err)
	require.Equal(t, src, string(b), "--check changes nothing")

	r = run(0, "fmt", dir)
	require.Equal(t, "ugly.hcl\n", r.stdout)
	b, err = os.ReadFile(ugly)
	require.NoError(t, err)
	require.Equal(t, "resource \"vsphere_folder\" \"f\" {\n  path          = \"vm/ops\"\n  type          = \"vm\"\n  datacenter_id = data.vsphere_datacenter.dc.id\n}\n", string(b))
	run(0, "fmt", "-check", dir) // Terraform's spelling
}

func TestProvidersSchema(t *testing.T) {
	t.Parallel()
	_, run := offline(t)
	r := run(0, "providers", "schema")
	require.Contains(t, r.stdout, `resource "vsphere_virtual_machine"`)
	require.Contains(t, r.stdout, `resource "vsphere_nas_datastore"  (holds data: deleting or replacing it is destructive)`)

	r = run(0, "providers", "schema", "--json")
	var s struct {
		FormatVersion string `json:"format_version"`
		Providers     map[string]struct {
			Resources map[string]struct {
				Attributes map[string]struct {
					Type     string `json:"type"`
					Optional bool   `json:"optional"`
					Computed bool   `json:"computed"`
				} `json:"attributes"`
				Blocks      map[string]json.RawMessage `json:"blocks"`
				Destructive bool                       `json:"destructive"`
			} `json:"resource_schemas"`
		} `json:"provider_schemas"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
	require.Equal(t, "1.0", s.FormatVersion)
	vm, ok := s.Providers["vsphere"].Resources["vsphere_virtual_machine"]
	require.True(t, ok, "vsphere_virtual_machine in the schema")
	require.Equal(t, "number", vm.Attributes["num_cpus"].Type)
	require.True(t, vm.Attributes["uuid"].Computed)
	require.Contains(t, vm.Blocks, "disk")
	require.Contains(t, vm.Blocks, "network_interface")
	require.True(t, vm.Destructive, "VMs hold data on their disks")
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	_, run := offline(t)
	r := run(0, "completion", "bash")
	require.Contains(t, r.stdout, "bash completion")
	require.Contains(t, r.stdout, "__start_enclave")
	if bash, err := exec.LookPath("bash"); err == nil {
		// The script is valid bash: sourcing it defines the completion function.
		script := filepath.Join(t.TempDir(), "enclave.bash")
		require.NoError(t, os.WriteFile(script, []byte(r.stdout), 0o644))
		out, err := exec.Command(bash, "-c", "source "+script+" && complete -p enclave").CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "enclave")
	}
}

func TestGraph(t *testing.T) {
	t.Parallel()
	dir, run := offline(t)
	r := run(0, "graph", dir)
	golden(t, "graph.dot", r.stdout)
	require.True(t, strings.HasPrefix(r.stdout, `digraph "lab" {`), "%s", r)
	require.Contains(t, r.stdout, `"vsphere_host.esx[0]" -> "vsphere_compute_cluster.hci";`)
	require.Contains(t, r.stdout, `"vsphere_virtual_machine.svc[\"mail1\"]" -> "vsphere_nas_datastore.mail";`)
	require.NotContains(t, r.stdout, `"vsphere_compute_cluster.hci" -> "vsphere_host`, "edges point at what a resource needs")
}

// TestGraphTakesVarFile: graph evaluates the configuration (count, for_each) and so needs its
// variables, given as to every other command that evaluates it.
func TestGraphTakesVarFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := copyEnclave(t, root, "lab")
	vars := filepath.Join(root, "offline.vars")
	var b strings.Builder
	for _, kv := range offlineEnv {
		k, v, _ := strings.Cut(strings.TrimPrefix(kv, "ENCLAVE_VAR_"), "=")
		b.WriteString(k + " = \"" + v + "\"\n")
	}
	require.NoError(t, os.WriteFile(vars, []byte(b.String()), 0o644))
	r := runBinary(t, runOpts{dir: root, env: []string{"NO_COLOR=1"}}, "graph", dir, "--var-file", vars)
	require.Equal(t, 0, r.code, "%s", r)
	require.Contains(t, r.stdout, `"vsphere_host.esx[0]" -> "vsphere_compute_cluster.hci";`)
}

// TestPlanFlags: Terraform's single-dash spellings, --target, --refresh=false, --json, and
// the views of a saved plan.
func TestPlanFlags(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	file := w.path("terraform-hands.plan")
	w.expect(2, "plan", w.dir, "-out="+file, "-var-file", w.vars, "-detailed-exitcode")
	require.FileExists(t, file)

	// --json: documented, versioned, and the same plan the text shows.
	p := decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json"))
	require.Equal(t, "lab", p.Enclave)
	require.True(t, p.HasChanges)
	require.Len(t, p.pending(), len(labAddresses))
	for _, a := range p.pending() {
		require.Equal(t, "create", a)
	}

	// --target: the target and what it needs, nothing else.
	p = decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json", "-target", `vsphere_virtual_machine.svc["ldap1"]`))
	got := p.pending()
	require.Contains(t, got, `vsphere_virtual_machine.svc["ldap1"]`)
	require.Contains(t, got, "vsphere_compute_cluster.hci")
	require.Contains(t, got, "vsphere_distributed_port_group.services")
	require.NotContains(t, got, mail1)
	require.NotContains(t, got, mail2)
	p = decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json", "--target", "vsphere_compute_cluster.hci"))
	require.Equal(t, map[string]string{"vsphere_compute_cluster.hci": "create"}, p.pending())

	// The views of a saved plan.
	digest := w.expect(0, "show", file, "--digest")
	line := strings.TrimSpace(digest.stdout)
	require.Regexp(t, `^enclave-plan lab sha256:[0-9a-f]{64}$`, line)
	show := decodePlanJSON(t, w.expect(0, "show", file, "--json"))
	require.Equal(t, strings.Fields(line)[2], show.Digest)
	text := w.expect(0, "show", file)
	require.Contains(t, text.stdout, "Plan: 10 to add, 0 to change, 0 to replace, 0 to destroy.")
	html := w.expect(0, "show", file, "--html")
	require.Contains(t, strings.ToLower(html.stdout), "<html")
	require.Contains(t, html.stdout, "mail1")
	require.Contains(t, html.stdout, show.Digest)
	require.NotContains(t, html.stdout, `<script src=`, "self-contained")

	w.approve(file, "alice", "bob")
	r := w.run("apply", file, "--dir", w.dir, "-var-file", w.vars, "-parallelism", "2")
	require.Equal(t, 0, r.code, "%s", r)

	// --refresh=false plans against state alone: it cannot see a change made on vCenter.
	w.reconfigure("/DC0/vm/ldap1", types.VirtualMachineConfigSpec{NumCPUs: 3})
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--refresh=false", "--detailed-exitcode")
	w.expect(2, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
	w.expect(2, "plan", w.dir, "-var-file="+w.vars, "-refresh=true", "-detailed-exitcode")
}

// auditEntry is one entry of `audit show --json`.
type auditEntry struct {
	Seq     int            `json:"seq"`
	Kind    string         `json:"kind"`
	Details map[string]any `json:"details"`
}

// auditEntries reads the audit log through `audit show --json`.
func auditEntries(t *testing.T, w *world) []auditEntry {
	t.Helper()
	r := w.expect(0, "audit", "show", "--json", "--dir", w.dir)
	var a struct {
		FormatVersion string       `json:"format_version"`
		Entries       []auditEntry `json:"entries"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &a), "%s", r)
	require.Equal(t, "1.0", a.FormatVersion)
	for i, e := range a.Entries {
		require.Equal(t, i+1, e.Seq)
	}
	return a.Entries
}

// auditKinds is the kind of every audit entry, in order.
func auditKinds(t *testing.T, w *world) []string {
	t.Helper()
	var kinds []string
	for _, e := range auditEntries(t, w) {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

// TestStateSurgeryAndAudit: state list/show/mv/rm and unlock, import of what rm forgot, each
// change in the audit log; then audit verify names an edited entry.
func TestStateSurgeryAndAudit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	ldap1 := `vsphere_virtual_machine.svc["ldap1"]`

	list := w.expect(0, "state", "list", "--dir", w.dir)
	require.Equal(t, strings.Join(labAddresses, "\n")+"\n", list.stdout)
	show := w.expect(0, "state", "show", ldap1, "--dir", w.dir)
	require.Contains(t, show.stdout, `num_cpus = 1`)
	require.Contains(t, show.stdout, `memory_mb = 2048`)
	require.Contains(t, show.stdout, `id = "`+w.vms()["ldap1"].Self.Value+`"`)
	w.expect(1, "state", "show", "vsphere_folder.nope", "--dir", w.dir)

	w.expect(0, "state", "mv", ldap1, "vsphere_virtual_machine.directory", "--dir", w.dir)
	require.Contains(t, w.expect(0, "state", "list", "--dir", w.dir).stdout, "vsphere_virtual_machine.directory\n")
	w.expect(0, "state", "mv", "vsphere_virtual_machine.directory", ldap1, "--dir", w.dir)

	w.expect(0, "state", "rm", ldap1, "--dir", w.dir)
	require.NotContains(t, w.expect(0, "state", "list", "--dir", w.dir).stdout, ldap1)
	require.Contains(t, w.vms(), "ldap1", "state rm leaves the VM alone")
	p := decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json"))
	require.Equal(t, map[string]string{ldap1: "create"}, p.pending(), "forgotten, so planned anew")

	r := w.expect(0, "import", ldap1, "/DC0/vm/ldap1", "--dir", w.dir, "--var-file", w.vars)
	require.Contains(t, r.stdout, w.vms()["ldap1"].Self.Value)
	// Adopted, not made again. vSphere does not keep enclave's disk labels, so the imported VM
	// carries vCenter's own; the one change left is that label, in place.
	p = decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json"))
	require.Equal(t, map[string]string{ldap1: "update"}, p.pending())
	for _, c := range p.ResourceChanges {
		if c.Address == ldap1 {
			for _, d := range c.Diffs {
				require.Contains(t, d.Path, "label", "only the disk label differs after import: %+v", c.Diffs)
			}
		}
	}
	w.converge("relabel.plan")
	w.expect(1, "import", ldap1, "/DC0/vm/ldap1", "--dir", w.dir, "--var-file", w.vars) // already in state

	// A lock left by a run that died: unlock it by ID, audited.
	lock := filepath.Join(w.dir, ".enclave", "state.lock")
	require.NoError(t, os.WriteFile(lock, []byte(`{"id":"dead-run","user":"erin","host":"ci-7","pid":999999,"operation":"apply","created":"2026-01-02T03:04:05Z"}`), 0o600))
	r = w.expect(4, "plan", w.dir, "--var-file", w.vars)
	require.Contains(t, r.stderr, "erin@ci-7")
	w.expect(0, "state", "unlock", "dead-run", "--dir", w.dir)
	require.NoFileExists(t, lock)

	kinds := auditKinds(t, w)
	for _, k := range []string{"plan", "approve", "apply-start", "apply-end", "state-mv", "state-rm", "import", "unlock"} {
		require.Contains(t, kinds, k)
	}
	require.Equal(t, []string{"state-mv", "state-mv", "state-rm", "import", "plan", "approve", "approve", "apply-start", "apply-end", "unlock"}, kinds[len(kinds)-10:])

	r = w.expect(0, "audit", "verify", "--dir", w.dir)
	require.Contains(t, r.stdout, "intact")
	// Someone rewrites who approved the first plan.
	editFile(t, filepath.Join(w.dir, ".enclave", "audit.log"), `"approver":"alice"`, `"approver":"mallory"`)
	r = w.expect(1, "audit", "verify", "--dir", w.dir)
	require.Contains(t, r.stderr, "(entry 2)")
	require.Contains(t, r.stderr, "edited")
}

// TestImportOutOfBand adopts a VM someone made in the vSphere client, by inventory path.
func TestImportOutOfBand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")

	// Made by hand, beside the enclave's VMs, in the same pool and datastore.
	st, _, err := state.NewLocal(filepath.Join(w.dir, ".enclave")).Read()
	require.NoError(t, err)
	pool := types.ManagedObjectReference{Type: "ResourcePool", Value: st.Resource(`vsphere_virtual_machine.svc["ldap1"]`).Attributes["resource_pool_id"].(string)}
	dsRef := types.ManagedObjectReference{Type: "Datastore", Value: st.Resource("vsphere_nas_datastore.mail").Attributes["id"].(string)}
	var jump types.ManagedObjectReference
	w.gear(func(ctx context.Context, c *vim25.Client) {
		dsName, err := object.NewDatastore(c, dsRef).ObjectName(ctx)
		require.NoError(t, err)
		vmFolder, err := object.NewSearchIndex(c).FindByInventoryPath(ctx, "/DC0/vm")
		require.NoError(t, err)
		task, err := object.NewFolder(c, vmFolder.Reference()).CreateVM(ctx, types.VirtualMachineConfigSpec{
			Name: "jump1", GuestId: "otherLinux64Guest", NumCPUs: 1, MemoryMB: 1024,
			Files: &types.VirtualMachineFileInfo{VmPathName: "[" + dsName + "]"},
		}, object.NewResourcePool(c, pool), nil)
		require.NoError(t, err)
		info, err := task.WaitForResult(ctx)
		require.NoError(t, err)
		jump = info.Result.(types.ManagedObjectReference)
		task, err = object.NewVirtualMachine(c, jump).PowerOn(ctx)
		require.NoError(t, err)
		require.NoError(t, task.Wait(ctx))
	})

	w.writeFile("jump.hcl", `resource "vsphere_virtual_machine" "jump" {
  name             = "jump1"
  resource_pool_id = vsphere_compute_cluster.hci.resource_pool_id
  datastore_id     = vsphere_nas_datastore.mail.id
  num_cpus         = 1
  memory_mb        = 1024
  guest_id         = "otherLinux64Guest"
}
`)
	p := decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json"))
	require.Equal(t, "create", p.pending()["vsphere_virtual_machine.jump"], "before import the enclave would make another")

	r := w.expect(0, "import", "vsphere_virtual_machine.jump", "/DC0/vm/jump1", "--dir", w.dir, "--var-file", w.vars)
	require.Contains(t, r.stdout, jump.Value)
	show := w.expect(0, "state", "show", "vsphere_virtual_machine.jump", "--dir", w.dir)
	require.Contains(t, show.stdout, `name = "jump1"`)
	require.Contains(t, show.stdout, `memory_mb = 1024`)
	p = decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json"))
	require.NotEqual(t, "create", p.pending()["vsphere_virtual_machine.jump"], "adopted, not made again: %v", p.pending())
	require.NotContains(t, p.pending()["vsphere_virtual_machine.jump"], "replace", "adopting must not replace the VM")
}

// TestLabUp runs `enclave lab up` as a user does: it serves until interrupted, says "ready",
// and leaves lab.env and ca.pem behind.
func TestLabUp(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "lab")
	cmd := exec.Command(binary, "lab", "up", "--dir", dir)
	cmd.Env = append(cleanEnv(), "NO_COLOR=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	})

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
		done <- cmd.Wait()
	}()
	var printed []string
	deadline := time.After(time.Minute)
	ready := false
	for !ready {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "lab up ended before ready: %v\nstderr: %s", printed, stderr.String())
			printed = append(printed, l)
			ready = strings.HasPrefix(l, "ready")
		case <-deadline:
			t.Fatalf("no ready line after a minute: %v", printed)
		}
	}

	env := labEnv(t, dir)
	require.Regexp(t, `^https://127\.0\.0\.1:\d+/sdk$`, env["ENCLAVE_LAB_VSPHERE_URL"])
	require.NotEmpty(t, env["ENCLAVE_LAB_VSPHERE_USER"])
	require.NotEmpty(t, env["ENCLAVE_LAB_VSPHERE_PASSWORD"])
	require.FileExists(t, filepath.Join(dir, "ca.pem"))
	require.NotContains(t, strings.Join(printed, "\n"), env["ENCLAVE_LAB_VSPHERE_PASSWORD"], "the password stays in lab.env")

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	select {
	case err := <-done:
		require.NoError(t, err, "lab up exits 0 on interrupt\nstderr: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("lab up did not stop after SIGINT")
	}
	require.Contains(t, rest, "stopping the lab")
}
