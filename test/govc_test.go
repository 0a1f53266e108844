package test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/cli"
	_ "github.com/vmware/govmomi/cli/about"  // govc about
	_ "github.com/vmware/govmomi/cli/object" // govc ls, find
	_ "github.com/vmware/govmomi/cli/vm"     // govc vm.info
)

// govcMarker makes the test binary act as govc: govc's main is cli.Run over the commands its
// packages register, so the binary holding those packages is govc. It runs as its own process
// because govc reads its settings from the environment and writes to os.Stdout.
const govcMarker = "ENCLAVE_E2E_RUN_AS_GOVC"

func runAsGovc() (int, bool) {
	if os.Getenv(govcMarker) != "1" {
		return 0, false
	}
	return cli.Run(os.Args[1:]), true
}

// labEnv reads lab.env: KEY=VALUE lines, comments skipped.
func labEnv(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "lab.env"))
	require.NoError(t, err)
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "lab.env line %q", line)
		out[k] = v
	}
	return out
}

// govc runs a govc command with the GOVC_* settings of lab.env, minus those named in drop.
func (w *world) govc(drop []string, args ...string) result {
	w.t.Helper()
	exe, err := os.Executable()
	require.NoError(w.t, err)
	env := append(cleanEnv(), govcMarker+"=1", "GOVMOMI_HOME="+w.path("govmomi"))
	for k, v := range labEnv(w.t, w.lab.Dir) {
		if strings.HasPrefix(k, "GOVC_") && !contains(drop, k) {
			env = append(env, k+"="+v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	serving(func() { err = cmd.Run() })
	r := result{args: append([]string{"(govc)"}, args...), stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ctx.Err() == nil:
		r.code = ee.ExitCode()
	case err != nil:
		w.t.Fatalf("running govc %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestGovcSeesWhatEnclaveMade: govc, configured only by lab.env and verifying the simulator's
// certificate against ca.pem, lists and describes the objects the enclave created.
func TestGovcSeesWhatEnclaveMade(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env := labEnv(t, w.lab.Dir)
	require.NotContains(t, env, "GOVC_INSECURE", "lab.env must not turn TLS verification off")
	require.Equal(t, filepath.Join(w.lab.Dir, "ca.pem"), env["GOVC_TLS_CA_CERTS"])
	w.converge("govc.plan")

	r := w.govc(nil, "ls", "/DC0/vm")
	require.Equal(t, 0, r.code, "%s", r)
	var listed []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		listed = append(listed, strings.TrimSpace(l))
	}
	require.ElementsMatch(t, []string{"/DC0/vm/ldap1", "/DC0/vm/mail1", "/DC0/vm/mail2"}, listed, "%s", r)

	r = w.govc(nil, "ls", "/DC0/host")
	require.Equal(t, 0, r.code, "%s", r)
	require.Contains(t, r.stdout, "/DC0/host/hci")

	r = w.govc(nil, "vm.info", "/DC0/vm/mail1", "/DC0/vm/ldap1")
	require.Equal(t, 0, r.code, "%s", r)
	for _, want := range []string{`(?m)^Name:\s+mail1$`, `(?m)^\s+CPU:\s+2 vCPU\(s\)$`, `(?m)^\s+Memory:\s+4096MB$`,
		`(?m)^Name:\s+ldap1$`, `(?m)^\s+CPU:\s+1 vCPU\(s\)$`, `(?m)^\s+Memory:\s+2048MB$`, `(?m)^\s+Power state:\s+poweredOn$`} {
		require.Regexp(t, regexp.MustCompile(want), r.stdout)
	}

	// Without the lab CA govc refuses the simulator's certificate: verification is really on.
	r = w.govc([]string{"GOVC_TLS_CA_CERTS"}, "ls", "/DC0/vm")
	require.NotEqual(t, 0, r.code, "%s", r)
	require.Contains(t, r.stderr, "certificate")
}
