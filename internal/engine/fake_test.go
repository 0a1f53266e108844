package engine

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/enclave-dev/enclave/providers"
	"github.com/zclconf/go-cty/cty"
)

// fakeWorld is the "gear" behind the fake providers: objects by id, and counters.
type fakeWorld struct {
	mu        sync.Mutex
	objects   map[string]providers.Object // id → attributes
	types     map[string]string           // id → resource type
	nextID    int
	refreshes map[string]int    // provider key → Refresh calls
	applies   map[string]int    // provider instance → Apply calls
	failOn    map[string]string // addr → error message
	partial   map[string]bool   // addr: create succeeds, then fails (object kept)
}

func newWorld() *fakeWorld {
	return &fakeWorld{objects: map[string]providers.Object{}, types: map[string]string{}, refreshes: map[string]int{}, applies: map[string]int{}, failOn: map[string]string{}, partial: map[string]bool{}}
}

// fakeProvider manages fake_* types (one change per Apply) or, when txn, fakedev_* types
// (all changes of an instance in one Apply).
type fakeProvider struct {
	w    *fakeWorld
	txn  bool
	name string
	read bool // this instance refreshed since its last Apply
}

func str(req bool) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Required: req, Optional: !req}
}

func (p *fakeProvider) Schema() *providers.ProviderSchema {
	if p.txn {
		return &providers.ProviderSchema{
			Transactional: true,
			Provider:      &providers.Schema{Attributes: map[string]*providers.Attribute{"host": str(true)}},
			Resources: map[string]*providers.ResourceSchema{
				"fakedev_policy": {Schema: providers.Schema{
					Attributes: map[string]*providers.Attribute{"name": {Type: cty.String, Required: true, ForceNew: true}},
					Blocks: map[string]*providers.Block{"rule": {Ordered: true, Schema: providers.Schema{Attributes: map[string]*providers.Attribute{
						"name": str(true), "action": {Type: cty.String, Optional: true, Default: "permit", OneOf: []string{"permit", "deny"}}}}}},
				}},
			},
		}
	}
	return &providers.ProviderSchema{
		Provider: &providers.Schema{Attributes: map[string]*providers.Attribute{
			"endpoint": str(true), "password": {Type: cty.String, Optional: true, Sensitive: true}}},
		Resources: map[string]*providers.ResourceSchema{
			"fake_net": {Schema: providers.Schema{Attributes: map[string]*providers.Attribute{
				"name":     {Type: cty.String, Required: true, ForceNew: true},
				"vlan_id":  {Type: cty.Number, Optional: true},
				"secret":   {Type: cty.String, Optional: true, Sensitive: true},
				"hosts":    {Type: cty.List(cty.String), Optional: true},
				"computed": {Type: cty.String, Computed: true},
			}}},
			"fake_vm": {Destructive: true, Schema: providers.Schema{
				Attributes: map[string]*providers.Attribute{
					"name":   {Type: cty.String, Required: true},
					"net_id": {Type: cty.String, Optional: true},
					"cpus":   {Type: cty.Number, Optional: true, Default: int64(1)},
					"power":  {Type: cty.String, Optional: true, Default: "on"},
					"uuid":   {Type: cty.String, Computed: true},
				},
				Blocks: map[string]*providers.Block{"disk": {Schema: providers.Schema{Attributes: map[string]*providers.Attribute{
					"label": str(true), "size_gb": {Type: cty.Number, Required: true}}}}},
			}},
		},
		DataSources: map[string]*providers.Schema{
			"fake_lookup": {Attributes: map[string]*providers.Attribute{"name": str(true), "value": {Type: cty.String, Computed: true},
				"memory_mb": {Type: cty.Number, Computed: true}, "ratio": {Type: cty.Number, Computed: true}}},
		},
	}
}

func (p *fakeProvider) Configure(_ context.Context, cfg providers.Object) error {
	p.name = providers.String(cfg, "endpoint") + providers.String(cfg, "host")
	if providers.String(cfg, "endpoint") == "unreachable" {
		return fmt.Errorf("endpoint unreachable: connection refused")
	}
	return nil
}

func (p *fakeProvider) Refresh(_ context.Context, reqs []providers.RefreshRequest) ([]providers.RefreshResult, error) {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	// Like a device: one read per refresh, and a lookup-only refresh searches what this
	// run's refresh read.
	if !providers.LookupsOnly(reqs) || !p.read {
		p.w.refreshes[p.name]++
	}
	p.read = true
	out := make([]providers.RefreshResult, 0, len(reqs))
	for _, r := range reqs {
		o := p.w.objects[r.ID]
		if r.ID == "" {
			for id, cand := range p.w.objects {
				if p.w.types[id] == r.Type && cand["name"] == r.Prior["name"] {
					o = cand
				}
			}
		}
		var cur providers.Object
		if o != nil {
			cur = providers.Copy(o)
			for _, k := range []string{"secret"} {
				if _, ok := cur[k]; ok {
					cur[k] = r.Prior[k] // a device never reveals secrets
				}
			}
		}
		out = append(out, providers.RefreshResult{Addr: r.Addr, Current: cur})
	}
	return out, nil
}

func (p *fakeProvider) ReadData(_ context.Context, reqs []providers.DataRequest) ([]providers.DataResult, error) {
	var out []providers.DataResult
	for _, r := range reqs {
		name := providers.String(r.Args, "name")
		if name == "missing" {
			out = append(out, providers.DataResult{Addr: r.Addr, Err: fmt.Errorf("no object named %q", name)})
			continue
		}
		out = append(out, providers.DataResult{Addr: r.Addr, Result: providers.Object{"id": "lookup-" + name, "name": name, "value": "v-" + name,
			"memory_mb": int64(196608), "ratio": 0.75}})
	}
	return out, nil
}

func (p *fakeProvider) Apply(_ context.Context, changes []providers.Change, _ providers.Progress) []providers.ChangeResult {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	p.w.applies[p.name]++
	p.read = false
	out := make([]providers.ChangeResult, len(changes))
	if !p.txn && len(changes) != 1 {
		// The engine broke the contract: fail every change so the test sees it.
		for i, c := range changes {
			out[i] = providers.ChangeResult{Addr: c.Addr, Err: fmt.Errorf("non-transactional provider got a batch of %d", len(changes))}
		}
		return out
	}
	for i, c := range changes {
		out[i].Addr = c.Addr
		if msg, ok := p.w.failOn[c.Addr]; ok {
			out[i].Err = fmt.Errorf("%s", msg)
			if p.w.partial[c.Addr] && c.Action == providers.Create {
				p.w.nextID++
				id := fmt.Sprintf("obj-%d", p.w.nextID)
				o := providers.Copy(c.Planned)
				o["id"] = id
				o["power"] = "off"
				p.w.objects[id] = o
				out[i].New = providers.Copy(o)
			}
			continue
		}
		switch c.Action {
		case providers.Create:
			p.w.nextID++
			id := fmt.Sprintf("obj-%d", p.w.nextID)
			if p.txn {
				id = providers.String(c.Planned, "name")
			}
			o := providers.Copy(c.Planned)
			o["id"] = id
			p.w.types[id] = c.Type
			if c.Type == "fake_vm" {
				o["uuid"] = "uuid-" + id
			}
			if c.Type == "fake_net" {
				o["computed"] = "c-" + id
			}
			p.w.objects[id] = o
			out[i].New = providers.Copy(o)
		case providers.Update, providers.Replace:
			id := providers.String(c.Prior, "id")
			if c.Action == providers.Replace {
				delete(p.w.objects, id)
				id = providers.String(c.Planned, "name")
			}
			o := providers.Copy(c.Planned)
			o["id"] = id
			if old := c.Prior; old != nil {
				for _, k := range []string{"uuid", "computed"} {
					if v, ok := old[k]; ok {
						o[k] = v
					}
				}
			}
			p.w.objects[id] = o
			out[i].New = providers.Copy(o)
		case providers.Delete:
			delete(p.w.objects, providers.String(c.Prior, "id"))
		}
	}
	return out
}

func (p *fakeProvider) Import(_ context.Context, typ, id string) (providers.Object, error) {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	o, ok := p.w.objects[id]
	if !ok {
		return nil, fmt.Errorf("no %s %q", typ, id)
	}
	return providers.Copy(o), nil
}

func (p *fakeProvider) Close() error { return nil }

func (w *fakeWorld) registry() providers.Registry {
	return providers.Registry{
		"fake":    func(providers.Options) providers.Provider { return &fakeProvider{w: w} },
		"fakedev": func(providers.Options) providers.Provider { return &fakeProvider{w: w, txn: true} },
	}
}

func (w *fakeWorld) ids() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for id := range w.objects {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// RequiresReplace: a fake_vm disk may grow in place but not shrink.
func (p *fakeProvider) RequiresReplace(typ string, prior, planned providers.Object) []string {
	if typ != "fake_vm" {
		return nil
	}
	have := providers.Blocks(prior, "disk")
	var out []string
	for i, d := range providers.Blocks(planned, "disk") {
		if i < len(have) && providers.Int(d, "size_gb") < providers.Int(have[i], "size_gb") {
			out = append(out, fmt.Sprintf("disk[%d].size_gb", i))
		}
	}
	return out
}
