package ontap

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

// lab is one simulated cluster behind TLS and a provider configured against it, trusting
// the server's certificate through a ca_file in a temporary enclave directory.
type lab struct {
	sim      *ontapsim.Server
	srv      *httptest.Server
	p        *Provider
	dir      string
	warnings []string
	mu       sync.Mutex
}

func newLab(t testing.TB, opts ontapsim.Options) *lab {
	t.Helper()
	if opts.JobDuration == 0 {
		opts.JobDuration = 20 * time.Millisecond
	}
	if opts.SVMs == nil {
		opts.SVMs = []string{"svm1", "svm2"}
	}
	l := &lab{sim: ontapsim.New(opts), dir: t.TempDir()}
	l.srv = httptest.NewTLSServer(l.sim)
	t.Cleanup(l.srv.Close)
	writeCA(t, l.dir, "ca.pem", l.srv)
	l.p = New(providers.Options{BaseDir: l.dir, Warnf: l.warnf}).(*Provider)
	require.NoError(t, l.p.Configure(context.Background(), l.config()))
	t.Cleanup(func() { _ = l.p.Close() })
	l.sim.ResetCounts()
	return l
}

func (l *lab) warnf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.warnings = append(l.warnings, format)
}

func (l *lab) config() providers.Object {
	return providers.Object{
		"url":      l.srv.URL,
		"username": "admin",
		"password": "netapp1!",
		"ca_file":  "ca.pem",
		"name":     "phx1",
	}
}

func writeCA(t testing.TB, dir, name string, srv *httptest.Server) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
}

func (l *lab) apply(t testing.TB, ch providers.Change) providers.ChangeResult {
	t.Helper()
	res := l.p.Apply(context.Background(), []providers.Change{ch}, nil)
	require.Len(t, res, 1)
	return res[0]
}

// create applies a create and requires it to succeed.
func (l *lab) create(t testing.TB, typ, addr string, planned providers.Object) providers.Object {
	t.Helper()
	res := l.apply(t, providers.Change{Addr: addr, Type: typ, Action: providers.Create, Planned: planned})
	require.NoError(t, res.Err)
	require.NotNil(t, res.New)
	require.NotEmpty(t, res.New["id"])
	return res.New
}

func (l *lab) refresh(t testing.TB, typ string, objs ...providers.Object) []providers.Object {
	t.Helper()
	var reqs []providers.RefreshRequest
	for i, o := range objs {
		reqs = append(reqs, providers.RefreshRequest{Addr: typ + "." + string(rune('a'+i%26)), Type: typ, ID: providers.String(o, "id"), Prior: o})
	}
	res, err := l.p.Refresh(context.Background(), reqs)
	require.NoError(t, err)
	out := make([]providers.Object, len(res))
	for i, r := range res {
		out[i] = r.Current
	}
	return out
}

// with returns a copy of o with the given attributes replaced.
func with(o providers.Object, kv ...any) providers.Object {
	c := providers.Copy(o)
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

// without returns a copy of o without the given attributes.
func without(o providers.Object, keys ...string) providers.Object {
	c := providers.Copy(o)
	for _, k := range keys {
		delete(c, k)
	}
	return c
}

// refreshByIdentity is a refresh request with no id: the object planned would be, found by
// identity.
func (l *lab) refreshByIdentity(t testing.TB, typ string, planned providers.Object) providers.Object {
	t.Helper()
	res, err := l.p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: typ + ".lookup", Type: typ, Prior: planned}})
	require.NoError(t, err)
	require.Len(t, res, 1)
	return res[0].Current
}
