package test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/internal/state"
)

// Ctrl-C and closed pipes during read-only commands (issue 10): plan and drift release the
// state lock on any exit, and a lock left by a killed run is taken over, audited.

// pipeHead runs enclave with args, reads n lines of its stdout and closes the pipe, as
// `enclave ... | head -n N` does, and returns the exit code once it has ended.
func pipeHead(t *testing.T, w *world, n int, args ...string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = w.root
	cmd.Env = append(cleanEnv(), w.env...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var code int
	serving(func() {
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(out)
		for i := 0; i < n && sc.Scan(); i++ {
		}
		out.Close() // the reader goes away, as head does
		err = cmd.Wait()
	})
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return code
}

func TestClosedPipeReleasesTheLock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	w.reconfigure("/DC0/vm/ldap1", types.VirtualMachineConfigSpec{NumCPUs: 3})
	lock := filepath.Join(w.dir, ".enclave", "state.lock")
	for _, args := range [][]string{
		{"plan", w.dir, "--var-file", w.vars, "--json"},
		{"drift", w.dir, "--var-file", w.vars, "--format", "junit"},
		{"drift", w.dir, "--var-file", w.vars},
	} {
		code := pipeHead(t, w, 2, args...)
		require.NotEqual(t, -1, code, "%v died of SIGPIPE", args)
		require.NoFileExists(t, lock, "%v left its lock behind", args)
	}
	w.expect(2, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
}

func TestInterruptedPlanAndDrift(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	lock := filepath.Join(w.dir, ".enclave", "state.lock")
	for _, args := range [][]string{
		{"plan", w.dir, "--var-file", w.vars, "--out", w.path("p.plan")},
		{"drift", w.dir, "--var-file", w.vars},
	} {
		r := w.runWith([]string{"ENCLAVE_FAULTPOINT=refresh:int"}, args...)
		require.Equal(t, 130, r.code, "%s", r)
		require.Contains(t, r.stderr, "Interrupted")
		require.NoFileExists(t, lock, "%v left its lock behind", args)
	}
	require.NoFileExists(t, w.path("p.plan"), "an interrupted plan saves nothing")

	// Killed in the middle: the lock stays, and the next run takes it over (audited).
	r := runBinary(t, runOpts{dir: w.root, env: append(append([]string(nil), w.env...), "ENCLAVE_FAULTPOINT=refresh:kill"), after: w.lab.VSphere.Quiesce},
		"plan", w.dir, "--var-file", w.vars)
	require.Equal(t, -1, r.code, "%s", r)
	require.FileExists(t, lock)
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
	require.NoFileExists(t, lock)
	es, err := state.OpenAuditLog(filepath.Join(w.dir, ".enclave", "audit.log")).Entries()
	require.NoError(t, err)
	var took bool
	for _, e := range es {
		took = took || e.Kind == state.KindLockTakeover
	}
	require.True(t, took, "the takeover is audited")
	w.expect(0, "audit", "verify", "--dir", w.dir)
}

// A lock held by a live run names the enclave directory in its unlock hint.
func TestLockHintNamesTheDirectory(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	holder := state.NewLockInfo("apply")
	holder.Host = "other-host.example" // cannot be judged from here: never taken over
	b := state.NewLocal(filepath.Join(w.dir, ".enclave"))
	u, err := b.Lock(context.Background(), holder, 0)
	require.NoError(t, err)
	defer u.Unlock()
	r := w.run("plan", w.dir, "--var-file", w.vars)
	require.Equal(t, 4, r.code, "%s", r)
	require.Contains(t, r.stderr, "enclave state unlock "+holder.ID+" --dir "+w.dir)
	hint := r.stderr[strings.Index(r.stderr, "`enclave state unlock"):]
	hint = strings.Trim(strings.SplitN(hint, "`", 3)[1], "`")
	// The hint works verbatim from anywhere.
	r = runBinary(t, runOpts{dir: os.TempDir(), env: w.env}, strings.Fields(hint)[1:]...)
	require.Equal(t, 0, r.code, "%s", r)
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
}
