package junos

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos/junossim"
)

var simStart = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// device is a simulator on loopback plus everything a provider block needs to reach it.
type device struct {
	sim      *junossim.Server
	clock    *junossim.ManualClock
	host     string
	port     int64
	addr     string // host:port
	dir      string // holds id_ed25519 and known_hosts
	keyFile  string
	khFile   string
	warnings []string
}

// newKey writes a fresh unencrypted ed25519 key in OpenSSH format and returns its signer.
func newKey(t testing.TB, path string) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// startDevice runs a junossim device (srx unless opts says otherwise) with user "enclave"
// and a manual clock, and writes the client key and known_hosts to a temporary directory.
func startDevice(t testing.TB, opts junossim.Options) *device {
	t.Helper()
	d := &device{dir: t.TempDir()}
	d.keyFile = filepath.Join(d.dir, "id_ed25519")
	d.khFile = filepath.Join(d.dir, "known_hosts")
	signer := newKey(t, d.keyFile)
	d.clock = junossim.NewManualClock(simStart)
	opts.Clock = d.clock
	if opts.Users == nil {
		opts.Users = map[string][]ssh.PublicKey{"enclave": {signer.PublicKey()}}
	}
	sim, err := junossim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sim.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	d.sim = sim
	tcp := addr.(interface{ String() string }).String()
	host, port, _ := strings.Cut(tcp, ":")
	d.host = host
	d.addr = tcp
	d.port = mustAtoi(t, port)
	line := knownhosts.Line([]string{tcp}, sim.HostKey())
	if err := os.WriteFile(d.khFile, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

func mustAtoi(t testing.TB, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// config is the provider block for d, with overrides.
func (d *device) config(over map[string]any) providers.Object {
	c := providers.Object{
		"host":             d.host,
		"port":             d.port,
		"username":         "enclave",
		"private_key_file": "id_ed25519", // relative to BaseDir
		"known_hosts_file": "known_hosts",
		"timeout_seconds":  int64(5),
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// provider returns a configured provider for d.
func (d *device) provider(t testing.TB, over map[string]any) *Provider {
	t.Helper()
	p := New(providers.Options{BaseDir: d.dir, Warnf: func(f string, a ...any) {
		d.warnings = append(d.warnings, fmt.Sprintf(f, a...))
	}}).(*Provider)
	if err := p.Configure(context.Background(), d.config(over)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// assertClean checks the device is left as a failed transaction must leave it: the
// candidate equal to the committed configuration, no lock, no confirmed commit pending.
func (d *device) assertClean(t testing.TB) {
	t.Helper()
	// Session teardown on the simulator side is asynchronous after a dropped connection.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && (d.sim.Locked() || d.sim.CandidateModified()) {
		time.Sleep(10 * time.Millisecond)
	}
	if d.sim.Locked() {
		t.Error("the configuration is still locked")
	}
	if d.sim.CandidateModified() {
		t.Errorf("the candidate has uncommitted changes:\n%s", d.sim.CandidateSet())
	}
	if pending, _ := d.sim.ConfirmPending(); pending {
		t.Error("a confirmed commit is still pending")
	}
}

func mustApply(t testing.TB, p *Provider, changes ...providers.Change) []providers.ChangeResult {
	t.Helper()
	res := p.Apply(context.Background(), changes, nil)
	if len(res) != len(changes) {
		t.Fatalf("%d results for %d changes", len(res), len(changes))
	}
	for i, r := range res {
		if r.Err != nil || r.Uncertain {
			t.Fatalf("change %d (%s): err=%v uncertain=%v", i, changes[i].Addr, r.Err, r.Uncertain)
		}
		if r.Addr != changes[i].Addr {
			t.Fatalf("result %d is for %s, want %s", i, r.Addr, changes[i].Addr)
		}
	}
	return res
}

func refreshOne(t testing.TB, p *Provider, typ, id string) providers.Object {
	t.Helper()
	res, err := p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: typ + ".x", Type: typ, ID: id}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].Current
}

// desired conforms o to typ's schema as the engine would hand it over (via cty).
func desired(t testing.TB, typ string, o providers.Object) providers.Object {
	t.Helper()
	s := New(providers.Options{}).Schema().Resources[typ]
	v, err := providers.ToCty(&s.Schema, o)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	out, err := providers.FromCty(&s.Schema, v)
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return out
}

func create(addr, typ string, planned providers.Object) providers.Change {
	return providers.Change{Addr: addr, Type: typ, Action: providers.Create, Planned: planned}
}

func update(addr, typ string, prior, planned providers.Object) providers.Change {
	planned = providers.Copy(planned)
	planned["id"] = prior["id"]
	return providers.Change{Addr: addr, Type: typ, Action: providers.Update, Prior: prior, Planned: planned}
}

func remove(addr, typ string, prior providers.Object) providers.Change {
	return providers.Change{Addr: addr, Type: typ, Action: providers.Delete, Prior: prior}
}
