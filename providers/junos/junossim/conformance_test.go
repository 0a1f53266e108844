package junossim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
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
			ts := startSim(t, Options{Base11: tc.base11})
			keyFile := writeKey(t, ts)
			host, port, _ := strings.Cut(ts.addr, ":")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "conformance.py"), host, port, "enclave", keyFile, tc.mode)
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "HOME="+t.TempDir())
			out, err := runConversing(cmd, ts)
			if err != nil {
				t.Fatalf("%s: %v\n%s", tc.mode, err, out)
			}
			t.Logf("%s", out)
			ts.mu.Lock()
			chunked := ts.chunked
			ts.mu.Unlock()
			if (chunked > 0) != tc.base11 {
				t.Errorf("%d sessions used chunked framing; base11 %v", chunked, tc.base11)
			}
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
	t.Run("ansible junos_config", func(t *testing.T) {
		t.Parallel()
		playbook, err := exec.LookPath("ansible-playbook")
		switch {
		case err != nil:
			t.Log("ansible-playbook not installed: Ansible conformance not run")
			return
		case testing.Short() || raceEnabled:
			t.Log("-short or -race: Ansible conformance not run (run go test without them)")
			return
		}
		ts := startSim(t, Options{Clock: wallClock{}})
		keyFile := writeKey(t, ts)
		host, port, _ := strings.Cut(ts.addr, ":")
		dir := t.TempDir()
		inv := filepath.Join(dir, "inventory")
		line := fmt.Sprintf("[sim]\nfw ansible_host=%s ansible_port=%s ansible_user=enclave ansible_ssh_private_key_file=%s ansible_network_os=junipernetworks.junos.junos\n", host, port, keyFile)
		if err := os.WriteFile(inv, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, playbook, "-i", inv, filepath.Join("testdata", "ansible_playbook.yml"))
		cmd.Env = append(os.Environ(), "ANSIBLE_HOST_KEY_CHECKING=False", "ANSIBLE_NOCOLOR=1", "HOME="+dir, "ANSIBLE_LOCAL_TEMP="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ansible-playbook: %v\n%s", err, out)
		}
		if p, _ := ts.ConfirmPending(); p {
			t.Error("confirmed commit left pending")
		}
		if !strings.Contains(ts.CommittedSet(), "security-zone untrust") || strings.Contains(ts.CommittedSet(), "nowhere") {
			t.Errorf("committed:\n%s", ts.CommittedSet())
		}
		t.Logf("rpc counts: %v", ts.RPCCounts())
	})
}

// TestConformanceReads opens sessions the way automation clients do and reads what they
// read: PyEZ with gather_facts=True (every facts module, on the SRX cluster and on the EX),
// dev.cli and dev.rpc.cli of show configuration with | display set relative, get_config in
// set, text and json; ncclient's command and get_configuration.
func TestConformanceReads(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import jnpr.junos, ncclient").CombinedOutput(); err != nil {
		t.Fatalf("PyEZ/ncclient are needed (apt-get install python3-junos-eznc python3-ncclient): %v\n%s", err, out)
	}
	cases := []struct{ mode, personality string }{
		{"pyez-facts", "srx"},
		{"pyez-facts", "ex"},
		{"ncclient-ops", "srx"},
	}
	for _, tc := range cases {
		t.Run(tc.mode+" "+tc.personality, func(t *testing.T) {
			t.Parallel()
			ts := startPersonality(t, tc.personality)
			if tc.personality == "srx" {
				if err := ts.LoadSet(seedPolicies); err != nil {
					t.Fatal(err)
				}
			}
			keyFile := writeKey(t, ts)
			host, port, _ := strings.Cut(ts.addr, ":")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "conformance.py"), host, port, "enclave", keyFile, tc.mode, tc.personality)
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "HOME="+t.TempDir())
			out, err := runConversing(cmd, ts)
			if err != nil {
				t.Fatalf("%s: %v\n%s", tc.mode, err, out)
			}
			t.Logf("%s\nrpc counts: %v", out, ts.RPCCounts())
		})
	}
}

// runConversing runs the script and answers its "advance N" lines by moving the
// simulator's manual clock N minutes forward.
func runConversing(cmd *exec.Cmd, ts *testSim) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if m, ok := strings.CutPrefix(line, "advance "); ok {
			n, _ := strconv.Atoi(m)
			ts.clock.Advance(time.Duration(n) * time.Minute)
			_, _ = io.WriteString(stdin, "advanced\n")
		}
	}
	stdin.Close()
	err = cmd.Wait()
	out.Write(stderr.Bytes())
	return out.Bytes(), err
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
