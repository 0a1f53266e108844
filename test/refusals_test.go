package test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/stretchr/testify/require"
)

// gearSnapshot is what a console user would see of the VMs: name -> cpus, memory, power.
func (w *world) gearSnapshot() map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for name, vm := range w.vms() {
		out[name] = fmt.Sprintf("%d/%d/%s", vm.Config.Hardware.NumCPU, vm.Config.Hardware.MemoryMB, vm.Runtime.PowerState)
	}
	out["clusters"] = fmt.Sprint(len(w.clusters()))
	return out
}

// editFile replaces the first occurrence of old in path with new; old must be there.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Contains(b, []byte(old)), "%s does not contain %q", path, old)
	require.NoError(t, os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644))
}

// closedPort is a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "https://" + addr + "/sdk"
}

// otherCA writes a CA certificate that signed nothing the lab serves.
func otherCA(t *testing.T, path string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "some other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
}

// fingerprint is how enclave shows a certificate: sha256:AB:CD:...
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return "sha256:" + strings.Join(parts, ":")
}

// approvedPlan is a saved plan of the lab enclave approved by alice and bob.
func (w *world) approvedPlan(name string) string {
	w.t.Helper()
	f := w.plan(name)
	w.approve(f, "alice", "bob")
	return f
}

// TestRefusals: each way a run must stop, with its exit code and message, and nothing
// changed: the state file's bytes (or its absence), the VMs on vCenter, no plan file written.
func TestRefusals(t *testing.T) {
	t.Parallel()
	type act func(t *testing.T, w *world) result
	cases := []struct {
		name      string
		converged bool // apply the lab enclave first, so there is state and gear to protect
		prepare   func(t *testing.T, w *world) act
		code      int
		want      []string
		notWant   []string
	}{
		{
			name: "edited plan file",
			prepare: func(t *testing.T, w *world) act {
				f := w.approvedPlan("edited.plan")
				editFile(t, f, `"memory_mb": 4096`, `"memory_mb": 4097`)
				return func(t *testing.T, w *world) result { return w.apply(f) }
			},
			code: 3, want: []string{"edited.plan", "modified since it was made"},
		},
		{
			name: "truncated plan file",
			prepare: func(t *testing.T, w *world) act {
				f := w.approvedPlan("truncated.plan")
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(f, b[:len(b)/2], 0o644))
				return func(t *testing.T, w *world) result { return w.apply(f) }
			},
			code: 3, want: []string{"truncated.plan", "truncated"},
		},
		{
			name: "plan file of a newer format",
			prepare: func(t *testing.T, w *world) act {
				f := w.approvedPlan("newer.plan")
				editFile(t, f, `"format_version": 2,`, `"format_version": 99,`)
				return func(t *testing.T, w *world) result { return w.apply(f) }
			},
			code: 3, want: []string{"format 99 is newer than this enclave understands"}, notWant: []string{"modified"},
		},
		{
			name: "plan applied twice",
			prepare: func(t *testing.T, w *world) act {
				f := w.approvedPlan("twice.plan")
				r := w.apply(f)
				require.Equal(t, 0, r.code, "%s", r)
				return func(t *testing.T, w *world) result { return w.apply(f) }
			},
			code: 3, want: []string{"the gate refused", "lineage"},
		},
		{
			name: "state serial moved since plan", converged: true,
			prepare: func(t *testing.T, w *world) act {
				// Two plans of the same change; once one is applied the other is stale.
				bigger := `services={mail1={cpus=3,memory_mb=4096},mail2={cpus=2,memory_mb=4096},ldap1={cpus=1,memory_mb=2048}}`
				a, b := w.plan("change-a.plan", "--var", bigger), w.plan("change-b.plan", "--var", bigger)
				w.approve(a, "alice", "bob")
				w.approve(b, "alice", "bob")
				r := w.apply(a)
				require.Equal(t, 0, r.code, "%s", r)
				return func(t *testing.T, w *world) result { return w.apply(b) }
			},
			code: 3, want: []string{"the gate refused", "serial"},
		},
		{
			name: "too few approvals",
			prepare: func(t *testing.T, w *world) act {
				f := w.plan("one.plan")
				w.approve(f, "alice")
				return func(t *testing.T, w *world) result { return w.apply(f) }
			},
			code: 3, want: []string{"the gate refused", "needs 2", "has 1 (alice)"},
		},
		{
			name: "approval signed with another approver's key",
			prepare: func(t *testing.T, w *world) act {
				f := w.plan("wrongkey.plan")
				w.approve(f, "alice")
				before, err := os.ReadFile(f)
				require.NoError(t, err)
				// carol's name, bob's key: refused when attached, and the plan file is untouched.
				r := w.run("approve", f, "--key", filepath.Join(w.dir, "reviewers", "bob"), "--as", "carol", "--dir", w.dir)
				require.Equal(t, 3, r.code, "%s", r)
				require.Contains(t, r.stderr, "carol")
				after, err := os.ReadFile(f)
				require.NoError(t, err)
				require.Equal(t, string(before), string(after))
				return func(t *testing.T, w *world) result { return w.apply(f) }
			},
			code: 3, want: []string{"needs 2", "has 1 (alice)"},
		},
		{
			name: "corrupt state", converged: true,
			prepare: func(t *testing.T, w *world) act {
				editFile(t, w.statePath(), "mail1", "mail!")
				return func(t *testing.T, w *world) result {
					return w.run("plan", w.dir, "--var-file", w.vars, "--out", w.path("never.plan"))
				}
			},
			code: 1, want: []string{"corrupt", "the newest backup that verifies is"},
		},
		{
			name: "malformed HCL", converged: true,
			prepare: func(t *testing.T, w *world) act {
				w.writeFile("broken.hcl", "locals {\n  x = [1, 2\n}\n")
				return func(t *testing.T, w *world) result {
					return w.run("plan", w.dir, "--var-file", w.vars, "--out", w.path("never.plan"))
				}
			},
			code: 1, want: []string{"broken.hcl:3:1", "Missing item separator"},
		},
		{
			name: "wrong attribute type", converged: true,
			prepare: func(t *testing.T, w *world) act {
				w.writeFile("wrong.hcl", "resource \"vsphere_folder\" \"f\" {\n  path          = [\"a\"]\n  type          = \"vm\"\n  datacenter_id = data.vsphere_datacenter.dc.id\n}\n")
				return func(t *testing.T, w *world) result {
					return w.run("plan", w.dir, "--var-file", w.vars, "--out", w.path("never.plan"))
				}
			},
			code: 1, want: []string{"wrong.hcl:2:19", "string required"},
		},
		{
			name: "unreachable vCenter", converged: true,
			prepare: func(t *testing.T, w *world) act {
				url := closedPort(t)
				return func(t *testing.T, w *world) result {
					r := w.run("plan", w.dir, "--var-file", w.vars, "--var", "vsphere_url="+url, "--out", w.path("never.plan"))
					require.Contains(t, r.stderr, url)
					return r
				}
			},
			code: 1, want: []string{"unreachable"},
		},
		{
			name: "drift against an unreachable vCenter", converged: true,
			prepare: func(t *testing.T, w *world) act {
				url := closedPort(t)
				return func(t *testing.T, w *world) result {
					r := w.run("drift", w.dir, "--var-file", w.vars, "--var", "vsphere_url="+url, "--format", "junit", "--output", w.path("never.plan"))
					require.Contains(t, r.stderr, url)
					return r
				}
			},
			code: 1, want: []string{"unreachable"},
		},
		{
			name: "wrong password", converged: true,
			prepare: func(t *testing.T, w *world) act {
				return func(t *testing.T, w *world) result {
					return w.run("plan", w.dir, "--var-file", w.vars, "--var", "vsphere_password=hunter2-wrong", "--out", w.path("never.plan"))
				}
			},
			code: 1, want: []string{"login failed", "vsphere"}, notWant: []string{"hunter2-wrong"},
		},
		{
			name: "certificate from another CA", converged: true,
			prepare: func(t *testing.T, w *world) act {
				ca := w.path("other-ca.pem")
				otherCA(t, ca)
				return func(t *testing.T, w *world) result {
					r := w.run("plan", w.dir, "--var-file", w.vars, "--var", "ca_file="+ca, "--out", w.path("never.plan"))
					require.Contains(t, r.stderr, fingerprint(w.lab.VSphere.Certificate()), "the server's certificate is shown by its sha256")
					return r
				}
			},
			code: 1, want: []string{"not trusted", "other-ca.pem"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if tc.converged {
				w.converge("base.plan")
			}
			run := tc.prepare(t, w)
			before, gear := w.stateBytes(), w.gearSnapshot()
			r := run(t, w)
			require.Equal(t, tc.code, r.code, "%s", r)
			for _, s := range tc.want {
				require.Contains(t, r.stderr, s, "%s", r)
			}
			for _, s := range tc.notWant {
				require.NotContains(t, r.output(), s, "%s", r)
			}
			require.Equal(t, string(before), string(w.stateBytes()), "state changed")
			require.Equal(t, gear, w.gearSnapshot(), "the gear changed")
			require.NoFileExists(t, w.path("never.plan"))
			require.NoFileExists(t, filepath.Join(w.dir, ".enclave", "state.lock"), "the lock was left behind")
		})
	}
}

// TestCorruptStatePointsAtAVerifiedBackup: the backup the refusal names exists and decodes.
func TestCorruptStatePointsAtAVerifiedBackup(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	editFile(t, w.statePath(), "mail1", "mail!")
	r := w.expect(1, "plan", w.dir, "--var-file", w.vars)
	m := regexp.MustCompile(`the newest backup that verifies is (\S+):`).FindStringSubmatch(r.stderr)
	require.NotNil(t, m, "%s", r)
	b, err := os.ReadFile(m[1])
	require.NoError(t, err)
	st, err := state.Decode(b)
	require.NoError(t, err)
	require.NotNil(t, st.Resource(mail1))
	// Restoring it, as the message says, makes the enclave usable again.
	require.NoError(t, os.WriteFile(w.statePath(), b, 0o600))
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
}

// TestStateLock: a second run fails at once naming who holds the lock (exit 4), or waits
// --lock-timeout and goes on once it is released.
func TestStateLock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	backend := state.NewLocal(filepath.Join(w.dir, ".enclave"))
	ctx := context.Background()
	info := state.NewLockInfo("apply (held by the e2e test)")
	u, err := backend.Lock(ctx, info, 0)
	require.NoError(t, err)

	r := w.expect(4, "plan", w.dir, "--var-file", w.vars)
	for _, s := range []string{"apply (held by the e2e test)", fmt.Sprintf("pid %d", os.Getpid()), info.ID, info.User + "@" + info.Host} {
		require.Contains(t, r.stderr, s)
	}
	require.Less(t, r.took, 10*time.Second, "a locked run fails at once")
	require.Nil(t, w.stateBytes())

	// Released once the run is waiting for it (it says so through the fault-point log): the
	// run goes on and plans. Nothing here counts on how long anything takes.
	log := w.path("waits.log")
	cmd := exec.Command(binary, "plan", w.dir, "--var-file", w.vars, "--lock-timeout", "5m", "--detailed-exitcode")
	cmd.Dir = w.root
	cmd.Env = append(append(cleanEnv(), w.env...), "ENCLAVE_FAULTPOINT_LOG="+log)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	serving(func() {
		require.NoError(t, cmd.Start())
		for {
			if b, _ := os.ReadFile(log); strings.Contains(string(b), "lock.wait") {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling for the event, not timing it
		}
		require.NoError(t, u.Unlock())
		err = cmd.Wait()
	})
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out.String())
	require.Equal(t, 2, ee.ExitCode(), "the run waited for the lock, then planned\n%s", out.String())

	// Held past the timeout: exit 4 after waiting, naming the holder.
	u, err = backend.Lock(ctx, state.NewLockInfo("drift (held by the e2e test)"), 0)
	require.NoError(t, err)
	defer func() { _ = u.Unlock() }()
	r = w.expect(4, "plan", w.dir, "--var-file", w.vars, "--lock-timeout", "200ms")
	require.Contains(t, r.stderr, "drift (held by the e2e test)")
}
