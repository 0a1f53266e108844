package plans

import (
	"bytes"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// These tests run the real OpenSSH tools: an approval must interoperate with
// `ssh-keygen -Y sign/verify` and ssh-agent, not merely with this package.

func run(t *testing.T, dir string, stdin []byte, env []string, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

// sshKeygen makes a key pair in dir and returns the private key path and public key line.
func sshKeygen(t *testing.T, dir, name, typ, bits, pass string) (string, string) {
	t.Helper()
	path := filepath.Join(dir, name)
	args := []string{"-q", "-t", typ, "-N", pass, "-C", name, "-f", path}
	if bits != "" {
		args = append(args, "-b", bits)
	}
	if out, err := run(t, dir, nil, nil, "ssh-keygen", args...); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(pub))
}

func planForKeys(lines map[string]string) *Plan {
	p := &Plan{Enclave: "phx1-hci", Author: "erin", CreatedAt: planTime, ExpiresAt: planTime.Add(time.Hour),
		State: StateRef{Lineage: "l", Serial: 1}, Changes: []ResourceChange{vmUpdate()}}
	p.Rules, p.RulesSource = &ApprovalRules{Required: 1}, "config"
	for _, n := range []string{"alice", "bob"} {
		if l, ok := lines[n]; ok {
			p.Rules.Approvers = append(p.Rules.Approvers, Approver{Name: n, Key: l})
		}
	}
	Encode(p)
	return p
}

var interopTypes = []struct{ typ, bits string }{{"ed25519", ""}, {"ecdsa", "256"}, {"ecdsa", "384"}, {"rsa", "3072"}}

func TestSSHKeygenSignatureAttaches(t *testing.T) {
	for _, kt := range interopTypes {
		t.Run(kt.typ+kt.bits, func(t *testing.T) {
			dir := t.TempDir()
			key, pub := sshKeygen(t, dir, "alice", kt.typ, kt.bits, "")
			p := planForKeys(map[string]string{"alice": pub})
			digest := filepath.Join(dir, "digest.txt")
			os.WriteFile(digest, p.SignedMessage(), 0o644)
			if out, err := run(t, dir, nil, nil, "ssh-keygen", "-Y", "sign", "-n", "enclave-plan", "-f", key, digest); err != nil {
				t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
			}
			sig, err := os.ReadFile(digest + ".sig")
			if err != nil {
				t.Fatal(err)
			}
			if err := Attach(p, "alice", string(sig), "", planTime); err != nil {
				t.Fatalf("Attach refused ssh-keygen's signature: %v", err)
			}
			// The author signs with ssh-keygen too, with a key of the same type.
			akey, _ := sshKeygen(t, dir, "erin", kt.typ, kt.bits, "")
			os.Remove(digest + ".sig")
			if out, err := run(t, dir, nil, nil, "ssh-keygen", "-Y", "sign", "-n", "enclave-plan", "-f", akey, digest); err != nil {
				t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
			}
			asig, _ := os.ReadFile(digest + ".sig")
			if err := AttachAuthor(p, string(asig)); err != nil {
				t.Fatalf("AttachAuthor refused ssh-keygen's signature: %v", err)
			}
			if res := Gate(GateInput{Plan: p, Now: planTime, StateLineage: "l", StateSerial: 1}); res.Refusal != nil {
				t.Errorf("gate: %v", res.Refusal)
			}
			// A signature by the wrong namespace from ssh-keygen is refused.
			os.Remove(digest + ".sig")
			run(t, dir, nil, nil, "ssh-keygen", "-Y", "sign", "-n", "git", "-f", key, digest)
			sig, _ = os.ReadFile(digest + ".sig")
			if err := Attach(p, "alice", string(sig), "", planTime); err == nil || !strings.Contains(err.Error(), `namespace "git"`) {
				t.Errorf("other namespace: %v", err)
			}
		})
	}
}

func TestSSHKeygenVerifiesOurSignature(t *testing.T) {
	for _, kt := range interopTypes {
		t.Run(kt.typ+kt.bits, func(t *testing.T) {
			dir := t.TempDir()
			key, pub := sshKeygen(t, dir, "alice", kt.typ, kt.bits, "")
			p := planForKeys(map[string]string{"alice": pub})
			sig, err := SignWithKeyFile(p, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(sig, "\n"), "\n")
			if lines[0] != "-----BEGIN SSH SIGNATURE-----" || lines[len(lines)-1] != "-----END SSH SIGNATURE-----" || len(lines[1]) != 70 {
				t.Errorf("armor is not ssh-keygen's:\n%s", sig)
			}
			os.WriteFile(filepath.Join(dir, "digest.txt"), p.SignedMessage(), 0o644)
			os.WriteFile(filepath.Join(dir, "digest.txt.sig"), []byte(sig), 0o644)
			os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte("alice "+pub+"\n"), 0o644)
			out, err := run(t, dir, p.SignedMessage(), nil, "ssh-keygen", "-Y", "verify", "-f", "allowed_signers", "-I", "alice", "-n", "enclave-plan", "-s", "digest.txt.sig")
			if err != nil {
				t.Fatalf("ssh-keygen -Y verify refused our signature: %v\n%s", err, out)
			}
			// And it is not a rubber stamp: another message fails.
			if out, err := run(t, dir, []byte("enclave-plan phx1-hci sha256:00\n"), nil, "ssh-keygen", "-Y", "verify", "-f", "allowed_signers", "-I", "alice", "-n", "enclave-plan", "-s", "digest.txt.sig"); err == nil {
				t.Errorf("ssh-keygen verified another message:\n%s", out)
			}
			if err := Attach(p, "alice", sig, "", planTime); err != nil {
				t.Errorf("Attach refused our own signature: %v", err)
			}
		})
	}
}

func TestSignWithEncryptedKey(t *testing.T) {
	dir := t.TempDir()
	key, pub := sshKeygen(t, dir, "alice", "ed25519", "", "correct horse")
	p := planForKeys(map[string]string{"alice": pub})
	asked := 0
	pass := func(s string) func() ([]byte, error) {
		return func() ([]byte, error) { asked++; return []byte(s), nil }
	}
	if _, err := SignWithKeyFile(p, key, pass("battery staple")); err == nil || err.Error() != "wrong passphrase for "+key {
		t.Errorf("wrong passphrase: err = %v", err)
	}
	if _, err := SignWithKeyFile(p, key, nil); err == nil || !strings.Contains(err.Error(), "is encrypted") {
		t.Errorf("no passphrase source: err = %v", err)
	}
	sig, err := SignWithKeyFile(p, key, pass("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if asked != 2 {
		t.Errorf("passphrase asked %d times, want once per attempt (2)", asked)
	}
	if err := Attach(p, "alice", sig, "", planTime); err != nil {
		t.Error(err)
	}
}

func TestShortRSARefused(t *testing.T) {
	dir := t.TempDir()
	key, pub := sshKeygen(t, dir, "alice", "rsa", "1024", "")
	if _, err := ParseApproverKey(pub); err == nil || !strings.Contains(err.Error(), "RSA with 1024 bits") {
		t.Errorf("ParseApproverKey: %v", err)
	}
	p := planForKeys(nil)
	if _, err := SignWithKeyFile(p, key, nil); err == nil || !strings.Contains(err.Error(), "RSA with 1024 bits") {
		t.Errorf("SignWithKeyFile: %v", err)
	}
}

func TestSignWithKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	p := planForKeys(nil)
	if _, err := SignWithKeyFile(p, filepath.Join(dir, "missing"), nil); err == nil || !strings.Contains(err.Error(), "reading signing key") {
		t.Errorf("missing file: %v", err)
	}
	_, pub := sshKeygen(t, dir, "alice", "ed25519", "", "")
	os.WriteFile(filepath.Join(dir, "pub"), []byte(pub), 0o600)
	if _, err := SignWithKeyFile(p, filepath.Join(dir, "pub"), nil); err == nil || !strings.Contains(err.Error(), "is not a private key") {
		t.Errorf("public key as private: %v", err)
	}
}

// startAgent runs a real ssh-agent in the foreground on a fresh socket and stops it when the
// test ends.
func startAgent(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "agent") // short: unix socket paths are limited to ~108 bytes
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	cmd := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	})
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			return sock
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("ssh-agent did not create %s", sock)
	return ""
}

func TestSignWithAgent(t *testing.T) {
	sock := startAgent(t)
	dir := t.TempDir()
	env := []string{"SSH_AUTH_SOCK=" + sock}
	alice, alicePub := sshKeygen(t, dir, "alice", "ed25519", "", "")
	bob, bobPub := sshKeygen(t, dir, "bob", "rsa", "3072", "")
	p := planForKeys(map[string]string{"alice": alicePub, "bob": bobPub})

	if _, err := SignWithAgent(p, sock, nil); err == nil || !strings.Contains(err.Error(), "holds no keys") {
		t.Errorf("empty agent: %v", err)
	}
	if out, err := run(t, dir, nil, env, "ssh-add", alice); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	sig, err := SignWithAgent(p, sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Attach(p, "alice", sig, "", planTime); err != nil {
		t.Errorf("agent signature refused: %v", err)
	}

	if out, err := run(t, dir, nil, env, "ssh-add", bob); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	if _, err := SignWithAgent(p, sock, nil); err == nil || !strings.Contains(err.Error(), "holds 2 keys") {
		t.Errorf("two keys, none chosen: %v", err)
	}
	bobKey, _ := ParseApproverKey(bobPub)
	sig, err = SignWithAgent(p, sock, bobKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := Attach(p, "bob", sig, "", planTime); err != nil {
		t.Errorf("agent RSA signature refused: %v", err)
	}
	other, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(newTestKey(t, "mallory").line))
	if _, err := SignWithAgent(p, sock, other); err == nil || !strings.Contains(err.Error(), "does not hold key") {
		t.Errorf("key not in agent: %v", err)
	}
	if _, err := SignWithAgent(p, filepath.Join(dir, "nosock"), nil); err == nil || !strings.Contains(err.Error(), "connecting to ssh-agent") {
		t.Errorf("no agent: %v", err)
	}
}

// A security-key private key file cannot sign here (it needs the authenticator through
// ssh-keygen); the error says so instead of a parse failure.
func TestSignWithSecurityKeyFileExplains(t *testing.T) {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(skEd25519Line))
	if err != nil {
		t.Fatal(err)
	}
	body := ssh.Marshal(struct {
		CipherName, KdfName, KdfOpts string
		NumKeys                      uint32
		PubKey, PrivKeyBlock         []byte
	}{"none", "none", "", 1, pub.Marshal(), make([]byte, 16)})
	file := pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: append([]byte("openssh-key-v1\x00"), body...)})
	path := filepath.Join(t.TempDir(), "id_ed25519_sk")
	os.WriteFile(path, file, 0o600)
	_, err = SignWithKeyFile(planForKeys(nil), path, nil)
	if err == nil || !strings.Contains(err.Error(), "is a security-key (sk-ssh-ed25519@openssh.com) key") || !strings.Contains(err.Error(), "--signature") {
		t.Errorf("err = %v", err)
	}
}
