package test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos"
	"github.com/enclave-dev/enclave/providers/ontap"
	"github.com/enclave-dev/enclave/providers/vsphere"
	"github.com/hashicorp/hcl/v2"
	"github.com/stretchr/testify/require"
)

// The reference enclaves (enclaves/phx1-hci, enclaves/scl3-dr) and the modules they share:
// they validate, their policies catch what they are written to catch, they are formatted, and
// they build in the lab.

// refLabVars is a variables file shaped like the one `enclave lab up --junos srx-phx1:srx
// --junos ex-phx1:ex --ontap phx1 --ontap scl3` writes; offline runs never connect.
const refLabVars = `vsphere_url = "https://127.0.0.1:8989/sdk"
vsphere_user = "enclave"
vsphere_password = "lab-password"
ca_file = "ca.pem"
vsphere_ca_file = "ca.pem"
ontap_ca_file = "ca.pem"
junos_private_key_file = "id_ed25519"
junos_known_hosts_file = "known_hosts"
junos_user = "enclave"
junos_ex_phx1_host = "127.0.0.1"
junos_ex_phx1_port = 40001
junos_srx_phx1_host = "127.0.0.1"
junos_srx_phx1_port = 40002
ontap_phx1_url = "https://127.0.0.1:40003"
ontap_phx1_user = "admin"
ontap_phx1_password = "phx1-secret"
ontap_scl3_url = "https://127.0.0.1:40004"
ontap_scl3_user = "admin"
ontap_scl3_password = "scl3-secret"
`

// refWorkspace copies enclaves/phx1-hci, enclaves/scl3-dr and modules/ into a scratch
// directory (keeping the layout the module sources expect) with a lab-like variables file.
func refWorkspace(t *testing.T) (root, vars string) {
	t.Helper()
	root = t.TempDir()
	copyEnclave(t, root, "phx1-hci")
	copyEnclave(t, root, "scl3-dr")
	vars = filepath.Join(root, "lab.vars")
	require.NoError(t, os.WriteFile(vars, []byte(refLabVars), 0o600))
	return root, vars
}

// refValidate is `enclave validate DIR --var-file VARS` in process: an offline plan.
func refValidate(t *testing.T, dir, vars string) *engine.Run {
	t.Helper()
	e := engine.Engine{Registry: providers.Registry{"vsphere": vsphere.New, "junos": junos.New, "ontap": ontap.New}}
	run, err := e.Plan(context.Background(), state.NewLocal(dir), engine.PlanOptions{
		Dir: dir, Offline: true,
		Vars: engine.VarInputs{Files: []string{vars}, Environ: []string{}},
	})
	require.NoError(t, err)
	return run
}

// refErrors are the run's error diagnostics, rendered for failure messages.
func refErrors(run *engine.Run) string {
	var b strings.Builder
	for _, d := range run.Diags {
		if d.Severity == hcl.DiagError {
			fmt.Fprintf(&b, "%s: %s: %s\n", d.Subject, d.Summary, d.Detail)
		}
	}
	return b.String()
}

// refPolicy is one policy as written in an enclave's policies.hcl: its message and where
// its block starts.
type refPolicy struct {
	message string
	line    int
}

// refPolicies reads the policy blocks of dir/policies.hcl by text, independently of the
// engine, so the test checks the engine's ranges and messages against the source.
func refPolicies(t *testing.T, dir string) map[string]refPolicy {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "policies.hcl"))
	require.NoError(t, err)
	head := regexp.MustCompile(`^policy "([^"]+)" \{`)
	msg := regexp.MustCompile(`^\s*message\s*=\s*"((?:[^"\\]|\\.)*)"`)
	out := map[string]refPolicy{}
	current := ""
	for i, line := range strings.Split(string(b), "\n") {
		if m := head.FindStringSubmatch(line); m != nil {
			current = m[1]
			out[current] = refPolicy{line: i + 1}
		}
		if m := msg.FindStringSubmatch(line); m != nil && current != "" {
			p := out[current]
			p.message = strings.ReplaceAll(m[1], `\"`, `"`)
			out[current] = p
		}
	}
	require.NotEmpty(t, out)
	return out
}

func TestReferenceEnclavesValidate(t *testing.T) {
	root, vars := refWorkspace(t)
	tests := []struct {
		enclave   string
		instances int
		policies  []string
		// undecided are the policies that need values known only after the first apply.
		undecided []string
		advisory  []string
	}{
		{
			enclave:   "phx1-hci",
			instances: 98,
			policies: []string{"cpu-overcommit", "data-volumes-protected", "memory-fits-n-minus-1", "no-any-to-any", "no-vm-on-unreplicated-datastore",
				"two-uplinks", "vm-datastore-ids-replicated", "zone-pairs-end-in-deny"},
			undecided: []string{"vm-datastore-ids-replicated"},
			advisory:  []string{"cpu-overcommit"},
		},
		{
			enclave:   "scl3-dr",
			instances: 32,
			policies:  []string{"every-catalog-volume-mirrored", "mirror-destinations-are-dr-copies"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.enclave, func(t *testing.T) {
			dir := filepath.Join(root, "enclaves", tt.enclave)
			run := refValidate(t, dir, vars)
			require.Empty(t, refErrors(run))
			require.Len(t, run.Plan.Changes, tt.instances)

			var names []string
			for _, p := range run.Plan.Policies {
				names = append(names, p.Name)
				require.True(t, p.Passed, "policy %s: %s", p.Name, p.Message)
				if slices.Contains(tt.undecided, p.Name) {
					require.Contains(t, p.Message, "not decided", p.Name)
				} else {
					require.Empty(t, p.Message, "policy %s must be decided at plan time", p.Name)
				}
				want := "mandatory"
				if slices.Contains(tt.advisory, p.Name) {
					want = "advisory"
				}
				require.Equal(t, want, p.Enforcement, p.Name)
			}
			sort.Strings(names)
			require.Equal(t, tt.policies, names)
			require.Equal(t, "config", run.Plan.RulesSource)
			require.NotNil(t, run.Plan.Rules)
			require.Equal(t, 2, run.Plan.Rules.Required)
			require.Len(t, run.Plan.Rules.Approvers, 4)
		})
	}
}

// TestReferenceApprovalRules checks the gate rules phx1-hci asks for: firewall changes,
// anything that opens traffic into hci (the first build included) and data destruction take
// three of the four approvers.
func TestReferenceApprovalRules(t *testing.T) {
	root, vars := refWorkspace(t)
	run := refValidate(t, filepath.Join(root, "enclaves", "phx1-hci"), vars)
	require.Empty(t, refErrors(run))
	r := run.Plan.Rules
	require.Equal(t, "24h0m0s", r.MaxAge)
	var approvers []string
	for _, a := range r.Approvers {
		approvers = append(approvers, a.Name)
		reviewer, err := os.ReadFile(filepath.Join(repoRoot, "enclaves", "lab", "reviewers", a.Name+".pub"))
		if err == nil { // alice, bob, carol are the lab reviewers' keys
			require.Equal(t, strings.TrimSpace(string(reviewer)), strings.TrimSpace(a.Key), a.Name)
		}
	}
	require.Equal(t, []string{"alice", "bob", "carol", "dave"}, approvers)
	rules := map[string]struct {
		types, actions []string
		required       int
	}{}
	for _, ru := range r.Rules {
		rules[ru.Name] = struct {
			types, actions []string
			required       int
		}{ru.ResourceTypes, ru.Actions, ru.Required}
	}
	require.Equal(t, 3, rules["firewall"].required)
	require.ElementsMatch(t, []string{"update", "replace", "delete"}, rules["firewall"].actions)
	require.ElementsMatch(t, []string{"junos_security_policies", "junos_security_zone", "junos_address_book", "junos_application"}, rules["firewall"].types)
	// Letting anything new into hci takes three, however the plan does it.
	var zones []string
	for _, ru := range r.Rules {
		if ru.Name == "opens-into-hci" {
			zones = ru.OpensInto
			require.Equal(t, 3, ru.Required)
			require.Empty(t, ru.ResourceTypes)
			require.Empty(t, ru.Actions)
			require.Empty(t, ru.OpensFrom)
		}
	}
	require.Equal(t, []string{"hci"}, zones)
	require.Equal(t, 3, rules["destroys-data"].required)
	require.ElementsMatch(t, []string{"delete", "replace"}, rules["destroys-data"].actions)
	require.ElementsMatch(t, []string{"ontap_volume", "vsphere_nas_datastore", "vsphere_virtual_machine"}, rules["destroys-data"].types)

	// scl3-dr names the same approvers with the same keys.
	dr := refValidate(t, filepath.Join(root, "enclaves", "scl3-dr"), vars)
	require.Empty(t, refErrors(dr))
	require.Equal(t, r.Approvers, dr.Plan.Rules.Approvers)
}

// refEdit changes the workspace copy: a new file, or one replacement in an existing file
// (which must match exactly once, so a test cannot silently stop testing anything).
type refEdit struct {
	file     string // relative to the workspace root
	old, new string // old == "": write new as the whole file
}

func (e refEdit) apply(t *testing.T, root string) {
	t.Helper()
	p := filepath.Join(root, e.file)
	if e.old == "" {
		require.NoError(t, os.WriteFile(p, []byte(e.new), 0o644))
		return
	}
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(b), e.old), "%s must contain %q once", e.file, e.old)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(b), e.old, e.new, 1)), 0o644))
}

func TestReferencePolicyViolations(t *testing.T) {
	tests := []struct {
		name    string
		enclave string
		edits   []refEdit
		fail    []string // exactly the mandatory policies that fail
	}{
		{
			name:    "third uplink",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/extra.hcl", new: `
resource "junos_interface" "third_uplink" {
  provider  = junos.srx
  name      = "ge-0/0/2"
  member_of = "reth0"
  tags      = { role = "uplink", device = "srx-node0", speed = "10g" }
}
`}},
			fail: []string{"two-uplinks"},
		},
		{
			name:    "both uplinks on one node",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/network.hcl",
				old: `uplink_address = "10.0.0.2/30"`,
				new: `uplink_address = "10.0.0.2/30"
  uplink_members = { "ge-0/0/0" = "srx-node0", "ge-0/0/2" = "srx-node0" }`}},
			fail: []string{"two-uplinks"},
		},
		{
			name:    "one uplink",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/network.hcl",
				old: `uplink_address = "10.0.0.2/30"`,
				new: `uplink_address = "10.0.0.2/30"
  uplink_members = { "ge-0/0/0" = "srx-node0" }`}},
			fail: []string{"two-uplinks"},
		},
		{
			name:    "data volume outside the catalog",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/extra.hcl", new: `
resource "ontap_volume" "scratch" {
  provider        = ontap.phx1
  name            = "scratch"
  svm             = ontap_svm.hci.name
  aggregate       = "aggr1"
  size            = "200GiB"
  snapshot_policy = ontap_snapshot_policy.hci.name
  tags            = { role = "data" }
}
`}},
			fail: []string{"data-volumes-protected"},
		},
		{
			name:    "replicated data volume without snapshots",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/extra.hcl", new: `
resource "ontap_volume" "scratch" {
  provider        = ontap.phx1
  name            = "scratch"
  svm             = ontap_svm.hci.name
  aggregate       = "aggr1"
  size            = "200GiB"
  snapshot_policy = "none"
  tags            = { role = "data", replicate_to = "scl3" }
}
`}},
			fail: []string{"data-volumes-protected"},
		},
		{
			// Taking a volume out of replication in the catalog leaves its source unprotected
			// and the VMs on its datastore without a copy at SCL3.
			name:    "catalog volume not replicated",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "modules/hci-catalog/main.hcl",
				old: `calendar = { size = "500GiB", service = "calendar", aggregate = "aggr2", replicate = true }`,
				new: `calendar = { size = "500GiB", service = "calendar", aggregate = "aggr2", replicate = false }`}},
			fail: []string{"data-volumes-protected", "no-vm-on-unreplicated-datastore"},
		},
		{
			name:    "zone pair ending in permit",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/extra.hcl", new: `
resource "junos_security_policies" "hci_to_mgmt" {
  provider  = junos.srx
  from_zone = "hci"
  to_zone   = "mgmt"

  policy {
    name                = "anything"
    source_address      = ["any"]
    destination_address = ["any"]
    application         = ["any"]
    action              = "permit"
  }
}
`}},
			// It also opens everything from any source to any destination.
			fail: []string{"no-any-to-any", "zone-pairs-end-in-deny"},
		},
		{
			// Every policy names one source, one destination and one application; what
			// they permit together is what the policy judges.
			name:    "a service opened from anywhere to anywhere",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/network.hcl",
				old: `{ name = "outbound-mail", source = ["services"], destination = ["corp-mx"], application = ["junos-smtp"] },`,
				new: `{ name = "outbound-mail", source = ["services"], destination = ["corp-mx"], application = ["junos-smtp"] },
        { name = "web-out", source = ["any"], destination = ["any"], application = ["junos-https"] },`}},
			fail: []string{"no-any-to-any"},
		},
		{
			name:    "zone pair without policies",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/extra.hcl", new: `
resource "junos_security_policies" "hci_to_mgmt" {
  provider  = junos.srx
  from_zone = "hci"
  to_zone   = "mgmt"
}
`}},
			fail: []string{"zone-pairs-end-in-deny"},
		},
		{
			name:    "too much VM memory for one host down",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/compute.hcl",
				old: `mailbox  = { cpus = 8, memory_gb = 64, disk_gb = 100 }`,
				new: `mailbox  = { cpus = 8, memory_gb = 96, disk_gb = 100 }`}},
			fail: []string{"memory-fits-n-minus-1"},
		},
		{
			name:    "VM on an unreplicated datastore",
			enclave: "phx1-hci",
			edits: []refEdit{{file: "enclaves/phx1-hci/extra.hcl", new: `
resource "vsphere_nas_datastore" "scratch" {
  name         = "scratch"
  host_ids     = module.esx.host_ids
  remote_hosts = ["10.20.30.5"]
  remote_path  = "/scratch"
  tags         = { replicated = "false" }
}

resource "vsphere_virtual_machine" "scratch" {
  name             = "scratch1"
  resource_pool_id = module.esx.resource_pool_id
  datastore_id     = vsphere_nas_datastore.scratch.id
  memory_mb        = 1024
  tags             = { datastore = "scratch" }
}
`}},
			fail: []string{"no-vm-on-unreplicated-datastore"},
		},
		{
			name:    "catalog volume without a mirror",
			enclave: "scl3-dr",
			edits: []refEdit{{file: "enclaves/scl3-dr/storage.hcl",
				old: `for_each   = module.catalog.replicated`,
				new: `for_each = { for k, v in module.catalog.replicated : k => v if k != "ldap" }`}},
			fail: []string{"every-catalog-volume-mirrored"},
		},
		{
			name:    "mirror into an rw volume",
			enclave: "scl3-dr",
			edits: []refEdit{{file: "enclaves/scl3-dr/extra.hcl", new: `
resource "ontap_snapmirror" "stray" {
  provider         = ontap.scl3
  source_path      = "hci:mail1"
  destination_path = "hci_dr:stray"
}
`}},
			fail: []string{"mirror-destinations-are-dr-copies"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, vars := refWorkspace(t)
			dir := filepath.Join(root, "enclaves", tt.enclave)
			want := refPolicies(t, dir)
			for _, e := range tt.edits {
				e.apply(t, root)
			}
			run := refValidate(t, dir, vars)

			var failed []string
			for _, d := range run.Diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				m := regexp.MustCompile(`^Policy "([^"]+)" failed$`).FindStringSubmatch(d.Summary)
				require.NotNil(t, m, "only policies may fail: %s", refErrors(run))
				name := m[1]
				failed = append(failed, name)
				pol, ok := want[name]
				require.True(t, ok, "policy %s is not in policies.hcl", name)
				require.Equal(t, pol.message, d.Detail, name)
				require.NotNil(t, d.Subject, name)
				require.Equal(t, "policies.hcl", filepath.Base(d.Subject.Filename), name)
				require.Equal(t, pol.line, d.Subject.Start.Line, name)
			}
			sort.Strings(failed)
			require.Equal(t, tt.fail, failed)
		})
	}
}

// TestReferencePolicyFailureRendered checks what a user sees: the binary names the policy's
// file:line:col, shows the block and prints the message, and exits 1.
func TestReferencePolicyFailureRendered(t *testing.T) {
	root, vars := refWorkspace(t)
	dir := filepath.Join(root, "enclaves", "phx1-hci")
	pol := refPolicies(t, dir)["two-uplinks"]
	refEdit{file: "enclaves/phx1-hci/network.hcl", old: `uplink_address = "10.0.0.2/30"`,
		new: `uplink_address = "10.0.0.2/30"
  uplink_members = { "ge-0/0/0" = "srx-node0", "ge-0/0/2" = "srx-node0" }`}.apply(t, root)

	r := runBinary(t, runOpts{dir: root, env: []string{"NO_COLOR=1"}}, "validate", dir, "--var-file", vars)
	require.Equal(t, 1, r.code, "%s", r)
	out := r.output()
	require.Contains(t, out, fmt.Sprintf(`policies.hcl:%d:1: error: Policy "two-uplinks" failed`, pol.line))
	require.Contains(t, out, fmt.Sprintf(`%d: policy "two-uplinks" {`, pol.line))
	require.Contains(t, out, pol.message)
}

func TestReferenceFormatted(t *testing.T) {
	dirs := []string{filepath.Join(repoRoot, "enclaves", "phx1-hci"), filepath.Join(repoRoot, "enclaves", "scl3-dr")}
	mods, err := filepath.Glob(filepath.Join(repoRoot, "modules", "*"))
	require.NoError(t, err)
	for _, m := range []string{"esx-cluster", "srx-cluster", "ex-switching", "nfs-datastores", "replicated-volume", "hci-catalog"} {
		require.Contains(t, mods, filepath.Join(repoRoot, "modules", m))
	}
	for _, d := range append(dirs, mods...) {
		r := runBinary(t, runOpts{dir: repoRoot}, "fmt", "--check", d)
		require.Equal(t, 0, r.code, "%s", r)
		_, err := os.Stat(filepath.Join(d, "README.md"))
		if strings.Contains(d, "modules") {
			require.NoError(t, err, "every module documents its inputs and outputs")
		}
	}
}

// refLabUp runs `enclave lab up` in dir with args, as enclaves/phx1-hci/lab.md does, waits
// for its ready line and returns lab.env. The lab is interrupted when the test ends.
func refLabUp(t *testing.T, dir string, args ...string) map[string]string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"lab", "up", "--dir", dir}, args...)...)
	cmd.Env = append(cleanEnv(), "NO_COLOR=1")
	// A file, not a buffer: the child writes it directly, so reading it races with nothing.
	require.NoError(t, os.MkdirAll(dir, 0o700))
	errPath := filepath.Join(dir, "..", "lab-up.stderr")
	errFile, err := os.Create(errPath)
	require.NoError(t, err)
	defer errFile.Close()
	cmd.Stderr = errFile
	stderr := func() string { b, _ := os.ReadFile(errPath); return string(b) }
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	ready, drained := make(chan bool, 1), make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			if !found && strings.HasPrefix(sc.Text(), "ready") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		<-drained // every read of the pipe done before Wait closes it
		_ = cmd.Wait()
	})
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("lab up ended before ready: %s", stderr())
		}
	case <-time.After(time.Minute):
		t.Fatalf("lab up: no ready line after a minute: %s", stderr())
	}
	b, err := os.ReadFile(filepath.Join(dir, "lab.env"))
	require.NoError(t, err)
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	return env
}

// refONTAP calls a lab ONTAP cluster's REST API over the lab CA and decodes the reply.
func refONTAP(t *testing.T, labDir string, env map[string]string, cluster, method, path, body string) map[string]any {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join(labDir, "ca.pem"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	n := strings.ToUpper(cluster)
	req, err := http.NewRequest(method, env["ENCLAVE_LAB_ONTAP_"+n+"_URL"]+path, strings.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth(env["ENCLAVE_LAB_ONTAP_"+n+"_USER"], env["ENCLAVE_LAB_ONTAP_"+n+"_PASSWORD"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
	out := map[string]any{}
	require.NoError(t, json.Unmarshal(b, &out), "%s", b)
	return out
}

// refRecords are the records of an ONTAP collection reply.
func refRecords(t *testing.T, reply map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	list, ok := reply["records"].([]any)
	require.True(t, ok, "no records in %v", reply)
	for _, r := range list {
		out = append(out, r.(map[string]any))
	}
	return out
}

// refField is a dotted field of a JSON object ("svm.name"), "" when absent.
func refField(m map[string]any, path string) string {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = o[k]
	}
	s, _ := cur.(string)
	return s
}

// TestReferenceEnclavesBuildInLab builds phx1-hci and then scl3-dr in the lab, through the
// binary and the gate, the way enclaves/phx1-hci/lab.md tells a user to: the first build
// with three approvers (it opens traffic into hci), a later firewall change refused with two
// and applied with three. Each
// re-plan afterwards reads the simulators back and finds nothing to do, and the ONTAP
// clusters hold the catalog's volumes at PHX1 and a mirror of each at SCL3.
func TestReferenceEnclavesBuildInLab(t *testing.T) {
	root := t.TempDir()
	labDir := filepath.Join(root, "lab")
	env := refLabUp(t, labDir, "--junos", "srx-phx1:srx", "--junos", "ex-phx1:ex", "--ontap", "phx1", "--ontap", "scl3")
	work := filepath.Join(root, "work")
	phx1 := copyEnclave(t, work, "phx1-hci")
	scl3 := copyEnclave(t, work, "scl3-dr")
	keys, _ := filepath.Glob(filepath.Join(work, "enclaves", "*", "approvers", "*"))
	for _, k := range keys {
		if filepath.Ext(k) == "" {
			require.NoError(t, os.Chmod(k, 0o600))
		}
	}
	vars := filepath.Join(labDir, "lab.vars")
	runEnv := []string{"ENCLAVE_AUTHOR=" + author, "ENCLAVE_AUTHOR_KEY=" + filepath.Join(phx1, "approvers", "dana"), "NO_COLOR=1", "HOME=" + root}
	run := func(code int, args ...string) result {
		t.Helper()
		r := runBinary(t, runOpts{dir: work, env: runEnv}, args...)
		require.Equal(t, code, r.code, "%s", r)
		return r
	}
	build := func(dir, name string, extra []string, approvers ...string) {
		t.Helper()
		file := filepath.Join(root, name)
		run(2, append([]string{"plan", dir, "--var-file", vars, "--out", file, "--detailed-exitcode"}, extra...)...)
		for _, a := range approvers {
			run(0, "approve", file, "--key", filepath.Join(dir, "approvers", a), "--as", a, "--dir", dir)
		}
		run(0, "apply", file, "--dir", dir, "--var-file", vars)
	}

	// The first build: the firewall rule covers changes, not creation, but building the
	// firewall opens traffic into hci, which takes three (rule "opens-into-hci").
	build(phx1, "phx1.plan", nil, "alice", "bob", "carol")
	r := run(0, "plan", phx1, "--var-file", vars, "--detailed-exitcode")
	require.Contains(t, r.output(), "8 passed, 0 failed")

	// A firewall change after the first build needs three approvers (rule "firewall"). This
	// one opens nothing: the clients reach https on the services through mail-clients already.
	refEdit{file: "enclaves/phx1-hci/network.hcl",
		old: `application = ["caldav"]`, new: `application = ["caldav", "junos-https"]`}.apply(t, work)
	fw := filepath.Join(root, "firewall.plan")
	r = run(2, "plan", phx1, "--var-file", vars, "--out", fw, "--detailed-exitcode")
	require.Contains(t, r.output(), `module.srx.junos_security_policies.pair["core-to-hci"]`)
	for _, a := range []string{"alice", "bob"} {
		run(0, "approve", fw, "--key", filepath.Join(phx1, "approvers", a), "--as", a, "--dir", phx1)
	}
	r = run(3, "apply", fw, "--dir", phx1, "--var-file", vars)
	require.Contains(t, r.output(), `"firewall"`)
	require.NotContains(t, r.output(), `"opens-into-hci"`)
	run(0, "approve", fw, "--key", filepath.Join(phx1, "approvers", "carol"), "--as", "carol", "--dir", phx1)
	run(0, "apply", fw, "--dir", phx1, "--var-file", vars)
	run(0, "plan", phx1, "--var-file", vars, "--detailed-exitcode")

	vols := map[string]string{}
	for _, v := range refRecords(t, refONTAP(t, labDir, env, "phx1", "GET", "/api/storage/volumes?fields=name,svm.name,snapshot_policy.name", "")) {
		if refField(v, "svm.name") == "hci" {
			vols[refField(v, "name")] = refField(v, "snapshot_policy.name")
		}
	}
	require.Len(t, vols, 10)
	for name, sp := range vols {
		require.Equal(t, "hci-data", sp, name)
	}

	// One apply: the DR SVM, its peering with hci at PHX1 (ontap_svm_peer), then the mirrors.
	build(scl3, "scl3.plan", nil, "carol", "dave")
	run(0, "plan", scl3, "--var-file", vars, "--detailed-exitcode")

	mirrored := map[string]bool{}
	for _, rel := range refRecords(t, refONTAP(t, labDir, env, "scl3", "GET", "/api/snapmirror/relationships?fields=source.path,destination.path,policy.name", "")) {
		src, dst := refField(rel, "source.path"), refField(rel, "destination.path")
		_, vol, _ := strings.Cut(src, ":")
		require.Equal(t, "hci:"+vol, src)
		require.Equal(t, "hci_dr:"+vol, dst)
		require.Equal(t, "MirrorAllSnapshots", refField(rel, "policy.name"))
		mirrored[vol] = true
	}
	for name := range vols {
		require.True(t, mirrored[name], "volume %s has no SnapMirror relationship at SCL3", name)
	}
}

// TestReferenceModuleValidation checks that the modules refuse inputs that would build a
// weaker enclave, naming the module's variable and saying why.
func TestReferenceModuleValidation(t *testing.T) {
	tests := []struct {
		name  string
		edit  refEdit
		where string // the module file the diagnostic points at
		want  string
	}{
		{
			name:  "zone pair with an unknown zone",
			edit:  refEdit{file: "enclaves/phx1-hci/network.hcl", old: `to   = "mgmt"`, new: `to   = "dmz"`},
			where: "modules/srx-cluster/variables.hcl",
			want:  "zone_policies pair two different zones of core, hci and mgmt.",
		},
		{
			name:  "rule shadowing deny-all",
			edit:  refEdit{file: "enclaves/phx1-hci/network.hcl", old: `{ name = "monitoring",`, new: `{ name = "deny-all",`},
			where: "modules/srx-cluster/variables.hcl",
			want:  "deny-all is the name of the rule the module appends; name yours differently.",
		},
		{
			name: "bundle to the SRX on one virtual-chassis member",
			edit: refEdit{file: "enclaves/phx1-hci/network.hcl", old: `access_ports = {`,
				new: `srx_bundle_members = { "xe-0/0/46" = "ex-member0", "xe-0/0/47" = "ex-member0" }

  access_ports = {`},
			where: "modules/ex-switching/variables.hcl",
			want:  "the bundle to the SRX needs members on at least two virtual-chassis members.",
		},
		{
			name:  "datastores without snapshots",
			edit:  refEdit{file: "enclaves/phx1-hci/storage.hcl", old: `snapshot_policy = ontap_snapshot_policy.hci.name`, new: `snapshot_policy = "none"`},
			where: "modules/nfs-datastores/variables.hcl",
			want:  "datastore volumes hold data: give them a snapshot policy other than none.",
		},
		{
			name:  "a host listed twice",
			edit:  refEdit{file: "enclaves/phx1-hci/main.hcl", old: `esx_hosts = [for i in range(1, 6) : format("esx%d.hci.phx1.example", i)]`, new: `esx_hosts = ["esx1.hci.phx1.example", "esx1.hci.phx1.example", "esx2.hci.phx1.example"]`},
			where: "modules/esx-cluster/variables.hcl",
			want:  "hostnames must list at least two distinct hosts.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, vars := refWorkspace(t)
			tt.edit.apply(t, root)
			run := refValidate(t, filepath.Join(root, "enclaves", "phx1-hci"), vars)
			errs := refErrors(run)
			require.NotEmpty(t, errs)
			found := false
			for _, d := range run.Diags {
				if d.Severity == hcl.DiagError && strings.Contains(d.Detail, tt.want) {
					found = true
					require.NotNil(t, d.Subject)
					require.True(t, strings.HasSuffix(filepath.ToSlash(d.Subject.Filename), tt.where), "diagnostic at %s, want %s", d.Subject, tt.where)
				}
			}
			require.True(t, found, "no error saying %q in:\n%s", tt.want, errs)
		})
	}
}
