package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/stretchr/testify/require"
)

var (
	// binary is the enclave built once for the whole package, as a user would run it.
	binary string
	// repoRoot is the module root (where go.mod is); enclaves/ and modules/ are copied from it.
	repoRoot string
)

func TestMain(m *testing.M) {
	// The govc tests re-execute this binary as govc (see govc_test.go).
	if code, ok := runAsGovc(); ok {
		os.Exit(code)
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		fmt.Fprintf(os.Stderr, "test: cannot find the module root with `go env GOMOD`: %v\n", err)
		return 1
	}
	repoRoot = filepath.Dir(strings.TrimSpace(string(gomod)))
	tmp, err := os.MkdirTemp("", "enclave-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binary = filepath.Join(tmp, "enclave")
	build := exec.Command("go", "build", "-o", binary, "./cmd/enclave")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "test: building enclave: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// result is one run of the binary.
type result struct {
	args           []string
	stdout, stderr string
	code           int
	took           time.Duration
}

// String is the whole run, for failure messages.
func (r result) String() string {
	return fmt.Sprintf("$ enclave %s\nexit %d after %s\n--- stdout\n%s\n--- stderr\n%s", strings.Join(r.args, " "), r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

// output is stdout and stderr together, for assertions that do not care which.
func (r result) output() string { return r.stdout + r.stderr }

// runOpts say where and how to run the binary.
type runOpts struct {
	dir   string   // working directory
	env   []string // KEY=VALUE added to the cleaned environment
	stdin string
	// after, when set, runs once the binary has ended, still holding simMu shared: a run
	// killed in the middle of a call leaves a simulator finishing it (Quiesce waits for it).
	after func()
}

// cleanEnv is the test process's environment without anything that would change what
// enclave or govc does: an ssh-agent, enclave variables, govc settings, colour settings.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "SSH_AUTH_SOCK", k == "NO_COLOR", k == "HOME",
			strings.HasPrefix(k, "ENCLAVE_"), strings.HasPrefix(k, "GOVC_"), strings.HasPrefix(k, "GOVMOMI_"):
			continue
		}
		out = append(out, kv)
	}
	return out
}

// runBinary runs enclave with args and returns what it printed and its exit code. A binary
// that cannot be started, or runs longer than two minutes, fails the test.
func runBinary(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = o.dir
	cmd.Env = append(cleanEnv(), o.env...)
	cmd.Stdin = strings.NewReader(o.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	var err error
	serving(func() {
		err = cmd.Run()
		if o.after != nil {
			o.after()
		}
	})
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ctx.Err() == nil:
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running enclave %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	t.Logf("enclave %s: exit %d (%s)", strings.Join(args, " "), r.code, r.took.Round(time.Millisecond))
	return r
}

// copyTree copies src into dst, leaving out run data (.enclave/) so a copy starts clean.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if de.IsDir() && (de.Name() == ".enclave" || de.Name() == ".enclave-lab") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if de.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	require.NoError(t, err)
}

// copyEnclave copies enclaves/NAME (and modules/, when the repository has one) under root,
// keeping their relative layout so module sources resolve, and returns the enclave's copy.
// Reviewer private keys are made 0600, as ssh tools expect.
func copyEnclave(t *testing.T, root, name string) string {
	t.Helper()
	dst := filepath.Join(root, "enclaves", name)
	copyTree(t, filepath.Join(repoRoot, "enclaves", name), dst)
	if _, err := os.Stat(filepath.Join(repoRoot, "modules")); err == nil {
		copyTree(t, filepath.Join(repoRoot, "modules"), filepath.Join(root, "modules"))
	}
	keys, _ := filepath.Glob(filepath.Join(dst, "reviewers", "*"))
	for _, k := range keys {
		if filepath.Ext(k) == "" {
			require.NoError(t, os.Chmod(k, 0o600))
		}
	}
	return dst
}

// simMu keeps the race detector's view of govmomi's simulator honest. The simulator writes
// package-level state while it builds a model and its server (LicenseManager.init appends to
// EvalLicense, Service.NewServer rewrites shared option settings) and reads it while serving
// (LicenseAssignmentManager.PutObject), so building one lab while another serves is a data
// race. Building or removing a lab takes simMu exclusively; everything that makes a simulator
// serve (a run of the binary, the test's own govmomi calls, govc) holds it shared. Tests still
// run in parallel; only lab starts wait for the runs in flight.
var simMu sync.RWMutex

// startLab runs the lab's simulators in this process, writing lab.env, lab.vars, ca.pem (and
// the Junos and ONTAP files when opts asks for them) to opts.Dir; they stop when the test ends.
func startLab(t *testing.T, opts lab.Options) *lab.Lab {
	t.Helper()
	simMu.Lock()
	l, err := lab.Start(opts)
	simMu.Unlock()
	require.NoError(t, err)
	t.Cleanup(func() {
		simMu.Lock()
		defer simMu.Unlock()
		l.Close()
	})
	return l
}

// serving holds simMu shared while fn talks to a simulator (see simMu).
func serving(fn func()) {
	simMu.RLock()
	defer simMu.RUnlock()
	fn()
}

// author makes every plan in these tests; it never counts as an approver.
const author = "dana@lab"

// world is one test's lab, its copy of the lab enclave, and every enclave run it made.
type world struct {
	t    *testing.T
	lab  *lab.Lab
	root string // scratch directory and working directory of every run
	dir  string // the enclave (a copy of enclaves/lab)
	vars string // lab.vars
	env  []string

	mu   sync.Mutex
	runs []result
}

// newWorld starts a lab and copies the lab enclave for one test.
func newWorld(t *testing.T) *world {
	t.Helper()
	root := t.TempDir()
	l := startLab(t, lab.Options{Dir: filepath.Join(root, "lab")})
	dir := copyEnclave(t, filepath.Join(root, "work"), "lab")
	w := &world{
		t: t, lab: l, root: root, dir: dir,
		vars: filepath.Join(l.Dir, "lab.vars"),
		// The author signs every plan with a key of their own, which is no approver's.
		env: []string{"ENCLAVE_AUTHOR=" + author, "ENCLAVE_AUTHOR_KEY=" + filepath.Join(dir, "reviewers", "dana"), "NO_COLOR=1", "HOME=" + filepath.Join(root, "home")},
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "home"), 0o700))
	return w
}

// path is a file in the scratch directory.
func (w *world) path(name string) string { return filepath.Join(w.root, name) }

// run runs enclave in the scratch directory and records the result.
func (w *world) run(args ...string) result {
	w.t.Helper()
	return w.runWith(nil, args...)
}

// runWith is run with more environment (KEY=VALUE; a key given again overrides the world's).
func (w *world) runWith(env []string, args ...string) result {
	w.t.Helper()
	r := runBinary(w.t, runOpts{dir: w.root, env: append(append([]string(nil), w.env...), env...)}, args...)
	w.mu.Lock()
	w.runs = append(w.runs, r)
	w.mu.Unlock()
	return r
}

// expect runs enclave and requires its exit code.
func (w *world) expect(code int, args ...string) result {
	w.t.Helper()
	r := w.run(args...)
	require.Equal(w.t, code, r.code, "%s", r)
	return r
}

// plan saves a plan of the enclave to the scratch file name and requires exit 2 (changes).
func (w *world) plan(name string, extra ...string) string {
	w.t.Helper()
	file := w.path(name)
	args := append([]string{"plan", w.dir, "--var-file", w.vars, "--out", file, "--detailed-exitcode"}, extra...)
	w.expect(2, args...)
	return file
}

// approve signs file with each named lab reviewer's key.
func (w *world) approve(file string, who ...string) {
	w.t.Helper()
	for _, name := range who {
		w.expect(0, "approve", file, "--key", filepath.Join(w.dir, "reviewers", name), "--as", name, "--dir", w.dir)
	}
}

// apply runs the gate and the apply of file; the caller checks the result.
func (w *world) apply(file string, extra ...string) result {
	w.t.Helper()
	return w.run(append([]string{"apply", file, "--dir", w.dir, "--var-file", w.vars}, extra...)...)
}

// converge plans, has alice and bob approve, and applies; then nothing is left to do.
func (w *world) converge(name string) {
	w.t.Helper()
	file := w.plan(name)
	w.approve(file, "alice", "bob")
	r := w.apply(file)
	require.Equal(w.t, 0, r.code, "%s", r)
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
}

// statePath is the enclave's local state file.
func (w *world) statePath() string { return filepath.Join(w.dir, ".enclave", "state.json") }

// stateBytes is the state file's content, nil when there is none.
func (w *world) stateBytes() []byte {
	w.t.Helper()
	b, err := os.ReadFile(w.statePath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	require.NoError(w.t, err)
	return b
}

// writeFile writes a file into the enclave's copy.
func (w *world) writeFile(name, content string) {
	w.t.Helper()
	require.NoError(w.t, os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o644))
}

// results is every run so far.
func (w *world) results() []result {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]result(nil), w.runs...)
}

// addresses of the lab enclave's managed resources, as `state list` prints them.
var labAddresses = []string{
	"vsphere_compute_cluster.hci",
	"vsphere_distributed_port_group.services",
	"vsphere_distributed_switch.dvs",
	"vsphere_host.esx[0]",
	"vsphere_host.esx[1]",
	"vsphere_host.esx[2]",
	"vsphere_nas_datastore.mail",
	`vsphere_virtual_machine.svc["ldap1"]`,
	`vsphere_virtual_machine.svc["mail1"]`,
	`vsphere_virtual_machine.svc["mail2"]`,
}
