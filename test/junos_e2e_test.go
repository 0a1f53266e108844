package test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Juniper/go-netconf/netconf"
	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The Junos provider end to end (SPEC §9): the built binary against the lab's SRX and EX
// simulators, checked through the simulators' own inspection API.

// liJunosLab is the lab testdata/labinterop/junos is written for.
func liJunosLab(t *testing.T) *liWorld {
	return liNewWorld(t, lab.Options{Junos: []lab.Device{{Name: "srx-a", Personality: "srx"}, {Name: "ex-a", Personality: "ex"}}}, "junos")
}

// liJunosCounts is what the tests count on each device.
type liJunosCounts struct{ getConfig, commits int }

func (w *liWorld) junosCounts() map[string]liJunosCounts {
	out := map[string]liJunosCounts{}
	for name, d := range w.lab.Junos {
		out[name] = liJunosCounts{getConfig: d.RPCCount("get-configuration"), commits: d.CommitCount()}
	}
	return out
}

// liJunosDelta is after minus before, per device.
func liJunosDelta(before, after map[string]liJunosCounts) map[string]liJunosCounts {
	out := map[string]liJunosCounts{}
	for name, a := range after {
		b := before[name]
		out[name] = liJunosCounts{getConfig: a.getConfig - b.getConfig, commits: a.commits - b.commits}
	}
	return out
}

// liRPCs is every device's RPC counts.
func liRPCs(w *liWorld) map[string]map[string]int {
	out := map[string]map[string]int{}
	for name, d := range w.lab.Junos {
		out[name] = d.RPCCounts()
	}
	return out
}

// liRPCDelta is after minus before per device and RPC, leaving out RPCs not sent.
func liRPCDelta(before, after map[string]map[string]int) map[string]map[string]int {
	out := map[string]map[string]int{}
	for name, a := range after {
		out[name] = map[string]int{}
		for rpc, n := range a {
			if n != before[name][rpc] {
				out[name][rpc] = n - before[name][rpc]
			}
		}
	}
	return out
}

// liPolicyOrder is the order of the policies from-zone from to-zone to in a device's
// committed configuration, as set lines list them.
func liPolicyOrder(set, from, to string) []string {
	re := regexp.MustCompile(`(?m)^set security policies from-zone ` + regexp.QuoteMeta(from) + ` to-zone ` + regexp.QuoteMeta(to) + ` policy (\S+) `)
	var out []string
	for _, m := range re.FindAllStringSubmatch(set, -1) {
		if len(out) == 0 || out[len(out)-1] != m[1] {
			out = append(out, m[1])
		}
	}
	return out
}

// TestJunosEndToEnd: plan, approve, apply and re-plan an SRX's interfaces, zones, address
// book, application and ordered policies and an EX's VLANs and access/trunk ports; one
// get-configuration per device per plan and at most two commits per device per apply however
// many objects change; reordering policies is a change that reorders them on the device.
func TestJunosEndToEnd(t *testing.T) {
	t.Parallel()
	w := liJunosLab(t)
	srx, ex := w.lab.Junos["srx-a"], w.lab.Junos["ex-a"]

	before := w.junosCounts()
	file := w.plan("create.plan")
	for name, d := range liJunosDelta(before, w.junosCounts()) {
		// With nothing in state yet there may be nothing to refresh; never more than one read.
		require.LessOrEqual(t, d.getConfig, 1, name)
		require.Zero(t, d.commits, "%s: a plan writes nothing", name)
	}
	w.approve(file)
	before = w.junosCounts()
	rpcs := liRPCs(w)
	r := w.apply(file)
	require.Equal(t, 0, r.code, "%s", r)
	for name, rpc := range liRPCDelta(rpcs, liRPCs(w)) {
		// SPEC §9: one transaction per device: lock, load, commit check, confirmed commit,
		// verify, confirm, unlock.
		require.Equal(t, map[string]int{
			"lock-configuration": 1, "load-configuration": 1, "commit-configuration": 3,
			"get-configuration": 1, "unlock-configuration": 1, "close-session": 1,
		}, rpc, "%s: RPCs of the apply", name)
	}
	for name, d := range liJunosDelta(before, w.junosCounts()) {
		require.LessOrEqual(t, d.commits, 2, "%s: commits per apply (confirmed, then confirming)", name)
		require.Positive(t, d.commits, name)
		dev := w.lab.Junos[name]
		pending, _ := dev.ConfirmPending()
		require.False(t, pending, "%s: the confirmed commit was confirmed", name)
		h := dev.CommitHistory()
		require.Equal(t, "netconf", h[0].Client, name)
		require.Equal(t, lab.User, h[0].User, name)
		require.Contains(t, h[1].Comment, "commit confirmed", "%s: a confirmed commit first (SPEC §9)", name)
		require.False(t, dev.Locked(), name)
		require.False(t, dev.CandidateModified(), name)
	}
	before = w.junosCounts()
	w.expect(0, w.planArgs("--detailed-exitcode")...)
	require.Equal(t, map[string]liJunosCounts{"srx-a": {getConfig: 1}, "ex-a": {getConfig: 1}}, liJunosDelta(before, w.junosCounts()),
		"a plan reads each device once and commits nothing")

	set := srx.CommittedSet()
	for _, line := range []string{
		"set interfaces ge-0/0/1 description \"hci services\"",
		"set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24",
		"set security zones security-zone trust interfaces ge-0/0/1.0",
		"set security zones security-zone trust host-inbound-traffic system-services ssh",
		"set security zones security-zone trust address-book address mail 10.1.0.10/32",
		"set security zones security-zone untrust interfaces ge-0/0/2.0",
		"set security address-book global address core-net 10.200.0.0/16",
		"set security address-book global address-set admins address core-net",
		"set applications application ldaps protocol tcp",
		"set applications application ldaps destination-port 636",
		"set security policies from-zone untrust to-zone trust policy ldaps match application ldaps",
		"set security policies from-zone untrust to-zone trust policy ldaps then permit",
		"set security policies from-zone untrust to-zone trust policy deny-all then deny",
	} {
		require.Contains(t, set, line+"\n", "srx-a committed\n%s", set)
	}
	require.Equal(t, []string{"imaps", "ldaps", "deny-all"}, liPolicyOrder(set, "untrust", "trust"))
	exSet := ex.CommittedSet()
	for _, line := range []string{
		"set vlans services vlan-id 120",
		"set vlans storage vlan-id 130",
		"set interfaces ge-0/0/10 unit 0 family ethernet-switching interface-mode access",
		"set interfaces ge-0/0/10 unit 0 family ethernet-switching vlan members services",
		"set interfaces ge-0/0/47 unit 0 family ethernet-switching interface-mode trunk",
		"set interfaces ge-0/0/47 unit 0 family ethernet-switching vlan members storage",
	} {
		require.Contains(t, exSet, line+"\n", "ex-a committed\n%s", exSet)
	}
	require.NotContains(t, exSet, "set security")

	// Fifty more addresses: still one read per device per plan, at most two commits.
	more := []string{"--var", "extra_addresses=50"}
	before = w.junosCounts()
	file = w.plan("more.plan", more...)
	require.Equal(t, map[string]liJunosCounts{"srx-a": {getConfig: 1}, "ex-a": {getConfig: 1}}, liJunosDelta(before, w.junosCounts()))
	w.approve(file)
	before = w.junosCounts()
	rpcs = liRPCs(w)
	r = w.apply(file, more...)
	require.Equal(t, 0, r.code, "%s", r)
	rpc := liRPCDelta(rpcs, liRPCs(w))["srx-a"]
	require.Equal(t, 1, rpc["load-configuration"], "fifty addresses in one load: %v", rpc)
	require.Equal(t, 3, rpc["commit-configuration"], "check, confirmed, confirm: %v", rpc)
	d := liJunosDelta(before, w.junosCounts())
	require.LessOrEqual(t, d["srx-a"].commits, 2, "srx-a commits for 50 addresses")
	require.Zero(t, d["ex-a"].commits, "ex-a had nothing to change")
	require.Equal(t, 51, strings.Count(srx.CommittedSet(), "set security address-book global address "), "core-net and 50 more")
	before = w.junosCounts()
	w.expect(0, w.planArgs(append([]string{"--detailed-exitcode"}, more...)...)...)
	require.Equal(t, map[string]liJunosCounts{"srx-a": {getConfig: 1}, "ex-a": {getConfig: 1}}, liJunosDelta(before, w.junosCounts()))

	// Reorder: ldaps before imaps. A change, and the device's order follows.
	w.edit("main.hcl", liImaps+"\n"+"  "+liLdaps, liLdaps+"\n"+"  "+liImaps)
	r = w.run(w.planArgs(append([]string{"--detailed-exitcode"}, more...)...)...)
	require.Equal(t, 2, r.code, "reordering policies is a change\n%s", r)
	require.Contains(t, r.stdout, "junos_security_policies.untrust_trust")
	w.converge("reorder.plan", more...)
	require.Equal(t, []string{"ldaps", "imaps", "deny-all"}, liPolicyOrder(srx.CommittedSet(), "untrust", "trust"))
}

// The two first policies of testdata/labinterop/junos/main.hcl, for swapping.
var (
	liImaps = `# policy:imaps
  policy {
    name                = "imaps"
    source_address      = ["any"]
    destination_address = ["mail"]
    application         = ["junos-imaps"]
    action              = "permit"
  }`
	liLdaps = `# policy:ldaps
  policy {
    name                = "ldaps"
    source_address      = ["admins"]
    destination_address = ["ldap"]
    application         = [junos_application.ldaps.name]
    action              = "permit"
    log                 = true
  }`
)

// liJunosSnapshot is what a failed apply must leave as it was.
type liJunosSnapshot struct {
	committed string
	commits   int
	state     string
}

func (w *liWorld) junosSnapshot(name string) liJunosSnapshot {
	d := w.lab.Junos[name]
	return liJunosSnapshot{committed: d.CommittedXML(), commits: d.CommitCount(), state: w.stateStory()}
}

// stateStory is what the state says of the gear: its resources and outputs. A refused or
// failed apply may write bookkeeping (its intents, the digest it spent) but never changes this.
func (w *liWorld) stateStory() string {
	w.t.Helper()
	st, err := state.Decode(w.stateBytes())
	require.NoError(w.t, err)
	b, err := json.MarshalIndent(map[string]any{"resources": st.Resources, "outputs": st.Outputs}, "", "  ")
	require.NoError(w.t, err)
	return string(b)
}

// TestJunosApplyFailures: a commit check the device refuses, a configuration lock held by
// someone else, and a host key that is not the device's each stop the run with the device's
// own words, leave the device's committed configuration, lock and candidate as they were,
// and leave the state alone.
func TestJunosApplyFailures(t *testing.T) {
	t.Parallel()
	w := liJunosLab(t)
	w.converge("base.plan")
	srx := w.lab.Junos["srx-a"]

	t.Run("commit check", func(t *testing.T) {
		// A policy naming an address no address book defines: Junos's commit check refuses it.
		w.t = t
		bad := filepath.Join(w.dir, "bad.hcl")
		require.NoError(t, os.WriteFile(bad, []byte(liBadPolicy), 0o644))
		defer os.Remove(bad)
		file := w.plan("bad.plan")
		w.approve(file)
		snap := w.junosSnapshot("srx-a")
		r := w.apply(file)
		require.Equal(t, 1, r.code, "%s", r)
		require.Contains(t, r.stderr, liJunosAddr(w, "srx-a"), "names the device")
		require.Contains(t, r.stderr, "commit-configuration", "names the RPC")
		require.Contains(t, r.stderr, "nosuch-host", "the device's error-message names the address")
		require.Contains(t, r.stderr, "[edit security policies from-zone trust to-zone untrust policy outbound", "the device's error-path")
		require.Equal(t, snap, w.junosSnapshot("srx-a"), "committed configuration, commit count and state unchanged")
		require.False(t, srx.Locked(), "the candidate is unlocked")
		require.False(t, srx.CandidateModified(), "the candidate is discarded")
		require.Zero(t, srx.Sessions(), "the session is closed")
	})

	t.Run("commit refused by the device", func(t *testing.T) {
		// The check passes but the commit itself fails, as a commit script would make it.
		w.t = t
		w.edit("main.hcl", `prefix = "10.1.0.20/32"`, `prefix = "10.1.0.21/32"`)
		defer w.edit("main.hcl", `prefix = "10.1.0.21/32"`, `prefix = "10.1.0.20/32"`)
		file := w.plan("script.plan")
		w.approve(file)
		const why = "commit script hci-guard.slax: ldap moves need a change ticket"
		srx.Faults().FailNextCommit(why)
		snap := w.junosSnapshot("srx-a")
		r := w.apply(file)
		require.Equal(t, 1, r.code, "%s", r)
		require.Contains(t, r.stderr, why, "the device's own words")
		require.Contains(t, r.stderr, liJunosAddr(w, "srx-a"))
		require.Equal(t, snap, w.junosSnapshot("srx-a"))
		require.False(t, srx.Locked())
		require.False(t, srx.CandidateModified())
		require.Contains(t, srx.CommittedSet(), "address ldap 10.1.0.20/32")
	})

	t.Run("connection lost at the commit", func(t *testing.T) {
		// The session drops as the commit is sent, before or after the device applied it.
		// enclave cannot know which: it exits 1, keeps the resource marked uncertain in
		// state, and the next plan reads the device for the truth.
		w.t = t
		w.edit("main.hcl", `prefix = "10.1.0.20/32"`, `prefix = "10.1.0.22/32"`)
		defer w.edit("main.hcl", `prefix = "10.1.0.22/32"`, `prefix = "10.1.0.20/32"`)
		for _, afterApply := range []bool{false, true} {
			file := w.plan("drop.plan")
			w.approve(file)
			snap := w.junosSnapshot("srx-a")
			srx.Faults().DropAtCommit(afterApply)
			r := w.apply(file)
			require.Equal(t, 1, r.code, "%s", r)
			require.Contains(t, r.stderr, liJunosAddr(w, "srx-a"))
			require.Contains(t, r.stderr, "junos_security_zone.trust")
			require.Regexp(t, `(?s)"address": "junos_security_zone.trust".*?"status": "uncertain"`, string(w.stateBytes()),
				"the outcome is unknown and state says so")
			require.Eventually(t, func() bool { return !srx.Locked() && srx.Sessions() == 0 }, 5*time.Second, 10*time.Millisecond,
				"the lost session's lock is released")
			require.False(t, srx.CandidateModified(), "the lost session's changes are discarded from the candidate")
			pending, deadline := srx.ConfirmPending()
			if !afterApply {
				require.False(t, pending)
				require.Equal(t, snap.committed, srx.CommittedXML(), "nothing was committed")
				// The device still has .20: the next plan, refreshing, has the change to make.
				r = w.run(w.planArgs("--detailed-exitcode")...)
				require.Equal(t, 2, r.code, "%s", r)
				require.Contains(t, r.stdout, "junos_security_zone.trust")
				continue
			}
			// The confirmed commit was applied and will never be confirmed: the device rolls
			// itself back when its timer (commit_confirm_minutes, 5 by default) runs out.
			require.True(t, pending, "a confirmed commit waits for a confirmation that will not come")
			require.WithinDuration(t, time.Now().Add(5*time.Minute), deadline, time.Minute)
			require.Contains(t, srx.CommittedSet(), "address ldap 10.1.0.22/32")
			r = w.run(w.planArgs("--detailed-exitcode")...)
			require.Contains(t, []int{0, 2}, r.code, "the next plan refreshes the uncertain resource\n%s", r)
		}
	})

	t.Run("locked by another session", func(t *testing.T) {
		w.t = t
		w.edit("main.hcl", "name        = \"ge-0/0/1\"\n  description = \"hci services\"", "name        = \"ge-0/0/1\"\n  description = \"hci services, locked out\"")
		file := w.plan("locked.plan")
		w.approve(file)
		s := liNetconfSession(t, w, "srx-a")
		reply, err := s.Exec(netconf.RawMethod(`<lock-configuration/>`))
		require.NoError(t, err, "%v", reply)
		require.True(t, srx.Locked())
		snap := w.junosSnapshot("srx-a")
		r := w.apply(file)
		require.Equal(t, 1, r.code, "%s", r)
		require.Contains(t, r.stderr, liJunosAddr(w, "srx-a"))
		require.Contains(t, r.stderr, "locked by")
		require.Equal(t, snap, w.junosSnapshot("srx-a"))
		require.True(t, srx.Locked(), "the other session still holds its lock")
		_ = s.Close() // go-netconf may report the socket it closed itself
		require.Eventually(t, func() bool { return !srx.Locked() }, 5*time.Second, 10*time.Millisecond)

		// The lock gone, the same change goes through with a fresh plan.
		w.converge("unlocked.plan")
		require.Contains(t, srx.CommittedSet(), `set interfaces ge-0/0/1 description "hci services, locked out"`)
	})

	t.Run("unknown host key", func(t *testing.T) {
		w.t = t
		host := w.lab.Env["ENCLAVE_LAB_JUNOS_SRX_A_HOST"]
		port := w.lab.Env["ENCLAVE_LAB_JUNOS_SRX_A_PORT"]
		other := w.path("other_known_hosts")
		line := knownhosts.Line([]string{knownhosts.Normalize(net.JoinHostPort(host, port))}, liEd25519(t).PublicKey())
		exLine := knownhosts.Line([]string{knownhosts.Normalize(net.JoinHostPort(w.lab.Env["ENCLAVE_LAB_JUNOS_EX_A_HOST"], w.lab.Env["ENCLAVE_LAB_JUNOS_EX_A_PORT"]))}, w.lab.Junos["ex-a"].HostKey())
		require.NoError(t, os.WriteFile(other, []byte(line+"\n"+exLine+"\n"), 0o644))
		gets := srx.RPCCount("get-configuration")
		state := string(w.stateBytes())
		r := w.run(w.planArgs("--var", "junos_known_hosts_file="+other, "--detailed-exitcode")...)
		require.Equal(t, 1, r.code, "%s", r)
		require.Contains(t, r.stderr, ssh.FingerprintSHA256(srx.HostKey()), "names the key the device presented")
		require.Contains(t, r.stderr, liJunosAddr(w, "srx-a"))
		require.Contains(t, r.stderr, "junos.srx", "names the provider")
		require.Equal(t, gets, srx.RPCCount("get-configuration"), "no RPC over an unverified connection")
		require.Equal(t, state, string(w.stateBytes()))
	})
}

// liJunosAddr is how enclave names a lab device in its messages: host:port.
func liJunosAddr(w *liWorld, device string) string {
	n := lab.EnvName(device)
	return net.JoinHostPort(w.lab.Env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"], w.lab.Env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"])
}

// liBadPolicy names an address that no address book holds.
const liBadPolicy = `
resource "junos_security_policies" "trust_untrust" {
  provider  = junos.srx
  from_zone = junos_security_zone.trust.name
  to_zone   = junos_security_zone.untrust.name
  policy {
    name                = "outbound"
    source_address      = ["mail"]
    destination_address = ["nosuch-host"]
    application         = ["junos-https"]
    action              = "permit"
  }
}
`

// liNetconfSession opens a NETCONF session to a lab device as another operator would, with
// the lab's key and its known_hosts.
func liNetconfSession(t *testing.T, w *liWorld, device string) *netconf.Session {
	t.Helper()
	n := lab.EnvName(device)
	keyPEM, err := os.ReadFile(filepath.Join(w.lab.Dir, "id_ed25519"))
	require.NoError(t, err)
	signer, err := ssh.ParsePrivateKey(keyPEM)
	require.NoError(t, err)
	hostKeys, err := knownhosts.New(filepath.Join(w.lab.Dir, "known_hosts"))
	require.NoError(t, err)
	cfg := &ssh.ClientConfig{
		User:            w.lab.Env["ENCLAVE_LAB_JUNOS_"+n+"_USER"],
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys,
		Timeout:         10 * time.Second,
	}
	s, err := netconf.DialSSH(net.JoinHostPort(w.lab.Env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"], w.lab.Env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"]), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
