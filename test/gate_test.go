package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/vim25/types"
)

// The change-approval gate (SPEC §5, §6) and its audit trail (§7), through the built binary:
// every refusal reason on its own and together, approvals made by OpenSSH's own tools and by
// a real ssh-agent, reviewers approving separate copies, bad input, and the HTML review page.

const gateLdap1 = `vsphere_virtual_machine.svc["ldap1"]`

// gateServices is a --var value for the lab's `services` variable: name -> cpus, memory MB.
func gateServices(sizes map[string][2]int) string {
	names := make([]string, 0, len(sizes))
	for n := range sizes {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s={cpus=%d,memory_mb=%d}", n, sizes[n][0], sizes[n][1]))
	}
	return "services={" + strings.Join(parts, ",") + "}"
}

// gateResize is the lab's services with one VM's size changed: an update in place of that VM.
func gateResize(name string, cpus, memoryMB int) string {
	s := map[string][2]int{"mail1": {2, 4096}, "mail2": {2, 4096}, "ldap1": {1, 2048}}
	s[name] = [2]int{cpus, memoryMB}
	return gateServices(s)
}

// gateWithout is the lab's services without one VM: a delete, which the rule destroys-data covers.
func gateWithout(name string) string {
	s := map[string][2]int{"mail1": {2, 4096}, "mail2": {2, 4096}, "ldap1": {1, 2048}}
	delete(s, name)
	return gateServices(s)
}

// gateKey is a lab reviewer's private key in the world's enclave copy (mode 0600).
func gateKey(w *world, name string) string { return filepath.Join(w.dir, "reviewers", name) }

// gateSign has a reviewer sign file's digest with their key and returns the signature,
// leaving the file as it was (--sign-only).
func gateSign(t *testing.T, w *world, file, keyOf, as string) string {
	t.Helper()
	before := gateRead(t, file)
	r := gateRun(t, w, nil, "approve", file, "--key", gateKey(w, keyOf), "--as", as, "--sign-only")
	require.Equal(t, 0, r.code, "%s", r)
	require.Contains(t, r.stdout, "-----BEGIN SSH SIGNATURE-----")
	require.Equal(t, before, gateRead(t, file), "--sign-only changed the plan file")
	return r.stdout
}

// gateRun runs enclave in w's scratch directory under t, which may be a subtest sharing w
// (w.run reports failures to the test that made the world).
func gateRun(t *testing.T, w *world, env []string, args ...string) result {
	t.Helper()
	return runBinary(t, runOpts{dir: w.root, env: append(append([]string(nil), w.env...), env...)}, args...)
}

// gateInject adds an approval to a plan file without `enclave approve`'s checks, as a
// hand edit or a careless merge of two copies would: approvals are outside the digest, so
// only the gate stands between such an approval and the gear.
func gateInject(t *testing.T, file, approver, sig string) {
	t.Helper()
	p, err := plans.ReadFile(file)
	require.NoError(t, err)
	p.Approvals = append(p.Approvals, plans.Approval{Approver: approver, Signature: sig, SignedAt: time.Now().UTC()})
	require.NoError(t, plans.Write(file, p))
}

func gateRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func gateWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// gateAudit is the enclave's audit log, read directly from .enclave/audit.log.
func gateAudit(t *testing.T, w *world) []state.AuditEntry {
	t.Helper()
	es, err := state.OpenAuditLog(filepath.Join(w.dir, ".enclave", "audit.log")).Entries()
	require.NoError(t, err)
	return es
}

// gateKinds are the entries' kinds, in order.
func gateKinds(es []state.AuditEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

// gateSSHKeygen runs OpenSSH's ssh-keygen in dir with stdin and returns its output and exit code.
func gateSSHKeygen(t *testing.T, dir, stdin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh-keygen", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
		return string(out), ee.ExitCode()
	}
	require.NoError(t, err, "ssh-keygen %s\n%s", strings.Join(args, " "), out)
	return string(out), 0
}

// gateRefusal is one way the gate must refuse. setup brings the world to the moment before
// apply and returns the plan file and any more apply arguments.
type gateRefusal struct {
	name      string
	converged bool // the lab enclave applied first: state and gear to protect
	setup     func(t *testing.T, w *world) (file string, extra []string)
	want      []string // in stderr, each
	reasons   int      // at least this many reasons in the audit entry (0: not checked)
	noVars    bool     // apply without the lab's --var-file: no vsphere_password given again
}

// gateRefusals: each reason SPEC §6 lists, through `enclave apply`: exit 3, a message that
// names it, the state's bytes and the gear as they were, and a "refuse" entry in the audit log.
var gateRefusals = []gateRefusal{
	{
		name: "no approvals",
		setup: func(t *testing.T, w *world) (string, []string) {
			return w.plan("none.plan"), nil
		},
		want: []string{"the gate refused this plan", `rule "required" needs 2 approvals, has 0`},
	},
	{
		name: "too few approvals",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("few.plan")
			w.approve(f, "carol")
			return f, nil
		},
		want: []string{`rule "required" needs 2 approvals, has 1 (carol)`},
	},
	{
		name: "a rule that needs more: deleting a VM touches destroys-data", converged: true,
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("delete.plan", "--var", gateWithout("mail2"))
			p, err := plans.ReadFile(f)
			require.NoError(t, err)
			var deletes []string
			for _, c := range p.Changes {
				if c.Action == plans.Delete {
					deletes = append(deletes, c.Addr)
				}
			}
			require.Equal(t, []string{mail2}, deletes)
			w.approve(f, "alice", "bob")
			return f, nil
		},
		want: []string{`rule "destroys-data" needs 3 approvals, has 2 (alice, bob)`},
	},
	{
		name: "the author approving",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("author.plan", "--author", "alice")
			r := w.expect(3, "approve", f, "--key", gateKey(w, "alice"), "--as", "alice", "--dir", w.dir)
			require.Contains(t, r.stderr, "alice is the plan's author and cannot approve it")
			gateInject(t, f, "alice", gateSign(t, w, f, "alice", "alice"))
			w.approve(f, "bob")
			return f, nil
		},
		want: []string{"alice is the plan's author and cannot approve it", `rule "required" needs 2 approvals, has 1 (bob)`},
	},
	{
		name: "the author approving under the local part of their address",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("author-at.plan", "--author", "alice@jump1.lab.example")
			r := w.expect(3, "approve", f, "--key", gateKey(w, "alice"), "--as", "alice", "--dir", w.dir)
			require.Contains(t, r.stderr, "alice is the plan's author")
			gateInject(t, f, "alice", gateSign(t, w, f, "alice", "alice"))
			w.approve(f, "carol")
			return f, nil
		},
		want: []string{"alice is the plan's author and cannot approve it", "has 1 (carol)"},
	},
	{
		name: "an unknown approver",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("unknown.plan")
			r := w.expect(3, "approve", f, "--key", gateKey(w, "carol"), "--as", "mallory", "--dir", w.dir)
			require.Contains(t, r.stderr, "the approval attached as mallory is by an unknown approver (the rules in force name alice, bob, carol)")
			gateInject(t, f, "mallory", gateSign(t, w, f, "carol", "mallory"))
			w.approve(f, "alice")
			return f, nil
		},
		want: []string{"the approval attached as mallory is by an unknown approver", "has 1 (alice)"},
	},
	{
		name: "a known key under another approver's name",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("otherkey.plan")
			r := w.expect(3, "approve", f, "--key", gateKey(w, "bob"), "--as", "alice", "--dir", w.dir)
			require.Contains(t, r.stderr, "the signature attached as alice was made by another key")
			require.Contains(t, r.stderr, "approver bob's")
			gateInject(t, f, "alice", gateSign(t, w, f, "bob", "alice"))
			w.approve(f, "carol")
			return f, nil
		},
		want: []string{"the signature attached as alice was made by another key", "approver bob's", "has 1 (carol)"},
	},
	{
		name: "a signature over another plan's digest",
		setup: func(t *testing.T, w *world) (string, []string) {
			a, b := w.plan("a.plan"), w.plan("b.plan")
			sig := w.path("bob-a.sig")
			gateWrite(t, sig, []byte(gateSign(t, w, a, "bob", "bob")))
			before := gateRead(t, b)
			r := w.expect(3, "approve", b, "--signature", sig, "--as", "bob", "--dir", w.dir)
			require.Contains(t, r.stderr, "the signature by bob is over another digest")
			require.Equal(t, before, gateRead(t, b), "a refused approval changed the plan file")
			gateInject(t, b, "bob", string(gateRead(t, sig)))
			w.approve(b, "alice")
			return b, nil
		},
		want: []string{"the signature by bob is over another digest", "has 1 (alice)"},
	},
	{
		name: "one byte of the plan changed after approval",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("byte.plan")
			w.approve(f, "alice", "bob")
			before := gateRead(t, f)
			// A comment in the configuration snapshot: not even that may change.
			editFile(t, f, "# A small vSphere enclave", "# A smalL vSphere enclave")
			after := gateRead(t, f)
			require.Len(t, after, len(before))
			diff := 0
			for i := range before {
				if before[i] != after[i] {
					diff++
				}
			}
			require.Equal(t, 1, diff)
			return f, nil
		},
		want: []string{"byte.plan", "modified since it was made", "does not match content"},
	},
	{
		name: "a plan file of a newer format",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("newer.plan")
			w.approve(f, "alice", "bob")
			editFile(t, f, `"format_version": 2,`, `"format_version": 99,`)
			return f, nil
		},
		want: []string{"newer.plan", "format 99 is newer than this enclave understands"},
	},
	{
		name: "expired: max_age passed",
		setup: func(t *testing.T, w *world) (string, []string) {
			editFile(t, filepath.Join(w.dir, "main.hcl"), `max_age  = "24h"`, `max_age  = "1s"`)
			f := w.plan("expired.plan")
			gatePastDue(t, w, f)
			w.approve(f, "alice", "bob")
			return f, nil
		},
		want: []string{"the plan expired at", `the approval window closed at`, "max_age 1s"},
	},
	{
		name: "expired: --expires-in passed, no max_age",
		setup: func(t *testing.T, w *world) (string, []string) {
			editFile(t, filepath.Join(w.dir, "main.hcl"), "  max_age  = \"24h\"\n", "")
			f := w.plan("expires-in.plan", "--expires-in", "1s")
			gatePastDue(t, w, f)
			w.approve(f, "alice", "bob")
			return f, nil
		},
		want: []string{"the plan expired at"},
	},
	{
		name: "stale serial: another plan applied in between", converged: true,
		setup: func(t *testing.T, w *world) (string, []string) {
			first := w.plan("first.plan", "--var", gateResize("mail1", 3, 4096))
			second := w.plan("second.plan", "--var", gateResize("ldap1", 1, 4096))
			w.approve(first, "alice", "bob")
			w.approve(second, "alice", "bob")
			r := w.apply(first, "--var", gateResize("mail1", 3, 4096))
			require.Equal(t, 0, r.code, "%s", r)
			return second, []string{"--var", gateResize("ldap1", 1, 4096)}
		},
		want: []string{"the state has moved since plan: its serial is", "make a new plan"},
	},
	{
		name: "another lineage: the state was replaced by a fresh one", converged: true,
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("lineage.plan", "--var", gateResize("mail1", 3, 4096))
			w.approve(f, "alice", "bob")
			old := gateStateLineage(t, w)
			// A fresh state: the old one moved away, one object imported into a new lineage.
			require.NoError(t, os.Rename(filepath.Join(w.dir, ".enclave"), filepath.Join(w.dir, ".enclave-old")))
			w.expect(0, "import", "vsphere_compute_cluster.hci", "/DC0/host/hci", "--dir", w.dir, "--var-file", w.vars)
			require.NotEqual(t, old, gateStateLineage(t, w))
			return f, nil
		},
		want: []string{"the state's lineage is", "but the plan was made against lineage", "it is another state"},
	},
	{
		name: "a re-supplied sensitive variable that differs, first apply",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("secret-first.plan")
			w.approve(f, "alice", "bob")
			return f, []string{"--var", "vsphere_password=wrong"}
		},
		want: []string{`sensitive variable "vsphere_password" does not match the value the plan was made with`},
	},
	{
		name: "a re-supplied sensitive variable that differs, against existing gear", converged: true,
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("secret.plan", "--var", gateResize("mail1", 3, 4096))
			w.approve(f, "alice", "bob")
			return f, []string{"--var", "vsphere_password=wrong"}
		},
		want: []string{`sensitive variable "vsphere_password" does not match the value the plan was made with`},
	},
	{
		name: "a sensitive variable not supplied again, first apply",
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("nosecret-first.plan")
			w.approve(f, "alice", "bob")
			return f, nil
		},
		want:   []string{`sensitive variable "vsphere_password" was not supplied again at apply`},
		noVars: true,
	},
	{
		name: "a sensitive variable not supplied again, against existing gear", converged: true,
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("nosecret.plan", "--var", gateResize("mail1", 3, 4096))
			w.approve(f, "alice", "bob")
			return f, nil
		},
		want:   []string{`sensitive variable "vsphere_password" was not supplied again at apply`},
		noVars: true,
	},
	{
		name: "drift since plan: the VM's CPUs changed in vCenter", converged: true,
		setup: func(t *testing.T, w *world) (string, []string) {
			f := w.plan("drift.plan", "--var", gateResize("mail1", 2, 8192))
			w.approve(f, "alice", "bob")
			w.reconfigure("/DC0/vm/mail1", types.VirtualMachineConfigSpec{NumCPUs: 4})
			return f, []string{"--var", gateResize("mail1", 2, 8192)}
		},
		want: []string{"the real world changed since plan", mail1 + ": num_cpus was 2 at plan and is 4 now"},
	},
	{
		name: "several reasons in one refusal", converged: true,
		setup: func(t *testing.T, w *world) (string, []string) {
			other := w.plan("other.plan", "--var", gateResize("ldap1", 1, 4096))
			del := w.plan("several.plan", "--var", gateWithout("mail2"))
			w.approve(other, "alice", "bob")
			w.approve(del, "alice", "bob")
			gateInject(t, del, "mallory", gateSign(t, w, del, "carol", "mallory"))
			r := w.apply(other, "--var", gateResize("ldap1", 1, 4096))
			require.Equal(t, 0, r.code, "%s", r)
			w.reconfigure("/DC0/vm/mail2", types.VirtualMachineConfigSpec{NumCPUs: 4})
			return del, []string{"--var", gateWithout("mail2")}
		},
		want: []string{
			"the state has moved since plan",
			"the approval attached as mallory is by an unknown approver",
			`rule "destroys-data" needs 3 approvals, has 2 (alice, bob)`,
		},
		// The drift of mail2 is not among them: the gate refuses on what it knows without
		// evaluating the plan or contacting gear, and only a plan that passes that is read
		// against the gear.
		reasons: 3,
	},
}

// gatePastDue moves a plan's creation and expiry two days into the past, keeping its lifetime,
// and has its author sign it again: the plan is then past its expiry and max_age without the
// test waiting for the clock. (Moving a plan's times back only makes it expire sooner; the gate
// refuses one moved forward, see TestAttackIdentity.)
func gatePastDue(t *testing.T, w *world, file string) {
	t.Helper()
	p, err := plans.ReadFile(file)
	require.NoError(t, err)
	require.WithinDuration(t, p.CreatedAt.Add(time.Second), p.ExpiresAt, time.Millisecond, "the plan lives one second")
	forgeOnly(t, file, func(p *plans.Plan) {
		p.CreatedAt = p.CreatedAt.Add(-48 * time.Hour)
		p.ExpiresAt = p.ExpiresAt.Add(-48 * time.Hour)
		p.Approvals, p.AuthorSignature = nil, ""
	})
	w.expect(0, "approve", file, "--author", "--key", gateKey(w, "dana"), "--dir", w.dir)
}

func gateStateLineage(t *testing.T, w *world) string {
	t.Helper()
	var st struct {
		Lineage string `json:"lineage"`
	}
	require.NoError(t, json.Unmarshal(w.stateBytes(), &st))
	require.NotEmpty(t, st.Lineage)
	return st.Lineage
}

func TestGateRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range gateRefusals {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if tc.converged {
				w.converge("base.plan")
			}
			file, extra := tc.setup(t, w)
			before, gear, logged := w.stateBytes(), w.gearSnapshot(), gateKinds(gateAudit(t, w))

			var r result
			if tc.noVars {
				r = w.run(append([]string{"apply", file, "--dir", w.dir}, extra...)...)
			} else {
				r = w.apply(file, extra...)
			}
			require.Equal(t, 3, r.code, "the gate must refuse (exit 3)\n%s", r)
			for _, s := range tc.want {
				require.Contains(t, r.stderr, s, "%s", r)
			}
			require.NotContains(t, r.stdout, "Apply complete")
			require.Equal(t, string(before), string(w.stateBytes()), "the refused apply changed the state")
			require.Equal(t, gear, w.gearSnapshot(), "the refused apply changed the gear")
			require.NoFileExists(t, filepath.Join(w.dir, ".enclave", "state.lock"), "the lock was left behind")

			es := gateAudit(t, w)
			require.Equal(t, append(logged, "refuse"), gateKinds(es), "the refusal is appended to the audit log (SPEC §6), and nothing else")
			last := es[len(es)-1]
			require.Equal(t, file, last.Details["file"])
			if tc.reasons > 0 {
				reasons, _ := last.Details["reasons"].([]any)
				require.GreaterOrEqual(t, len(reasons), tc.reasons, "%+v", last.Details)
			}
			w.expect(0, "audit", "verify", "--dir", w.dir)
		})
	}
}

// TestGateOpenSSHInterop: a signature made by `ssh-keygen -Y sign` over `show --digest` is
// accepted, and one made by `enclave approve --sign-only` passes `ssh-keygen -Y verify`.
func TestGateOpenSSHInterop(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.plan("interop.plan")
	p, err := plans.ReadFile(f)
	require.NoError(t, err)

	r := w.expect(0, "show", f, "--digest")
	require.Equal(t, "enclave-plan lab "+p.Digest+"\n", r.stdout)
	digest := w.path("d.txt")
	gateWrite(t, digest, []byte(r.stdout))

	// alice signs with OpenSSH, from a copy of her key only she can read.
	key := w.path("alice-key")
	require.NoError(t, os.WriteFile(key, gateRead(t, gateKey(w, "alice")), 0o600))
	out, code := gateSSHKeygen(t, w.root, "", "-Y", "sign", "-n", "enclave-plan", "-f", key, digest)
	require.Equal(t, 0, code, "%s", out)
	r = w.expect(0, "approve", f, "--signature", digest+".sig", "--as", "alice", "--dir", w.dir)
	require.Contains(t, r.stdout, "alice approved")

	// bob signs with enclave; OpenSSH verifies it against an allowed_signers file.
	before := gateRead(t, f)
	bobSig := w.path("bob.sig")
	r = w.expect(0, "approve", f, "--key", gateKey(w, "bob"), "--as", "bob", "--sign-only")
	require.Equal(t, before, gateRead(t, f), "--sign-only changed the plan file")
	gateWrite(t, bobSig, []byte(r.stdout))
	pub := strings.TrimSpace(string(gateRead(t, gateKey(w, "bob")+".pub")))
	signers := w.path("allowed_signers")
	gateWrite(t, signers, []byte(`bob namespaces="enclave-plan" `+pub+"\n"))
	out, code = gateSSHKeygen(t, w.root, string(gateRead(t, digest)), "-Y", "verify", "-f", signers, "-I", "bob", "-n", "enclave-plan", "-s", bobSig)
	require.Equal(t, 0, code, "ssh-keygen -Y verify rejected enclave's signature:\n%s", out)
	require.Contains(t, out, `Good "enclave-plan" signature for bob`)
	// And it does check: the same signature over another digest line, or another namespace, fails.
	out, code = gateSSHKeygen(t, w.root, strings.Replace(string(gateRead(t, digest)), "sha256:", "sha256:0", 1), "-Y", "verify", "-f", signers, "-I", "bob", "-n", "enclave-plan", "-s", bobSig)
	require.NotEqual(t, 0, code, "%s", out)
	out, code = gateSSHKeygen(t, w.root, string(gateRead(t, digest)), "-Y", "verify", "-f", signers, "-I", "bob", "-n", "other", "-s", bobSig)
	require.NotEqual(t, 0, code, "%s", out)

	// The signature printed for a pull request, attached later, passes the gate with alice's.
	w.expect(0, "approve", f, "--signature", bobSig, "--as", "bob", "--dir", w.dir)
	r = w.apply(f)
	require.Equal(t, 0, r.code, "%s", r)
	w.requireLabGear(labSizes)
}

// gateAgent starts a real ssh-agent holding the named lab reviewers' keys and returns its
// socket; the agent is killed when the test ends.
func gateAgent(t *testing.T, w *world, names ...string) string {
	t.Helper()
	// A short directory: unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "gate-agent-")
	require.NoError(t, err)
	sock := filepath.Join(dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	var agentOut bytes.Buffer
	agent.Stdout, agent.Stderr = &agentOut, &agentOut
	require.NoError(t, agent.Start())
	t.Cleanup(func() {
		_ = agent.Process.Kill()
		_ = agent.Wait()
		_ = os.RemoveAll(dir)
	})
	require.Eventually(t, func() bool { _, err := os.Stat(sock); return err == nil }, 10*time.Second, 20*time.Millisecond, "ssh-agent did not listen: %s", &agentOut)
	for _, n := range names {
		add := exec.Command("ssh-add", gateKey(w, n))
		add.Env = append(cleanEnv(), "SSH_AUTH_SOCK="+sock)
		out, err := add.CombinedOutput()
		require.NoError(t, err, "ssh-add %s: %s", n, out)
	}
	return sock
}

// TestGateSSHAgent: approvals signed through ssh-agent, the key chosen by the approver's
// name in the rules or by a public key file, pass the gate.
func TestGateSSHAgent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sock := gateAgent(t, w, "alice", "carol")
	agent := []string{"SSH_AUTH_SOCK=" + sock}
	f := w.plan("agent.plan")
	byPub := w.path("agent-pub.plan")
	gateWrite(t, byPub, gateRead(t, f))

	// No --key: the agent holds two keys; the rules say which one is carol's.
	r := w.runWith(agent, "approve", f, "--as", "carol", "--dir", w.dir)
	require.Equal(t, 0, r.code, "%s", r)
	r = w.runWith(agent, "approve", f, "--as", "alice", "--dir", w.dir)
	require.Equal(t, 0, r.code, "%s", r)
	// --key with a public key: sign through the agent with that key.
	r = w.runWith(agent, "approve", byPub, "--key", gateKey(w, "carol")+".pub", "--as", "carol", "--dir", w.dir)
	require.Equal(t, 0, r.code, "%s", r)
	p, err := plans.ReadFile(byPub)
	require.NoError(t, err)
	require.Len(t, p.Approvals, 1)
	require.Equal(t, "carol", p.Approvals[0].Approver)
	require.Equal(t, []plans.RuleQuorum{{Rule: plans.BaseRule, Required: 2, Have: 1, Approvers: []string{"carol"}}}, plans.RuleQuorums(p))

	// A key the agent does not hold, and no agent at all: errors, the plan unchanged.
	before := gateRead(t, byPub)
	r = w.runWith(agent, "approve", byPub, "--key", gateKey(w, "bob")+".pub", "--as", "bob", "--dir", w.dir)
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, "does not hold key")
	r = w.run("approve", byPub, "--as", "bob", "--dir", w.dir)
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, "SSH_AUTH_SOCK is not set")
	require.Equal(t, before, gateRead(t, byPub))

	r = w.apply(f)
	require.Equal(t, 0, r.code, "%s", r)
	w.requireLabGear(labSizes)
}

// TestGateReviewersApproveSeparateCopies: two reviewers each approve their own copy of the
// plan; one copy gets the other's signature attached and passes the gate.
func TestGateReviewersApproveSeparateCopies(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.plan("merge.plan")
	copy1, copy2 := w.path("copy1.plan"), w.path("copy2.plan")
	gateWrite(t, copy1, gateRead(t, f))
	gateWrite(t, copy2, gateRead(t, f))
	w.approve(copy1, "alice")
	w.approve(copy2, "bob")

	// Alone, neither copy passes.
	r := w.apply(copy2)
	require.Equal(t, 3, r.code, "%s", r)
	require.Contains(t, r.stderr, `needs 2 approvals, has 1 (bob)`)

	sig := w.path("bob.sig")
	gateWrite(t, sig, []byte(gateSign(t, w, copy2, "bob", "bob")))
	w.expect(0, "approve", copy1, "--signature", sig, "--as", "bob", "--dir", w.dir)
	p, err := plans.ReadFile(copy1)
	require.NoError(t, err)
	var who []string
	for _, a := range p.Approvals {
		who = append(who, a.Approver)
	}
	require.Equal(t, []string{"alice", "bob"}, who)

	r = w.apply(copy1)
	require.Equal(t, 0, r.code, "%s", r)
	w.requireLabGear(labSizes)
}

// TestGateBadInput: what a reviewer can get wrong when approving, and a plan of a newer
// format: a clear error, the right exit code, and the plan file untouched.
func TestGateBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.plan("bad.plan")
	digest := w.path("d.txt")
	gateWrite(t, digest, []byte(w.expect(0, "show", f, "--digest").stdout))

	garbage := w.path("garbage.sig")
	gateWrite(t, garbage, []byte("this is not a signature\n"))
	otherNS := w.path("other-ns.txt")
	gateWrite(t, otherNS, gateRead(t, digest))
	out, code := gateSSHKeygen(t, w.root, "", "-Y", "sign", "-n", "other", "-f", gateKey(w, "bob"), otherNS)
	require.Equal(t, 0, code, "%s", out)
	encrypted := w.path("encrypted")
	out, code = gateSSHKeygen(t, w.root, "", "-q", "-t", "ed25519", "-N", "secret", "-C", "encrypted", "-f", encrypted)
	require.Equal(t, 0, code, "%s", out)
	newer := w.path("newer.plan")
	gateWrite(t, newer, bytes.Replace(gateRead(t, f), []byte(`"format_version": 2,`), []byte(`"format_version": 99,`), 1))

	cases := []struct {
		name    string
		file    string
		env     []string
		args    []string // after FILE
		code    int
		want    []string
		notWant []string
	}{
		{name: "garbage signature file", file: f, args: []string{"--signature", garbage, "--as", "bob"}, code: 3,
			want: []string{"the signature attached as bob is not an SSH signature"}},
		{name: "signature for another namespace", file: f, args: []string{"--signature", otherNS + ".sig", "--as", "bob"}, code: 3,
			want: []string{`namespace "other", not "enclave-plan"`, "sign with -n enclave-plan"}},
		{name: "signature file missing", file: f, args: []string{"--signature", w.path("nowhere.sig"), "--as", "bob"}, code: 1,
			want: []string{"reading the signature", "nowhere.sig"}},
		{name: "unreadable key path", file: f, args: []string{"--key", w.path("no-such-key"), "--as", "bob"}, code: 1,
			want: []string{"no-such-key", "no such file or directory"}},
		{name: "a key path that is a directory", file: f, args: []string{"--key", w.root, "--as", "bob"}, code: 1,
			want: []string{w.root}},
		{name: "not a key", file: f, args: []string{"--key", digest, "--as", "bob"}, code: 1,
			want: []string{"d.txt is not a private key"}},
		{name: "encrypted key, wrong passphrase", file: f, env: []string{"ENCLAVE_KEY_PASSPHRASE=wrong"}, args: []string{"--key", encrypted, "--as", "bob"}, code: 1,
			want: []string{"wrong passphrase for " + encrypted}, notWant: []string{"secret"}},
		{name: "encrypted key, no terminal to ask on", file: f, args: []string{"--key", encrypted, "--as", "bob"}, code: 1,
			want: []string{"no terminal to ask the passphrase on", "ENCLAVE_KEY_PASSPHRASE"}},
		{name: "encrypted key, right passphrase, not an approver's key", file: f, env: []string{"ENCLAVE_KEY_PASSPHRASE=secret"}, args: []string{"--key", encrypted, "--as", "bob"}, code: 3,
			want: []string{"the signature attached as bob was made by another key"}},
		{name: "no --as", file: f, args: []string{"--key", gateKey(w, "bob")}, code: 1,
			want: []string{"--as NAME is required"}},
		{name: "both --key and --signature", file: f, args: []string{"--key", gateKey(w, "bob"), "--signature", garbage, "--as", "bob"}, code: 1,
			want: []string{"give --key or --signature, not both"}},
		{name: "approve a plan of a newer format", file: newer, args: []string{"--key", gateKey(w, "bob"), "--as", "bob"}, code: 3,
			want: []string{"newer.plan", "format 99 is newer than this enclave understands (2)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := gateRead(t, tc.file)
			r := gateRun(t, w, tc.env, append([]string{"approve", tc.file}, tc.args...)...)
			require.Equal(t, tc.code, r.code, "%s", r)
			for _, s := range tc.want {
				require.Contains(t, r.stderr, s, "%s", r)
			}
			for _, s := range tc.notWant {
				require.NotContains(t, r.output(), s, "%s", r)
			}
			require.Equal(t, before, gateRead(t, tc.file), "a failed approve changed the plan file")
		})
	}
	t.Run("show a plan of a newer format", func(t *testing.T) {
		t.Parallel()
		for _, flag := range []string{"--digest", "--json", "--html"} {
			r := gateRun(t, w, nil, "show", newer, flag)
			require.Equal(t, 3, r.code, "%s", r)
			require.Contains(t, r.stderr, "format 99 is newer than this enclave understands", "%s", r)
			require.Empty(t, r.stdout)
		}
	})
}

// TestGateAuditTrail: plan, approvals, a refusal and an apply are in the audit log in order,
// chained; editing one line breaks the chain at that entry.
func TestGateAuditTrail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.plan("audited.plan")
	p, err := plans.ReadFile(f)
	require.NoError(t, err)
	w.approve(f, "alice")
	r := w.apply(f)
	require.Equal(t, 3, r.code, "%s", r)
	w.approve(f, "bob")
	r = w.apply(f)
	require.Equal(t, 0, r.code, "%s", r)

	r = w.expect(0, "audit", "show", "--json", "--dir", w.dir)
	var shown struct {
		FormatVersion string `json:"format_version"`
		Entries       []struct {
			Seq     int            `json:"seq"`
			Kind    string         `json:"kind"`
			Details map[string]any `json:"details"`
			Prev    string         `json:"prev"`
			Hash    string         `json:"hash"`
		} `json:"entries"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &shown), "%s", r)
	require.Equal(t, "1.0", shown.FormatVersion)
	var kinds []string
	for i, e := range shown.Entries {
		kinds = append(kinds, e.Kind)
		require.Equal(t, i+1, e.Seq)
		if e.Kind != "state-init" { // the state's creation, by the apply in between
			require.Equal(t, p.Digest, e.Details["digest"], "entry %d (%s) names the plan's digest", e.Seq, e.Kind)
		}
		if i > 0 {
			require.NotEmpty(t, e.Prev, "entry %d is chained", e.Seq)
		}
	}
	require.Equal(t, []string{"plan", "approve", "refuse", "approve", "apply-start", "state-init", "apply-end"}, kinds)
	require.Equal(t, "alice", shown.Entries[1].Details["approver"])
	require.Equal(t, "bob", shown.Entries[3].Details["approver"])
	require.Contains(t, fmt.Sprint(shown.Entries[2].Details["reasons"]), `rule "required" needs 2 approvals, has 1 (alice)`)
	require.Equal(t, []any{"alice", "bob"}, shown.Entries[4].Details["approvers"])
	w.expect(0, "audit", "verify", "--dir", w.dir)

	// Someone rewrites the refusal to hide it.
	log := filepath.Join(w.dir, ".enclave", "audit.log")
	lines := strings.Split(string(gateRead(t, log)), "\n")
	require.Contains(t, lines[2], `"kind":"refuse"`)
	lines[2] = strings.Replace(lines[2], "has 1 (alice)", "has 2 (alice, bob)", 1)
	require.NoError(t, os.WriteFile(log, []byte(strings.Join(lines, "\n")), 0o600))
	r = w.expect(1, "audit", "verify", "--dir", w.dir)
	require.Contains(t, r.stderr, "is broken at line 3 (entry 3)")
	require.Contains(t, r.stderr, "edited")
}

// TestGateHTML: the review page carries the digest line, the commands to approve, and a
// destructive change in its own section.
func TestGateHTML(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	f := w.plan("destroy.plan", "--var", gateWithout("mail2"))
	p, err := plans.ReadFile(f)
	require.NoError(t, err)
	page := w.expect(0, "show", f, "--html").stdout
	require.Contains(t, page, "<html")
	require.Contains(t, page, html.EscapeString("enclave-plan lab "+p.Digest))
	require.Contains(t, page, html.EscapeString("enclave approve "+f+" --key ~/.ssh/id_ed25519 --as NAME"))
	require.Contains(t, page, html.EscapeString("ssh-keygen -Y sign -n enclave-plan"))
	require.Contains(t, page, html.EscapeString("enclave approve "+f+" --signature"))

	start := strings.Index(page, `id="destructive"`)
	require.GreaterOrEqual(t, start, 0, "no destructive section")
	end := strings.Index(page[start:], "</div>")
	require.Greater(t, end, 0)
	section := page[start : start+end]
	require.Contains(t, section, html.EscapeString(mail2))
	require.NotContains(t, section, html.EscapeString(mail1))
	require.NotContains(t, section, html.EscapeString(gateLdap1))
	require.Contains(t, page, `class="change destructive"`)

	// An update in place has no destructive section.
	w2 := w.plan("update.plan", "--var", gateResize("mail1", 3, 4096))
	page = w.expect(0, "show", w2, "--html").stdout
	require.NotContains(t, page, `id="destructive"`)
	require.NotContains(t, page, `class="change destructive"`)
}
