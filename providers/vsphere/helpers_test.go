package vsphere

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

const (
	labUser = "enclave"
	labPass = "s3cret-lab"
)

type lab struct {
	t        *testing.T
	sim      *vcsim.Sim
	p        *Provider
	warnings []string
	progress []string
}

// newLab starts a simulated vCenter and a provider configured against it, trusting the
// server by its pinned thumbprint.
func newLab(t testing.TB, opts vcsim.Options) *lab {
	t.Helper()
	opts.Username, opts.Password = labUser, labPass
	sim, err := vcsim.Start(opts)
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	l := &lab{sim: sim}
	if tt, ok := t.(*testing.T); ok {
		l.t = tt
	}
	l.p = New(providers.Options{Warnf: func(f string, a ...any) { l.warnings = append(l.warnings, f) }}).(*Provider)
	require.NoError(t, l.p.Configure(context.Background(), l.config()))
	t.Cleanup(func() { _ = l.p.Close() })
	return l
}

func (l *lab) config() providers.Object {
	return providers.Object{
		"url":        l.sim.URL.String(),
		"username":   labUser,
		"password":   labPass,
		"thumbprint": Fingerprint(l.sim.Certificate()),
	}
}

// planned fills schema defaults and canonical forms, as the engine does before Apply.
func planned(typ string, o providers.Object) providers.Object {
	s := resourceSchemas()[typ]
	out := providers.Copy(o)
	for k, a := range s.Attributes {
		if !providers.Has(out, k) && a.Default != nil {
			out[k] = a.Default
		}
	}
	for name, b := range s.Blocks {
		items := providers.Blocks(out, name)
		for _, it := range items {
			for k, a := range b.Attributes {
				if !providers.Has(it, k) && a.Default != nil {
					it[k] = a.Default
				}
			}
		}
	}
	return providers.Conform(&s.Schema, out)
}

func (l *lab) apply(t *testing.T, ch providers.Change) providers.Object {
	t.Helper()
	if ch.Planned != nil {
		ch.Planned = planned(ch.Type, ch.Planned)
		if id := providers.String(ch.Prior, "id"); id != "" {
			ch.Planned["id"] = id
		}
	}
	if ch.Addr == "" {
		ch.Addr = ch.Type + ".test"
	}
	res := l.p.Apply(context.Background(), []providers.Change{ch}, func(addr, msg string) {
		l.progress = append(l.progress, addr+": "+msg)
	})
	require.Len(t, res, 1)
	require.NoError(t, res[0].Err)
	return res[0].New
}

func (l *lab) create(t *testing.T, typ string, o providers.Object) providers.Object {
	t.Helper()
	return l.apply(t, providers.Change{Type: typ, Action: providers.Create, Planned: o})
}

func (l *lab) update(t *testing.T, typ string, prior, o providers.Object) providers.Object {
	t.Helper()
	return l.apply(t, providers.Change{Type: typ, Action: providers.Update, Prior: prior, Planned: o})
}

func (l *lab) delete(t *testing.T, typ string, prior providers.Object) {
	t.Helper()
	require.Nil(t, l.apply(t, providers.Change{Type: typ, Action: providers.Delete, Prior: prior}))
}

func (l *lab) refresh(t testing.TB, typ string, prior providers.Object) providers.Object {
	t.Helper()
	res, err := l.p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: typ + ".test", Type: typ, ID: providers.String(prior, "id"), Prior: prior}})
	require.NoError(t, err)
	require.Len(t, res, 1)
	return res[0].Current
}

// dc0 is the lab's datacenter id.
func (l *lab) dc0(t *testing.T) string {
	t.Helper()
	res, err := l.p.ReadData(context.Background(), []providers.DataRequest{{Addr: "data.vsphere_datacenter.dc0", Type: "vsphere_datacenter", Args: providers.Object{"name": "DC0"}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	return providers.String(res[0].Result, "id")
}

// subset asserts that every key of want has that value in got.
func subset(t *testing.T, want, got providers.Object) {
	t.Helper()
	require.NotNil(t, got)
	for k, v := range want {
		require.Equal(t, v, got[k], "attribute %s in %v", k, got)
	}
}
