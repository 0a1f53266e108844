package test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/stretchr/testify/require"
)

// The gate tried as an attacker with shell access and a copy of the plan would try it (issue
// 9). A plan's digest is a plain sha256 anyone can recompute, so each attack edits a saved
// plan and re-digests it with forge: the digest proves integrity only, never authority.

// forge decodes a saved plan without verifying it, lets edit change it, recomputes its
// digest and writes it back. Signatures are kept (they no longer verify if edit changed
// anything covered by the digest, which is what the attacks below rely on the gate seeing).
func forge(t *testing.T, file string, edit func(p *plans.Plan)) {
	t.Helper()
	forgeOnly(t, file, edit)
}

// forgeAsAuthor is forge by the plan's own author, who signs the edited plan again with the
// author's key, as an engineer editing the plan they made would.
func forgeAsAuthor(t *testing.T, w *world, file string, edit func(p *plans.Plan)) {
	t.Helper()
	forgeOnly(t, file, func(p *plans.Plan) { edit(p); p.Approvals, p.AuthorSignature = nil, "" })
	// enclave will not sign a plan that does not follow from its content; ssh-keygen will.
	sig := sshKeygenSign(t, file, gateKey(w, "dana"))
	forgeOnly(t, file, func(p *plans.Plan) { p.AuthorSignature = sig })
}

func forgeOnly(t *testing.T, file string, edit func(p *plans.Plan)) {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var p plans.Plan
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&p))
	edit(&p)
	require.NoError(t, plans.Write(file, &p))
}

// intruder makes an SSH key pair for someone who is no approver and returns the private key's
// path and its public line.
func intruder(t *testing.T, w *world) (string, string) {
	t.Helper()
	key := filepath.Join(w.root, "intruder")
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "intruder", "-f", key).CombinedOutput()
	require.NoError(t, err, "%s", out)
	pub, err := os.ReadFile(key + ".pub")
	require.NoError(t, err)
	return key, strings.TrimSpace(string(pub))
}

// refusedUnchanged applies file and requires the gate's refusal with every want, and state,
// gear and lock as they were.
func refusedUnchanged(t *testing.T, w *world, file string, want ...string) result {
	t.Helper()
	before, gear := w.stateBytes(), w.gearSnapshot()
	r := w.apply(file)
	require.Equal(t, 3, r.code, "the gate must refuse (exit 3)\n%s", r)
	for _, s := range want {
		require.Contains(t, r.stderr, s, "%s", r)
	}
	require.Equal(t, string(before), string(w.stateBytes()), "the refused apply changed the state")
	require.Equal(t, gear, w.gearSnapshot(), "the refused apply changed the gear")
	require.NoFileExists(t, filepath.Join(w.dir, ".enclave", "state.lock"))
	return r
}

// Case 1: the rules come from state, never from the plan file.
func TestAttackRulesFromThePlanFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		required int
	}{{"one intruder approver", 1}, {"required 0", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.converge("base.plan")
			file := w.plan("resize.plan", "--var", gateResize("ldap1", 2, 2048))
			key, pub := intruder(t, w)
			forge(t, file, func(p *plans.Plan) {
				p.Rules = &plans.ApprovalRules{Required: tc.required, Approvers: []plans.Approver{{Name: "intruder", Key: pub}}}
				p.Approvals = nil
			})
			if tc.required > 0 {
				forge(t, file, func(p *plans.Plan) {
					p.Approvals = []plans.Approval{{Approver: "intruder", Signature: sshKeygenSign(t, file, key), SignedAt: time.Now().UTC()}}
				})
			}
			refusedUnchanged(t, w, file, "the plan records approval rules that are not the rules in force", "in force: required=2, approvers [alice SHA256:")
		})
	}
}

// Case 1, first apply: with a trust root, the configuration's approvers must be trusted.
func TestAttackFirstApplyOutsideTheTrustRoot(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, pub := intruder(t, w)
	// The attacker's copy of the enclave names the intruder as an approver.
	main := filepath.Join(w.dir, "main.hcl")
	b, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, bytes.Replace(b, []byte(`approver "alice" { key = file("reviewers/alice.pub") }`), []byte(`approver "alice" { key = "`+pub+`" }`), 1), 0o644))
	file := w.plan("first.plan")
	w.approve(file, "bob", "carol")
	trust := filepath.Join(w.root, "trust-root")
	var lines []string
	for _, n := range []string{"alice", "bob", "carol"} {
		k, err := os.ReadFile(filepath.Join(w.dir, "reviewers", n+".pub"))
		require.NoError(t, err)
		lines = append(lines, n+" "+strings.TrimSpace(string(k)))
	}
	require.NoError(t, os.WriteFile(trust, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	r := w.apply(file, "--trust-root", trust)
	require.Equal(t, 3, r.code, "%s", r)
	require.Contains(t, r.stderr, "first apply: the configuration's approval rules are not trusted here: approver alice (SHA256:")
	require.Nil(t, w.stateBytes())
	// The same through ENCLAVE_TRUST_ROOT.
	r = w.runWith([]string{"ENCLAVE_TRUST_ROOT=" + trust}, "apply", file, "--dir", w.dir, "--var-file", w.vars)
	require.Equal(t, 3, r.code, "%s", r)
}

// Case 2: what is applied is what was reviewed. An edit of the snapshot that renders the same
// (an unknown value pointed elsewhere) and an observation removed are both refused.
func TestAttackSnapshotAndObservationsEdited(t *testing.T) {
	t.Parallel()
	t.Run("an unknown value pointed elsewhere", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		file := w.plan("first.plan")
		forgeAsAuthor(t, w, file, func(p *plans.Plan) {
			p.Files["main.hcl"] = strings.Replace(p.Files["main.hcl"], "network_id = vsphere_distributed_port_group.services.id", "network_id = vsphere_distributed_switch.dvs.id", 1)
		})
		// Rendered, the edit looks like the plan that was made (both ids are known only
		// after apply); re-deriving the plan from its content is what shows it.
		for _, args := range [][]string{{"show", file}, {"show", file, "--json"}, {"show", file, "--html"}, {"show", file, "--digest"}} {
			r := w.run(args...)
			require.Equal(t, 3, r.code, "%s", r)
			require.Empty(t, r.stdout, "a refused plan is not rendered")
			require.Contains(t, r.stderr, `the plan does not follow from its own configuration: vsphere_virtual_machine.svc["ldap1"]`)
		}
		r := w.run("approve", file, "--key", gateKey(w, "alice"), "--as", "alice", "--dir", w.dir)
		require.Equal(t, 3, r.code, "a reviewer is not asked to sign it: %s", r)
		// Signatures made around enclave (ssh-keygen over the digest line) still do not get
		// it past apply.
		for _, n := range []string{"alice", "bob"} {
			gateInject(t, file, n, sshKeygenSign(t, file, gateKey(w, n)))
		}
		refusedUnchanged(t, w, file, "the plan does not follow from its own configuration", `vsphere_virtual_machine.svc["ldap1"]`)
	})
	t.Run("an observation removed", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.converge("base.plan")
		file := w.plan("resize.plan", "--var", gateResize("ldap1", 2, 2048))
		forgeAsAuthor(t, w, file, func(p *plans.Plan) { delete(p.Observed, gateLdap1) })
		r := w.run("show", file)
		require.Equal(t, 3, r.code, "%s", r)
		for _, n := range []string{"alice", "bob"} {
			gateInject(t, file, n, sshKeygenSign(t, file, gateKey(w, n)))
		}
		refusedUnchanged(t, w, file, "the plan does not follow from its own configuration", gateLdap1+": the plan would update it, its configuration would create it")
	})
}

// sshKeygenSign signs a plan's digest line with OpenSSH's ssh-keygen and key, computing the
// line from the file itself (not through enclave, which refuses a plan that was edited).
func sshKeygenSign(t *testing.T, file, key string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var p struct {
		Enclave string `json:"enclave"`
		Digest  string `json:"digest"`
	}
	require.NoError(t, json.Unmarshal(raw, &p))
	msg := filepath.Join(t.TempDir(), "digest.txt")
	require.NoError(t, os.WriteFile(msg, []byte("enclave-plan "+p.Enclave+" "+p.Digest+"\n"), 0o644))
	out, err := exec.Command("ssh-keygen", "-Y", "sign", "-n", "enclave-plan", "-f", key, msg).CombinedOutput()
	require.NoError(t, err, "%s", out)
	sig, err := os.ReadFile(msg + ".sig")
	require.NoError(t, err)
	return string(sig)
}

// Case 3: nothing in an unapproved plan is evaluated, and no device is contacted, before the
// gate refuses it: a provider pointed at the author's endpoint with a secret from env()
// receives nothing.
func TestAttackNothingEvaluatedBeforeTheGate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	file := w.plan("first.plan")
	forge(t, file, func(p *plans.Plan) {
		p.Files["main.hcl"] = strings.Replace(p.Files["main.hcl"], "password = var.vsphere_password", `password = env("SOME_SECRET")`, 1)
		p.Files["main.hcl"] = strings.Replace(p.Files["main.hcl"], "url      = var.vsphere_url", `url      = "https://`+ln.Addr().String()+`/sdk"`, 1)
		p.Files["main.hcl"] = strings.Replace(p.Files["main.hcl"], "ca_file  = var.ca_file", "insecure = true", 1)
		p.Approvals = nil
	})
	r := w.runWith([]string{"SOME_SECRET=hunter2-secret"}, "apply", file, "--dir", w.dir, "--var-file", w.vars)
	require.Equal(t, 3, r.code, "%s", r)
	require.NotContains(t, r.output(), "hunter2-secret")
	// The binary has exited: a connection it made is in the listener's queue now. Take what
	// is there without waiting for more.
	require.NoError(t, ln.(*net.TCPListener).SetDeadline(time.Now()))
	conns := 0
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		conns++
		c.Close()
	}
	require.Zero(t, conns, "the provider was configured and connected before the gate refused")
}

// Case 4: the rules in state cannot be reset or edited, and relaxing a rule needs its own
// quorum.
func TestAttackRulesInStateReset(t *testing.T) {
	t.Parallel()
	t.Run("state wiped", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.converge("base.plan")
		require.NoError(t, os.Remove(w.statePath()))
		require.NoError(t, os.RemoveAll(filepath.Join(w.dir, ".enclave", "backups")))
		// With a refresh, the plan itself refuses: every object it would create exists.
		r := w.run("plan", w.dir, "--var-file", w.vars, "--out", w.path("refreshed.plan"))
		require.Equal(t, 1, r.code, "%s", r)
		require.Contains(t, r.stderr, "already exists on the device")
		// Without one, the plan is saved, and the gate refuses it as a wiped state.
		file := w.plan("again.plan", "--refresh=false")
		w.approve(file, "alice", "bob")
		r = w.apply(file)
		require.Equal(t, 3, r.code, "%s", r)
		require.Contains(t, r.stderr, "the state holds no approval rules, but this enclave was applied before (the audit log records its state being made (lineage ")
	})
	t.Run("rules edited in state with the checksum recomputed", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.converge("base.plan")
		file := w.plan("resize.plan", "--var", gateResize("ldap1", 2, 2048))
		w.approve(file, "alice")
		st, err := state.Decode(w.stateBytes())
		require.NoError(t, err)
		var rules plans.ApprovalRules
		require.NoError(t, json.Unmarshal(st.Approval, &rules))
		rules.Required = 1
		st.Approval, _ = json.Marshal(rules)
		var chain plans.RulesChain
		require.NoError(t, json.Unmarshal(st.ApprovalChain, &chain))
		chain[len(chain)-1].Rules = &rules
		st.ApprovalChain, _ = json.Marshal(chain)
		b, err := state.Encode(st)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(w.statePath(), b, 0o600))
		refusedUnchanged(t, w, file, "the approval rules recorded in state do not verify (rule set 1)")
		r := w.run("plan", w.dir, "--var-file", w.vars)
		require.Equal(t, 1, r.code, "%s", r)
		require.Contains(t, r.stderr, "Approval rules in state do not verify")
	})
	t.Run("removing the stricter rule needs its quorum", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.converge("base.plan")
		main := filepath.Join(w.dir, "main.hcl")
		b, err := os.ReadFile(main)
		require.NoError(t, err)
		i := bytes.Index(b, []byte(`  rule "destroys-data" {`))
		j := bytes.Index(b[i:], []byte("  }\n")) + i + 4
		require.NoError(t, os.WriteFile(main, append(append([]byte{}, b[:i]...), b[j:]...), 0o644))
		file := w.plan("relax.plan")
		w.approve(file, "alice", "bob")
		refusedUnchanged(t, w, file, `rule "destroys-data" needs 3 approvals, has 2 (alice, bob)`)
		w.approve(file, "carol")
		r := w.apply(file)
		require.Equal(t, 0, r.code, "%s", r)
	})
}

// rechain rewrites an audit log's entries as a forger with the file would: numbered from 1,
// each hash and each link to the line before recomputed (the chain is unkeyed).
func rechain(t *testing.T, path string, es []state.AuditEntry) {
	t.Helper()
	canonical := func(v any) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(v))
		return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	var out bytes.Buffer
	prev := ""
	for i, e := range es {
		e.Seq, e.Prev, e.Hash = i+1, prev, ""
		sum := sha256.Sum256(canonical(e))
		e.Hash = "sha256:" + hex.EncodeToString(sum[:])
		line := canonical(e)
		ls := sha256.Sum256(line)
		prev = "sha256:" + hex.EncodeToString(ls[:])
		out.Write(append(line, '\n'))
	}
	require.NoError(t, os.WriteFile(path, out.Bytes(), 0o600))
}

// Case 5: the audit log fails closed and is anchored in state.
func TestAttackAuditLog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	file := w.plan("resize.plan", "--var", gateResize("ldap1", 2, 2048))
	w.approve(file, "alice", "bob")
	w.expect(0, "apply", file, "--dir", w.dir, "--var-file", w.vars)
	logPath := filepath.Join(w.dir, ".enclave", "audit.log")
	es := gateAudit(t, w)
	var start *state.AuditEntry
	for i := range es {
		if es[i].Kind == state.KindApplyStart {
			start = &es[i]
		}
	}
	require.NotNil(t, start)
	approvals, _ := start.Details["approvals"].([]any)
	require.Len(t, approvals, 2, "the apply's entry carries the approvals themselves")
	require.Contains(t, approvals[0].(map[string]any)["signature"], "BEGIN SSH SIGNATURE")
	w.expect(0, "audit", "verify", "--dir", w.dir)
	orig, err := os.ReadFile(logPath)
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		edit func()
		want string
	}{
		{"a middle entry deleted and the chain rebuilt", func() { rechain(t, logPath, append(append([]state.AuditEntry{}, es[:2]...), es[3:]...)) }, "the log was rewritten"},
		{"the front cut off and the chain rebuilt", func() { rechain(t, logPath, es[2:]) }, "entries were deleted or the log was truncated or replaced"},
		{"two entries swapped and the chain rebuilt", func() {
			sw := append([]state.AuditEntry{}, es...)
			sw[1], sw[2] = sw[2], sw[1]
			rechain(t, logPath, sw)
		}, "the log was rewritten"},
		{"the whole log deleted", func() { require.NoError(t, os.Remove(logPath)) }, "entries were deleted or the log was truncated or replaced"},
	} {
		tc.edit()
		r := w.run("audit", "verify", "--dir", w.dir)
		require.Equal(t, 1, r.code, "%s: %s", tc.name, r)
		require.Contains(t, r.stderr, tc.want, tc.name)
		require.NoError(t, os.WriteFile(logPath, orig, 0o600))
	}

	// An apply whose audit entry cannot be written does not proceed.
	next := w.plan("resize2.plan", "--var", gateResize("ldap1", 3, 2048))
	w.approve(next, "alice", "bob")
	require.NoError(t, os.Remove(logPath))
	require.NoError(t, os.Mkdir(logPath, 0o700)) // an audit log that cannot be opened for append
	before, gear := w.stateBytes(), w.gearSnapshot()
	r := w.apply(next)
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, "the audit log cannot be written, so nothing was done")
	require.Equal(t, string(before), string(w.stateBytes()))
	require.Equal(t, gear, w.gearSnapshot())
}

// Case 6: identity.
func TestAttackIdentity(t *testing.T) {
	t.Parallel()
	t.Run("a reviewer approving her own plan under another author name", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.converge("base.plan")
		file := w.path("own.plan")
		w.runWith([]string{"ENCLAVE_AUTHOR_KEY=" + gateKey(w, "alice")}, "plan", w.dir, "--var-file", w.vars, "--out", file, "--author", "mallory", "--var", gateResize("ldap1", 2, 2048))
		r := w.run("approve", file, "--key", gateKey(w, "alice"), "--as", "alice", "--dir", w.dir)
		require.Equal(t, 3, r.code, "%s", r)
		require.Contains(t, r.stderr, "alice's key signed this plan as its author")
		gateInject(t, file, "alice", gateSign(t, w, file, "alice", "alice"))
		w.approve(file, "bob")
		refusedUnchanged(t, w, file, "alice's key signed this plan as its author: the author never counts as an approver", `rule "required" needs 2 approvals, has 1 (bob)`)
	})
	t.Run("an unsigned plan", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		file := w.path("unsigned.plan")
		r := w.runWith([]string{"ENCLAVE_AUTHOR_KEY="}, "plan", w.dir, "--var-file", w.vars, "--out", file)
		require.Equal(t, 0, r.code, "%s", r)
		require.Contains(t, r.stdout, "the plan is not signed by its author")
		w.approve(file, "alice", "bob")
		refusedUnchanged(t, w, file, "the plan is not signed by its author")
		w.expect(0, "approve", file, "--author", "--key", gateKey(w, "dana"), "--dir", w.dir)
		require.Equal(t, 0, w.apply(file).code)
	})
	t.Run("a plan for another enclave", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		file := w.plan("first.plan")
		w.approve(file, "alice", "bob")
		other := filepath.Join(w.root, "other")
		copyTree(t, w.dir, other)
		main := filepath.Join(other, "main.hcl")
		b, err := os.ReadFile(main)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(main, bytes.Replace(b, []byte(`enclave "lab"`), []byte(`enclave "lab-b"`), 1), 0o644))
		r := w.run("apply", file, "--dir", other, "--var-file", w.vars)
		require.Equal(t, 3, r.code, "%s", r)
		require.Contains(t, r.stderr, `the plan is for enclave "lab" but is being applied to enclave "lab-b"`)
	})
	t.Run("a plan applied twice", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.converge("base.plan")
		file := w.plan("resize.plan", "--var", gateResize("ldap1", 2, 2048))
		w.approve(file, "alice", "bob")
		w.expect(0, "apply", file, "--dir", w.dir, "--var-file", w.vars)
		r := refusedUnchanged(t, w, file, "this plan was already applied at ")
		require.Contains(t, r.stderr, "the state has moved since plan")
	})
	t.Run("created in the future", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.converge("base.plan")
		file := w.plan("resize.plan", "--var", gateResize("ldap1", 2, 2048))
		forge(t, file, func(p *plans.Plan) {
			p.CreatedAt = p.CreatedAt.Add(2 * time.Hour)
			p.ExpiresAt = p.ExpiresAt.Add(2 * time.Hour)
			p.Approvals, p.AuthorSignature = nil, ""
		})
		w.expect(0, "approve", file, "--author", "--key", gateKey(w, "dana"), "--dir", w.dir)
		w.approve(file, "alice", "bob")
		refusedUnchanged(t, w, file, "later than now")
	})
	t.Run("destruction no rule covers is refused at plan", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		main := filepath.Join(w.dir, "main.hcl")
		b, err := os.ReadFile(main)
		require.NoError(t, err)
		i := bytes.Index(b, []byte(`  rule "destroys-data" {`))
		j := bytes.Index(b[i:], []byte("  }\n")) + i + 4
		require.NoError(t, os.WriteFile(main, append(append([]byte{}, b[:i]...), b[j:]...), 0o644))
		w.converge("base.plan")
		r := w.run("plan", w.dir, "--var-file", w.vars, "--var", gateWithout("ldap1"))
		require.Equal(t, 1, r.code, "%s", r)
		require.Contains(t, r.stderr, "Destruction without an approval rule")
		require.Contains(t, r.stderr, gateLdap1+" (delete of a vsphere_virtual_machine)")
	})
	t.Run("two reviewers approving one file at once", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		file := w.plan("first.plan")
		for round := 0; round < 3; round++ {
			var wg sync.WaitGroup
			for _, n := range []string{"alice", "bob", "carol"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := w.run("approve", file, "--key", gateKey(w, n), "--as", n, "--dir", w.dir)
					require.Equal(t, 0, r.code, "%s", r)
				}()
			}
			wg.Wait()
			p, err := plans.ReadFile(file)
			require.NoError(t, err)
			require.Len(t, p.Approvals, 3, "round %d: an approval was lost", round)
		}
	})
}

// Case 8: an enclave whose provider reads env() passes the gate on its second and third
// apply, and the value is in no plan.
func TestEnvProviderSecondAndThirdApply(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	main := filepath.Join(w.dir, "main.hcl")
	b, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, bytes.Replace(b, []byte("password = var.vsphere_password"), []byte(`password = env("LAB_VCENTER_PASSWORD")`), 1), 0o644))
	var password string
	for _, l := range strings.Split(string(gateRead(t, w.vars)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == "vsphere_password" {
			password = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	require.NotEmpty(t, password)
	env := []string{"LAB_VCENTER_PASSWORD=" + password}
	for i, cpus := range []int{0, 2, 3} {
		file := w.path("change.plan")
		args := []string{"plan", w.dir, "--var-file", w.vars, "--out", file}
		if cpus > 0 {
			args = append(args, "--var", gateResize("ldap1", cpus, 2048))
		}
		r := w.runWith(env, args...)
		require.Equal(t, 0, r.code, "plan %d: %s", i+1, r)
		require.NotContains(t, string(gateRead(t, file)), password)
		w.approve(file, "alice", "bob")
		r = w.runWith(env, "apply", file, "--dir", w.dir, "--var-file", w.vars)
		require.Equal(t, 0, r.code, "apply %d: %s", i+1, r)
	}
	// The same plan with the variable changed since it was made is refused.
	file := w.path("changed-env.plan")
	w.runWith(env, "plan", w.dir, "--var-file", w.vars, "--out", file, "--var", gateResize("ldap1", 4, 2048))
	w.approve(file, "alice", "bob")
	r := w.runWith([]string{"LAB_VCENTER_PASSWORD=wrong"}, "apply", file, "--dir", w.dir, "--var-file", w.vars)
	require.Equal(t, 3, r.code, "%s", r)
	require.Contains(t, r.stderr, "environment variable LAB_VCENTER_PASSWORD is not what it was when the plan was made")
	require.NotContains(t, r.output(), password)
}
