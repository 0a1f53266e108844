package junossim

import (
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestConformance drives the simulator with Juniper's own clients, PyEZ and ncclient
// (Debian packages python3-junos-eznc and python3-ncclient, run by /usr/bin/python3).
// The test fails when they are missing: CI installs them.
func TestConformance(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import jnpr.junos, ncclient").CombinedOutput(); err != nil {
		t.Fatalf("PyEZ/ncclient are needed (apt-get install python3-junos-eznc python3-ncclient): %v\n%s", err, out)
	}
	cases := []struct {
		name   string
		mode   string
		base11 bool
	}{
		{"pyez base1.0", "pyez", false},
		{"pyez base1.1", "pyez", true},
		{"ncclient base1.0", "ncclient", false},
		{"ncclient base1.1", "ncclient", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startSim(t, Options{Base11: tc.base11, Clock: wallClock{}})
			keyFile := writeKey(t, ts)
			host, port, _ := strings.Cut(ts.addr, ":")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "conformance.py"), host, port, "enclave", keyFile, tc.mode)
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", tc.mode, err, out)
			}
			t.Logf("%s", out)
			if ts.Locked() {
				t.Error("lock still held after the clients closed")
			}
			if ts.CandidateModified() {
				t.Error("candidate left modified")
			}
			for _, rpc := range []string{"commit-configuration"} {
				if ts.RPCCount(rpc) == 0 {
					t.Errorf("no %s seen: %v", rpc, ts.RPCCounts())
				}
			}
			t.Logf("rpc counts: %v", ts.RPCCounts())
		})
	}
}

func writeKey(t *testing.T, ts *testSim) string {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(ts.priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var _ = strconv.Itoa
