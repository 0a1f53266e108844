package plans

import (
	"crypto/ed25519"
	"crypto/sha256"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

var planTime = time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)

// testKey is an approver with a deterministic ed25519 key, so signatures (ed25519 is
// deterministic) and rendered golden files are stable.
type testKey struct {
	name   string
	signer ssh.Signer
	line   string
}

func newTestKey(t testing.TB, name string) testKey {
	t.Helper()
	seed := sha256.Sum256([]byte("enclave test key " + name))
	signer, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed[:]))
	if err != nil {
		t.Fatal(err)
	}
	line := string(ssh.MarshalAuthorizedKey(signer.PublicKey()))
	return testKey{name: name, signer: signer, line: line[:len(line)-1] + " " + name}
}

type testKeys map[string]testKey

func newTestKeys(t testing.TB) testKeys {
	ks := testKeys{}
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin", "mallory"} {
		ks[n] = newTestKey(t, n)
	}
	return ks
}

// rules: base quorum 2 with four approvers (erin, the usual author, is one of them too so
// the author check has something to refuse), a firewall rule and a destroys-data rule.
func (ks testKeys) rules() *ApprovalRules {
	var as []Approver
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin"} {
		as = append(as, Approver{Name: n, Key: ks[n].line})
	}
	return &ApprovalRules{
		Required:  2,
		MaxAge:    "24h0m0s",
		Approvers: as,
		Rules: []Rule{
			{Name: "firewall", ResourceTypes: []string{"junos_security_policies", "junos_security_zone"}, Required: 3},
			{Name: "destroys-data", ResourceTypes: []string{"ontap_volume", "vsphere_nas_datastore"}, Actions: []string{"delete", "replace"}, Required: 3},
		},
	}
}

// sign signs p's current digest line with k, as `enclave approve --key` would.
func (k testKey) sign(t testing.TB, p *Plan) string {
	t.Helper()
	s, err := signPlan(p, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// approve signs and attaches, failing the test on error.
func (k testKey) approve(t testing.TB, p *Plan) {
	t.Helper()
	if err := Attach(p, k.name, k.sign(t, p), "", planTime.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func basePlan(ks testKeys) *Plan {
	p := &Plan{
		FormatVersion: FormatVersion,
		Enclave:       "phx1-hci",
		Author:        "erin",
		CreatedAt:     planTime,
		ExpiresAt:     planTime.Add(72 * time.Hour),
		Files:         map[string]string{"main.hcl": "enclave \"phx1-hci\" {}\n"},
		Variables: map[string]Variable{
			"site": {Value: "phx1"},
		},
		Refreshed:   true,
		State:       StateRef{Lineage: "6f1c2a1e-8a54-4d39-9d7e-3c1b2f0a9e11", Serial: 12, Digest: "sha256:5e1f"},
		Observed:    map[string]map[string]any{},
		Rules:       ks.rules(),
		RulesSource: "state",
	}
	return p
}

func vmUpdate() ResourceChange {
	return ResourceChange{
		Addr: "vsphere_virtual_machine.svc[0]", Mode: "managed", Type: "vsphere_virtual_machine", Name: "svc", Key: 0,
		Provider: "vsphere", Action: Update,
		Before: map[string]any{"name": "svc-0", "num_cpus": 2, "memory_mb": 8192, "annotation": "mail relay"},
		After:  map[string]any{"name": "svc-0", "num_cpus": 4, "memory_mb": 8192, "annotation": "mail relay"},
		Diffs:  []AttrDiff{{Path: "num_cpus", Before: 2, After: 4}},
	}
}

func firewallUpdate() ResourceChange {
	return ResourceChange{
		Addr: "junos_security_policies.trust_to_untrust", Mode: "managed", Type: "junos_security_policies", Name: "trust_to_untrust",
		Provider: "junos.srx", Action: Update,
		Before: map[string]any{"from_zone": "trust", "to_zone": "untrust"},
		After:  map[string]any{"from_zone": "trust", "to_zone": "dmz"},
		Diffs:  []AttrDiff{{Path: "to_zone", Before: "untrust", After: "dmz"}},
	}
}

func volumeDelete() ResourceChange {
	return ResourceChange{
		Addr: "ontap_volume.old_mail", Mode: "managed", Type: "ontap_volume", Name: "old_mail",
		Provider: "ontap", Action: Delete, Destructive: true, Reason: "no longer in configuration",
		Before: map[string]any{"name": "old_mail", "svm": "svm_mail", "size": 536870912000},
	}
}

// golden compares got with testdata/NAME, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// trustRootOf writes a trust root naming the given reviewers' keys and reads it back.
func trustRootOf(t *testing.T, ks testKeys, names ...string) *TrustRoot {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("# the approvers this runner trusts\n")
	for _, n := range names {
		sb.WriteString(n + " " + ks[n].line + "\n")
	}
	path := filepath.Join(t.TempDir(), "trust-root")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := ReadTrustRoot(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// skSigner signs as a security key (sk-ssh-ed25519@openssh.com) wrapping the same ed25519 key
// bytes as an ordinary key, the way a FIDO token does: over sha256(application) || flags ||
// counter || sha256(data), the flags and counter carried in the signature's Rest.
type skSigner struct {
	priv ed25519.PrivateKey
	pub  ssh.PublicKey
}

const skApplication = "ssh:"

func (s skSigner) PublicKey() ssh.PublicKey { return s.pub }

func (s skSigner) Sign(_ io.Reader, data []byte) (*ssh.Signature, error) {
	app := sha256.Sum256([]byte(skApplication))
	dh := sha256.Sum256(data)
	rest := []byte{0x01, 0, 0, 0, 7} // user present, counter 7
	msg := append(append(append([]byte{}, app[:]...), rest...), dh[:]...)
	return &ssh.Signature{Format: ssh.KeyAlgoSKED25519, Blob: ed25519.Sign(s.priv, msg), Rest: rest}, nil
}

// skFormOf is k's key in its security-key wrapper: another fingerprint, one identity.
func skFormOf(t testing.TB, k testKey) testKey {
	t.Helper()
	seed := sha256.Sum256([]byte("enclave test key " + k.name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	wire := ssh.Marshal(struct {
		Name        string
		KeyBytes    []byte
		Application string
	}{ssh.KeyAlgoSKED25519, priv.Public().(ed25519.PublicKey), skApplication})
	pub, err := ssh.ParsePublicKey(wire)
	if err != nil {
		t.Fatal(err)
	}
	if ssh.FingerprintSHA256(pub) == ssh.FingerprintSHA256(k.signer.PublicKey()) {
		t.Fatal("the wrapped key has the same fingerprint: the test would prove nothing")
	}
	line := string(ssh.MarshalAuthorizedKey(pub))
	return testKey{name: k.name + "-yubikey", signer: skSigner{priv: priv, pub: pub}, line: strings.TrimSpace(line) + " " + k.name}
}
