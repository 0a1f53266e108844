package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/enclave-dev/enclave/internal/faultpoint"
	"github.com/enclave-dev/enclave/internal/graph"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Engine plans and applies. One Engine serves one command.
type Engine struct {
	Registry providers.Registry
	// Warnf reports warnings (insecure connections, advisory policies) to the user.
	Warnf func(format string, args ...any)
	// Progress reports long work per resource ("creating", "waiting for task 40%").
	Progress func(addr, message string)
	// Parallelism bounds concurrent changes at apply (default 10).
	Parallelism int

	schemas     map[string]*providers.ProviderSchema
	normalizers sync.Map // provider type → providers.Normalizer or nil
	deciders    sync.Map // provider type → providers.ReplaceDecider or nil
}

// replaceDecider is the provider's ReplaceDecider for a resource type, if it has one.
func (e *Engine) replaceDecider(typ string) providers.ReplaceDecider {
	pt := config.ResourceProviderType(typ)
	if v, ok := e.deciders.Load(pt); ok {
		d, _ := v.(providers.ReplaceDecider)
		return d
	}
	var d providers.ReplaceDecider
	if f := e.Registry[pt]; f != nil {
		d, _ = f(providers.Options{}).(providers.ReplaceDecider)
	}
	e.deciders.Store(pt, d)
	return d
}

// normalizer is the provider's Normalizer for a resource type, if it has one (made once).
func (e *Engine) normalizer(typ string) providers.Normalizer {
	pt := config.ResourceProviderType(typ)
	if v, ok := e.normalizers.Load(pt); ok {
		n, _ := v.(providers.Normalizer)
		return n
	}
	var n providers.Normalizer
	if f := e.Registry[pt]; f != nil {
		n, _ = f(providers.Options{}).(providers.Normalizer)
	}
	e.normalizers.Store(pt, n)
	return n
}

func (e *Engine) progress(addr, msg string) {
	if e.Progress != nil {
		e.Progress(addr, msg)
	}
}

func (e *Engine) providerSchemas() map[string]*providers.ProviderSchema {
	if e.schemas == nil {
		e.schemas = e.Registry.Schemas()
	}
	return e.schemas
}

// resourceSchema finds a managed resource type's schema.
func (e *Engine) resourceSchema(typ string) *providers.ResourceSchema {
	ps := e.providerSchemas()[config.ResourceProviderType(typ)]
	if ps == nil {
		return nil
	}
	return ps.Resources[typ]
}

// dataSchema finds a data source type's schema.
func (e *Engine) dataSchema(typ string) *providers.Schema {
	ps := e.providerSchemas()[config.ResourceProviderType(typ)]
	if ps == nil {
		return nil
	}
	return ps.DataSources[typ]
}

// IsResourceType reports whether typ is a managed resource type of some provider.
func (e *Engine) IsResourceType(typ string) bool { return e.resourceSchema(typ) != nil }

// allTypes lists every resource type, for suggestions.
func (e *Engine) allTypes(data bool) []string {
	var out []string
	for _, ps := range e.providerSchemas() {
		if data {
			for t := range ps.DataSources {
				out = append(out, t)
			}
		} else {
			for t := range ps.Resources {
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Load reads and statically checks a configuration: every resource type exists, every
// provider is configured, no reference cycles. Diagnostics name file, line and column.
func (e *Engine) Load(src config.Source, env map[string]string) (*config.Loader, *config.Config, hcl.Diagnostics) {
	l := config.NewLoader(src)
	if env != nil {
		l.Env = env
	}
	return e.load(l)
}

func (e *Engine) load(l *config.Loader) (*config.Loader, *config.Config, hcl.Diagnostics) {
	l.ProviderSchemas = map[string]*hcl.BodySchema{}
	for name, ps := range e.providerSchemas() {
		bs := &hcl.BodySchema{}
		if ps.Provider != nil {
			for _, a := range ps.Provider.SortedKeys() {
				bs.Attributes = append(bs.Attributes, hcl.AttributeSchema{Name: a, Required: ps.Provider.Attributes[a].Required})
			}
		}
		l.ProviderSchemas[name] = bs
	}
	cfg, diags := l.Load()
	if diags.HasErrors() {
		return l, cfg, diags
	}
	diags = append(diags, e.check(cfg)...)
	return l, cfg, diags
}

// check validates what the config package cannot know: resource types and their providers,
// and reference cycles within each module.
func (e *Engine) check(root *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if en := root.Enclave; en != nil && en.Backend != "" && en.Backend != "local" {
		// Refuse rather than fall back to local state: two places believing they hold the
		// state is how changes get lost.
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "State backend not available",
			Detail: fmt.Sprintf("This build of enclave keeps state only in the local backend (.enclave/ beside the enclave); backend = %q is not available. Use backend = \"local\".", en.Backend), Subject: en.DeclRange.Ptr()})
	}
	root.Walk(func(c *config.Config) {
		for _, k := range keysOf(c.Resources) {
			r := c.Resources[k]
			if e.resourceSchema(r.Type) == nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown resource type",
					Detail: fmt.Sprintf("There is no resource type %q.%s", r.Type, suggest(r.Type, e.allTypes(false))), Subject: r.TypeRange.Ptr()})
				continue
			}
			diags = append(diags, e.checkProvider(root, r)...)
		}
		for _, k := range keysOf(c.Data) {
			r := c.Data[k]
			if e.dataSchema(r.Type) == nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown data source type",
					Detail: fmt.Sprintf("There is no data source type %q.%s", r.Type, suggest(r.Type, e.allTypes(true))), Subject: r.TypeRange.Ptr()})
				continue
			}
			diags = append(diags, e.checkProvider(root, r)...)
		}
		for _, k := range keysOf(root.Providers) {
			p := root.Providers[k]
			if _, ok := e.Registry[p.Type]; !ok && c == root {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown provider",
					Detail: fmt.Sprintf("There is no provider %q; known: %s.%s", p.Type, strings.Join(e.Registry.Names(), ", "), suggest(p.Type, e.Registry.Names())), Subject: p.DeclRange.Ptr()})
			}
		}
		diags = append(diags, e.checkCycles(c)...)
	})
	return diags
}

func (e *Engine) checkProvider(root *config.Config, r *config.Resource) hcl.Diagnostics {
	key := r.ProviderKey()
	if _, ok := root.Providers[key]; ok {
		return nil
	}
	rng := r.DeclRange
	if r.ProviderRef != nil {
		rng = r.ProviderRef.Range
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider not configured",
		Detail: fmt.Sprintf("%s uses the provider %q, but there is no provider %q block in the enclave.", r.Addr(), key, key), Subject: rng.Ptr()}}
}

// checkCycles builds the module's static reference graph and names every member of a cycle.
func (e *Engine) checkCycles(c *config.Config) hcl.Diagnostics {
	g := graph.New()
	ranges := map[string]hcl.Range{}
	edge := func(from string, ts []hcl.Traversal) {
		for _, t := range ts {
			to := staticNode(c, t)
			if to != "" {
				g.Connect(from, to)
			}
		}
	}
	for k, l := range c.Locals {
		g.Add("local." + k)
		ranges["local."+k] = l.DeclRange
		edge("local."+k, l.Expr.Variables())
	}
	for k, r := range c.Resources {
		g.Add(k)
		ranges[k] = r.DeclRange
		edge(k, resourceTraversals(r))
		edge(k, r.DependsOn)
	}
	for k, r := range c.Data {
		g.Add(k)
		ranges[k] = r.DeclRange
		edge(k, resourceTraversals(r))
		edge(k, r.DependsOn)
	}
	for k, m := range c.Modules {
		g.Add("module." + k)
		ranges["module."+k] = m.DeclRange
		for _, a := range m.Inputs {
			edge("module."+k, a.Expr.Variables())
		}
		edge("module."+k, m.DependsOn)
		if m.Count != nil {
			edge("module."+k, m.Count.Variables())
		}
		if m.ForEach != nil {
			edge("module."+k, m.ForEach.Variables())
		}
	}
	var diags hcl.Diagnostics
	for _, cyc := range g.Cycles() {
		rng := ranges[cyc[0]]
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference cycle",
			Detail: fmt.Sprintf("These refer to each other in a cycle: %s. Break the cycle by removing one of the references.", strings.Join(cyc, ", ")), Subject: rng.Ptr()})
	}
	return diags
}

func staticNode(c *config.Config, t hcl.Traversal) string {
	root := t.RootName()
	name := ""
	if len(t) > 1 {
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			name = a.Name
		}
	}
	switch root {
	case "local":
		if _, ok := c.Locals[name]; ok {
			return "local." + name
		}
	case "module":
		if _, ok := c.Modules[name]; ok {
			return "module." + name
		}
	case "data":
		if len(t) > 2 {
			if a, ok := t[2].(hcl.TraverseAttr); ok {
				k := "data." + name + "." + a.Name
				if _, ok := c.Data[k]; ok {
					return k
				}
			}
		}
	case "var", "count", "each", "path", "self":
	default:
		if _, ok := c.Resources[root+"."+name]; ok {
			return root + "." + name
		}
	}
	return ""
}

// providerSet holds the configured provider instances of a run.
type providerSet struct {
	mu        sync.Mutex
	e         *Engine
	cfg       *config.Config
	root      *scope
	baseDir   string
	instances map[string]providers.Provider
	errs      map[string]error
}

func newProviderSet(e *Engine, cfg *config.Config, root *scope, baseDir string) *providerSet {
	return &providerSet{e: e, cfg: cfg, root: root, baseDir: baseDir, instances: map[string]providers.Provider{}, errs: map[string]error{}}
}

// get returns the configured provider instance for key ("junos.srx"), configuring it on
// first use. Provider blocks may refer to variables and locals.
func (ps *providerSet) get(ctx context.Context, key string) (providers.Provider, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.instances[key]; ok {
		return p, nil
	}
	if err, ok := ps.errs[key]; ok {
		return nil, err
	}
	p, err := ps.configure(ctx, key)
	if err != nil {
		ps.errs[key] = err
		return nil, err
	}
	ps.instances[key] = p
	return p, nil
}

func (ps *providerSet) configure(ctx context.Context, key string) (providers.Provider, error) {
	pc := ps.cfg.Providers[key]
	typ := strings.SplitN(key, ".", 2)[0]
	factory := ps.e.Registry[typ]
	if factory == nil {
		return nil, fmt.Errorf("no provider %q", typ)
	}
	if pc == nil {
		return nil, fmt.Errorf("state refers to provider %q, which the configuration no longer has; add its provider block back so enclave can reach the objects it manages", key)
	}
	p := factory(providers.Options{Warnf: ps.e.Warnf, BaseDir: ps.baseDir})
	v, diags := ps.evalConfig(pc, p.Schema().Provider)
	if diags.HasErrors() {
		return nil, diagError{diags}
	}
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("provider %q: its settings depend on values known only after apply; provider blocks may use variables and locals only", key)
	}
	uv, _ := v.UnmarkDeep()
	obj, err := providers.FromCty(p.Schema().Provider, uv)
	if err != nil {
		return nil, fmt.Errorf("provider %q: %w", key, err)
	}
	if err := p.Configure(ctx, obj); err != nil {
		return nil, fmt.Errorf("provider %q: %w", key, err)
	}
	return p, nil
}

// evalConfig evaluates a provider block. Files it reads through file() are credentials:
// the loader keeps them out of the plan's snapshot (see config.Loader.Secret).
func (ps *providerSet) evalConfig(pc *config.Provider, schema *providers.Schema) (cty.Value, hcl.Diagnostics) {
	ps.root.ev.mu.Lock()
	defer ps.root.ev.mu.Unlock()
	ps.root.ev.loader.BeginSecret()
	defer ps.root.ev.loader.EndSecret()
	return ps.root.decodeBody(pc.Config, schema, repetition{})
}

// evaluateAll evaluates every provider block without configuring any, so a plan records
// every env() and file() a provider reads even when it needs no device (a first plan).
func (ps *providerSet) evaluateAll() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, key := range keysOf(ps.cfg.Providers) {
		factory := ps.e.Registry[strings.SplitN(key, ".", 2)[0]]
		if factory == nil {
			continue
		}
		p := factory(providers.Options{Warnf: ps.e.Warnf, BaseDir: ps.baseDir})
		_, d := ps.evalConfig(ps.cfg.Providers[key], p.Schema().Provider)
		diags = append(diags, d...)
	}
	return diags
}

func (ps *providerSet) close() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.instances {
		_ = p.Close()
	}
}

// diagError carries diagnostics through an error.
type diagError struct{ diags hcl.Diagnostics }

func (d diagError) Error() string { return d.diags.Error() }

// Diagnostics extracts diagnostics from an error made by this package, if any.
func Diagnostics(err error) (hcl.Diagnostics, bool) {
	if d, ok := err.(diagError); ok {
		return d.diags, true
	}
	return nil, false
}

// refreshAll reads every managed object state records, one Refresh call per provider
// instance, providers in parallel.
func (e *Engine) refreshAll(ctx context.Context, ps *providerSet, resources []*state.Resource) (map[string]providers.Object, error) {
	byProv := map[string][]providers.RefreshRequest{}
	for _, r := range resources {
		if r.Mode == config.DataMode {
			continue
		}
		// A record without an id is an intent (or an uncertain create): the provider looks
		// the object up by identity in the same batched reads.
		byProv[r.Provider] = append(byProv[r.Provider], providers.RefreshRequest{
			Addr: r.Addr, Type: r.Type, ID: providers.String(r.Attributes, "id"), Prior: providers.Copy(r.Attributes)})
	}
	out := map[string]providers.Object{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []string
	faultpoint.Hit("refresh")
	for _, key := range keysOf(byProv) {
		wg.Add(1)
		go func(key string, reqs []providers.RefreshRequest) {
			defer wg.Done()
			p, err := ps.get(ctx, key)
			if err == nil {
				var res []providers.RefreshResult
				res, err = p.Refresh(ctx, reqs)
				if err == nil {
					mu.Lock()
					for _, r := range res {
						if r.Current != nil {
							out[r.Addr] = r.Current
						}
					}
					mu.Unlock()
				}
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("refreshing %s: %v", key, err))
				mu.Unlock()
			}
		}(key, byProv[key])
	}
	wg.Wait()
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// varsFromStrings turns --var K=V strings into values: V is parsed as an HCL expression when
// the variable's type is not a string, as Terraform does.
func parseVarValue(decl *config.Variable, raw string, origin string) (cty.Value, hcl.Diagnostics) {
	if decl == nil || decl.Type == cty.String {
		return cty.StringVal(raw), nil
	}
	return parseHCLValue(raw, origin)
}

func now() time.Time { return time.Now().UTC().Truncate(time.Second) }
