package engine

import (
	"context"
	"fmt"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers"
	"github.com/hashicorp/hcl/v2"
)

// Import adopts an existing object: the resource block for addr must exist (it says which
// provider instance to ask), the provider reads the object by id, and state records it. The
// next plan shows whatever differs from the configuration. The caller holds the state lock.
func (e *Engine) Import(ctx context.Context, backend state.Backend, dir string, vars VarInputs, addr, id string) (*state.Resource, *config.Loader, hcl.Diagnostics, error) {
	loader, cfg, diags := e.Load(config.DirSource(dir), nil)
	if diags.HasErrors() {
		return nil, loader, diags, nil
	}
	vals, d := resolveVars(cfg, vars)
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, loader, diags, nil
	}
	parts := splitAddr(addr)
	c := cfg
	i := 0
	for i+1 < len(parts) && parts[i] == "module" {
		name, _ := splitIndex(parts[i+1])
		c = c.Children[name]
		if c == nil {
			return nil, loader, diags, fmt.Errorf("%s: no module %q in the configuration", addr, name)
		}
		i += 2
	}
	if len(parts)-i != 2 {
		return nil, loader, diags, fmt.Errorf("%q is not a resource address (TYPE.NAME or TYPE.NAME[KEY])", addr)
	}
	name, _ := splitIndex(parts[i+1])
	r := c.Resources[parts[i]+"."+name]
	if r == nil {
		return nil, loader, diags, fmt.Errorf("%s: there is no resource block %s.%s in the configuration; write it first, then import", addr, parts[i], name)
	}
	rs := e.resourceSchema(r.Type)
	st, _, err := backend.Read()
	if err != nil {
		return nil, loader, diags, err
	}
	if st.Resource(addr) != nil {
		return nil, loader, diags, fmt.Errorf("%s is already in state; `enclave state rm %s` first to import another object", addr, addr)
	}
	ev := newEvaluator(cfg, loader, vals, &planHooks{e: e, offline: true}, e.IsResourceType)
	ps := newProviderSet(e, cfg, ev.root, dir)
	defer ps.close()
	p, err := ps.get(ctx, r.ProviderKey())
	if err != nil {
		return nil, loader, diags, err
	}
	obj, err := p.Import(ctx, r.Type, id)
	if err != nil {
		return nil, loader, diags, fmt.Errorf("importing %s from %q: %w", addr, id, err)
	}
	res := &state.Resource{Addr: addr, Mode: "managed", Type: r.Type, Provider: r.ProviderKey(),
		Attributes: hashSensitive(&rs.Schema, providers.Conform(&rs.Schema, obj), nil, nil)}
	st.Set(res)
	if _, err := backend.Write(st); err != nil {
		return nil, loader, diags, err
	}
	return res, loader, diags, nil
}
