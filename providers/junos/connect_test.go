package junos

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos/junossim"
)

func configureErr(d *device, over map[string]any) error {
	p := New(providers.Options{BaseDir: d.dir})
	defer p.Close()
	return p.Configure(context.Background(), d.config(over))
}

// TestHostKeyVerification: unknown and changed host keys are refused with the offered key's
// SHA256 fingerprint and the file; a pinned key works and a wrong pin is refused.
func TestHostKeyVerification(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	fp := ssh.FingerprintSHA256(d.sim.HostKey())
	otherKey := newKey(t, filepath.Join(d.dir, "other")).PublicKey()
	write := func(name, content string) string {
		path := filepath.Join(d.dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tcp := d.sim.HostKey() // the real key
	hostPort := d.addr
	cases := []struct {
		name string
		over map[string]any
		want []string // substrings of the error; nil means success
	}{
		{"known", nil, nil},
		{"unknown host", map[string]any{"known_hosts_file": write("empty_known_hosts", "")},
			[]string{"unknown host key", fp, filepath.Join(d.dir, "empty_known_hosts")}},
		{"other host listed only", map[string]any{"known_hosts_file": write("kh_other_host", knownhosts.Line([]string{"192.0.2.1:830"}, tcp)+"\n")},
			[]string{"unknown host key", fp}},
		{"changed key", map[string]any{"known_hosts_file": write("kh_changed", knownhosts.Line([]string{hostPort}, otherKey)+"\n")},
			[]string{"host key for", "changed", fp, ssh.FingerprintSHA256(otherKey), filepath.Join(d.dir, "kh_changed") + ":1"}},
		{"revoked", map[string]any{"known_hosts_file": write("kh_revoked", "@revoked * "+string(ssh.MarshalAuthorizedKey(tcp)))},
			[]string{"revoked", fp}},
		{"missing file", map[string]any{"known_hosts_file": "nope"}, []string{"known_hosts_file", "nope"}},
		{"pinned", map[string]any{"known_hosts_file": nil, "host_key": string(ssh.MarshalAuthorizedKey(tcp))}, nil},
		{"pinned known_hosts line", map[string]any{"known_hosts_file": nil, "host_key": knownhosts.Line([]string{hostPort}, tcp)}, nil},
		{"wrong pin", map[string]any{"known_hosts_file": nil, "host_key": string(ssh.MarshalAuthorizedKey(otherKey))},
			[]string{"changed", fp, "host_key"}},
		{"pin that is no key", map[string]any{"known_hosts_file": nil, "host_key": "ssh-ed25519 garbage"}, []string{"host_key"}},
		{"both pin and file", map[string]any{"host_key": string(ssh.MarshalAuthorizedKey(tcp))}, []string{"alternatives"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := configureErr(d, tc.over)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("connected")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

// TestCredentials: a wrong key or user is refused with a message naming the device and user;
// a password never appears in any error.
func TestCredentials(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	newKey(t, filepath.Join(d.dir, "stranger"))
	if err := os.WriteFile(filepath.Join(d.dir, "encrypted"), encryptedKey(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		over map[string]any
		want []string
	}{
		{"wrong key", map[string]any{"private_key_file": "stranger"}, []string{"authentication", `"enclave"`, d.addr, "publickey"}},
		{"wrong user", map[string]any{"username": "mallory"}, []string{"authentication", `"mallory"`, d.addr}},
		{"password refused", map[string]any{"private_key_file": nil, "password": "s3cret-Pa55"}, []string{"authentication", "password"}},
		{"no credentials", map[string]any{"private_key_file": nil}, []string{"set private_key_file or password"}},
		{"missing key file", map[string]any{"private_key_file": "nope"}, []string{"private_key_file", "nope"}},
		{"passphrase-protected key", map[string]any{"private_key_file": "encrypted"}, []string{"passphrase"}},
		{"no host", map[string]any{"host": nil}, []string{"host is required"}},
		{"no username", map[string]any{"username": nil}, []string{"username is required"}},
		{"bad port", map[string]any{"port": int64(70000)}, []string{"port 70000"}},
		{"bad confirm minutes", map[string]any{"commit_confirm_minutes": int64(0)}, []string{"commit_confirm_minutes"}},
		{"bad timeout", map[string]any{"timeout_seconds": int64(0)}, []string{"timeout_seconds"}},
		{"nothing listening", map[string]any{"port": closedPort(t)}, []string{"connecting to 127.0.0.1:", "refused"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := configureErr(d, tc.over)
			if err == nil {
				t.Fatal("configured")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the password is in the error: %q", err)
			}
		})
	}
}

func closedPort(t *testing.T) int64 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := int64(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	return port
}

func encryptedKey(t *testing.T) []byte {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block)
}

// TestPathExpansion: "~" is the home directory, relative paths are under BaseDir.
func TestPathExpansion(t *testing.T) {
	home, _ := os.UserHomeDir()
	for in, want := range map[string]string{
		"~/.ssh/enclave": filepath.Join(home, ".ssh/enclave"),
		"pki/known":      "/enc/pki/known",
		"/abs/key":       "/abs/key",
		"":               "",
	} {
		if got, _ := expandPath(in, "/enc"); got != want {
			t.Errorf("expandPath(%q) = %q, want %q", in, got, want)
		}
	}
}
