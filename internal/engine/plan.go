package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/enclave-dev/enclave/providers"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// PlanOptions are the inputs of a plan.
type PlanOptions struct {
	Dir     string // the enclave directory
	Vars    VarInputs
	Targets []string
	Refresh bool
	Author  string
	// Lifetime is how long the plan may wait for approval and apply when the approval rules
	// set no max_age (default 24h).
	Lifetime time.Duration
	Now      time.Time
	// Offline plans without contacting any device (validate, graph): no refresh, data
	// sources are unknown, providers are never configured.
	Offline bool
	// Destroy plans taking down everything the state holds (plan --destroy), honouring
	// lifecycle.prevent_destroy; it goes through the gate like any plan.
	Destroy bool

	// replay, when set, plans again what a saved plan recorded, with no device: refresh is
	// the plan's observations and data sources its recorded results (see Applier.rederive).
	replay *plans.Plan
}

// Run is the outcome of planning: the plan, and what produced it (for diagnostics and for
// commands that need the evaluated configuration, such as validate and drift).
type Run struct {
	Plan   *plans.Plan
	Loader *config.Loader
	Config *config.Config
	State  *state.State
	Diags  hcl.Diagnostics
	// Deps maps each instance address to the instance addresses it depends on.
	Deps map[string][]string
}

// Plan refreshes, evaluates and compares. Diagnostics carry source ranges; a non-nil error is
// a failure to reach gear or read state.
func (e *Engine) Plan(ctx context.Context, backend state.Backend, opts PlanOptions) (*Run, error) {
	if opts.Now.IsZero() {
		opts.Now = now()
	}
	run := &Run{}
	loader, cfg, diags := e.Load(config.DirSource(opts.Dir), nil)
	run.Loader, run.Config, run.Diags = loader, cfg, diags
	if diags.HasErrors() {
		return run, nil
	}
	vars, d := resolveVars(cfg, opts.Vars)
	run.Diags = append(run.Diags, d...)
	if d.HasErrors() {
		return run, nil
	}
	st, found, err := backend.Read()
	if err != nil {
		return run, err
	}
	if !found {
		st.Lineage = "" // a state that does not exist yet has no lineage to pin
	}
	if opts.Offline {
		opts.Refresh = false
	}
	run.State = st
	p, deps, d, err := e.plan(ctx, loader, cfg, st, vars, opts)
	run.Diags = append(run.Diags, d...)
	run.Plan, run.Deps = p, deps
	return run, err
}

// planHooks plan each resource instance as the evaluator reaches it.
type planHooks struct {
	e         *Engine
	ctx       context.Context
	st        *state.State
	current   map[string]providers.Object
	refreshed bool
	offline   bool
	replay    *plans.Plan
	ps        *providerSet

	changes   map[string]*plans.ResourceChange
	values    map[string]cty.Value
	types     map[string][]string // type → instance addresses
	nodes     map[string][]string // resource node (module path + TYPE.NAME) → instance addresses
	instScope map[string]*scope
	instRes   map[string]*config.Resource
	drift     []plans.Drift
	observed  map[string]map[string]any
	creates   map[string]map[string]any // planned known values of each create, by address
}

func (h *planHooks) resourceInstance(s *scope, r *config.Resource, key instanceKey) (cty.Value, hcl.Diagnostics) {
	addr := s.prefix() + r.Addr() + key.String()
	node := s.prefix() + r.Addr()
	h.nodes[node] = append(h.nodes[node], addr)
	h.instScope[addr], h.instRes[addr] = s, r
	var v cty.Value
	var diags hcl.Diagnostics
	if r.Mode == config.DataMode {
		v, diags = h.planData(s, r, key, addr)
	} else {
		v, diags = h.planManaged(s, r, key, addr)
		h.types[r.Type] = append(h.types[r.Type], addr)
	}
	h.values[addr] = v
	return v, diags
}

func (h *planHooks) allOfType(typ string) (cty.Value, hcl.Diagnostics) {
	m := map[string]cty.Value{}
	for _, a := range h.types[typ] {
		m[a] = h.values[a]
	}
	if len(m) == 0 {
		return cty.EmptyObjectVal, nil
	}
	return cty.ObjectVal(m), nil
}

// desiredOf evaluates an instance's body and tags into plain values.
func desiredOf(e *Engine, s *scope, r *config.Resource, key instanceKey, schema *providers.Schema) (map[string]any, map[string]bool, map[string]string, hcl.Diagnostics) {
	dv, diags := s.decodeBody(r.Config, schema, key.rep())
	if diags.HasErrors() {
		return nil, nil, nil, diags
	}
	pv, sensPaths := plain(dv)
	desired, _ := pv.(map[string]any)
	if desired == nil {
		desired = map[string]any{}
	}
	sensitive := map[string]bool{}
	for _, p := range sensPaths {
		if len(p) > 0 {
			if ga, ok := p[0].(cty.GetAttrStep); ok {
				sensitive[ga.Name] = true
			}
		}
	}
	tags := map[string]string{}
	if r.Tags != nil {
		tv, d := s.eval(r.Tags, key.rep(), cty.Map(cty.String))
		diags = append(diags, d...)
		if !d.HasErrors() {
			tv, _ = tv.UnmarkDeep()
			if !tv.IsWhollyKnown() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid tags", Detail: "tags must be known at plan time.", Subject: r.Tags.Range().Ptr()})
			} else if !tv.IsNull() {
				for k, v := range tv.AsValueMap() {
					tags[k] = v.AsString()
				}
			}
		}
	}
	// Providers canonicalize values that have several spellings ("500GiB").
	if n := e.normalizer(r.Type); n != nil {
		{
			known := map[string]any{}
			for k, v := range desired {
				if !isUnknown(v) {
					known[k] = v
				}
			}
			norm, err := n.Normalize(r.Type, known)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value", Detail: err.Error(), Subject: r.DeclRange.Ptr()})
			} else {
				for k, v := range norm {
					desired[k] = v
				}
			}
		}
	}
	return desired, sensitive, tags, diags
}

func (h *planHooks) planManaged(s *scope, r *config.Resource, key instanceKey, addr string) (cty.Value, hcl.Diagnostics) {
	rs := h.e.resourceSchema(r.Type)
	desired, sensitive, tags, diags := desiredOf(h.e, s, r, key, &rs.Schema)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	prior := h.st.Resource(addr)
	intent := prior != nil && isIntent(prior)
	var cur map[string]any
	if prior != nil {
		cur = prior.Attributes
		if intent {
			cur = nil // nothing is known to exist until a refresh finds it
		}
		if h.refreshed {
			cur = hiddenLikePrior(prior.Attributes, h.current[addr])
			if d := driftOf(rs, addr, prior.Attributes, cur); d != nil && !intent {
				h.drift = append(h.drift, *d)
			}
		}
		if cur != nil {
			cur = providers.Conform(&rs.Schema, cur)
			h.observed[addr] = cur
		}
	}
	ignore := ignoreSet(r)
	pl := planned(rs, desired, cur, ignore)
	pl = conformPlanned(&rs.Schema, pl)
	rc := &plans.ResourceChange{
		Addr: addr, Module: s.path, Mode: "managed", Type: r.Type, Name: r.Name, Key: key.plainKey(),
		Provider: r.ProviderKey(), Tags: tags,
	}
	var dr diffResult
	if cur == nil {
		rc.Action = plans.Create
		dr = diffObjects(&rs.Schema, nil, pl, sensitive)
		switch {
		case intent:
			rc.Reason = "an interrupted apply meant to create it, and it is not on the device"
		case prior != nil:
			rc.Reason = "it no longer exists on the device"
		}
	} else {
		dr = diffObjects(&rs.Schema, cur, pl, sensitive)
		switch {
		case len(dr.diffs) == 0:
			rc.Action = plans.NoOp
		case dr.forcesNew:
			rc.Action = plans.Replace
			rc.Reason = describePaths(dr.replaceWhy) + " cannot change in place"
			// The new object gets new computed values.
			pl = conformPlanned(&rs.Schema, planned(rs, desired, nil, nil))
		default:
			rc.Action = plans.Update
			if d := h.e.replaceDecider(r.Type); d != nil && !containsUnknown(pl) {
				if paths := d.RequiresReplace(r.Type, cur, pl); len(paths) > 0 {
					rc.Action = plans.Replace
					rc.Reason = describePaths(paths) + " cannot change in place"
					for i := range dr.diffs {
						for _, p := range paths {
							if dr.diffs[i].Path == p || strings.HasPrefix(dr.diffs[i].Path, p+".") || strings.HasPrefix(dr.diffs[i].Path, p+"[") {
								dr.diffs[i].ForcesReplacement = true
							}
						}
					}
					pl = conformPlanned(&rs.Schema, planned(rs, desired, nil, nil))
				}
			}
		}
		rc.Before = maskObject(&rs.Schema, cur, nil)
	}
	switch {
	case rc.Action == plans.NoOp && intent && cur != nil:
		// An interrupted apply created it (its intent is in state) but never recorded the
		// result: found by identity, it is this enclave's, and applying records it.
		rc.Action = plans.Update
		rc.Reason = "an interrupted apply created it without recording it; applying records it"
	case rc.Action == plans.NoOp && prior != nil && prior.Status == state.StatusUncertain:
		// The last apply lost touch after a change was made (a Junos confirmed commit that
		// was never confirmed). What is there now may still be rolled back by the device, so
		// the plan applies it again, which confirms it, rather than calling it converged.
		rc.Action = plans.Update
		rc.Reason = "the last apply did not learn whether its change took; applying again confirms it"
	case rc.Action == plans.Update && intent && cur != nil:
		rc.Reason = "an interrupted apply created it without recording it"
	}
	rc.Diffs = dr.diffs
	if rc.Action == plans.Create && prior == nil {
		h.creates[addr] = knownOnly(pl)
	}
	rc.After = maskObject(&rs.Schema, pl, sensitive)
	rc.AfterUnknown = unknownPaths(pl)
	rc.Destructive = rs.Destructive && (rc.Action == plans.Replace)
	if rc.Action == plans.Replace && r.PreventDestroy {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance cannot be destroyed",
			Detail: fmt.Sprintf("%s has lifecycle.prevent_destroy set, but the plan would replace it (%s). Change the configuration, or remove prevent_destroy in a reviewed change first.", addr, rc.Reason), Subject: r.DeclRange.Ptr()})
	}
	h.changes[addr] = rc
	return objectValue(&rs.Schema, pl, sensitive, tags), diags
}

// destroyAll turns the plan into one that deletes every managed object the state holds
// (what exists: an intent found by refresh too) and creates nothing; an instance whose
// lifecycle.prevent_destroy is set refuses the plan, as Terraform's -destroy does.
func (h *planHooks) destroyAll(e *Engine) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, addr := range keysOf(h.changes) {
		rc := h.changes[addr]
		if rc.Mode != "managed" {
			continue
		}
		prior := h.st.Resource(addr)
		if prior == nil || rc.Action == plans.Create && rc.Before == nil && h.current[addr] == nil && isIntentOrNew(prior) {
			delete(h.changes, addr) // nothing there to destroy
			continue
		}
		if r := h.instRes[addr]; r != nil && r.PreventDestroy {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Instance cannot be destroyed",
				Detail: fmt.Sprintf("%s has lifecycle.prevent_destroy set, and plan --destroy would delete it. Remove prevent_destroy in a reviewed change first.", addr), Subject: r.DeclRange.Ptr()})
			continue
		}
		rs := e.resourceSchema(rc.Type)
		cur := prior.Attributes
		if h.refreshed {
			cur = hiddenLikePrior(prior.Attributes, h.current[addr])
		}
		d := &plans.ResourceChange{Addr: addr, Module: rc.Module, Mode: "managed", Type: rc.Type, Name: rc.Name, Key: rc.Key, Provider: rc.Provider,
			Action: plans.Delete, Reason: "plan --destroy", DependsOn: rc.DependsOn, Tags: rc.Tags}
		if rs != nil {
			d.Destructive = rs.Destructive
			if cur != nil {
				d.Before = maskObject(&rs.Schema, cur, nil)
				d.Diffs = diffObjects(&rs.Schema, providers.Conform(&rs.Schema, cur), nil, nil).diffs
			} else {
				d.Reason = "plan --destroy; already gone from the device"
			}
		}
		h.changes[addr] = d
	}
	return diags
}

func isIntentOrNew(r *state.Resource) bool { return r == nil || isIntent(r) }

// knownOnly is a planned object without its unknown values.
func knownOnly(o map[string]any) map[string]any {
	out := make(map[string]any, len(o))
	for k, v := range o {
		if !isUnknown(v) && !containsUnknown(v) {
			out[k] = v
		}
	}
	return out
}

// isIntent: a state record of an object apply set out to create (or whose create's outcome
// it never learned) and has no id for: only a lookup by identity can tell if it exists.
func isIntent(r *state.Resource) bool {
	return r.Status == state.StatusCreating || (r.Status == state.StatusUncertain && providers.String(r.Attributes, "id") == "")
}

// hiddenLikePrior hashes, in what refresh read, every attribute that state keeps hashed: a
// value derived from a sensitive input is sensitive though its schema does not say so, and
// the device reports it in the clear. Without this it would reach the plan's observations
// and before values. A hash that still matches is kept, so an unchanged secret is no change.
func hiddenLikePrior(prior, cur map[string]any) map[string]any {
	if cur == nil {
		return nil
	}
	var out map[string]any
	for k, pv := range prior {
		h, ok := pv.(string)
		if !ok || !state.IsHashed(h) {
			continue
		}
		v, present := cur[k]
		if !present || v == nil {
			continue
		}
		if sv, ok := v.(string); ok && state.IsHashed(sv) {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(cur))
			for kk, vv := range cur {
				out[kk] = vv
			}
		}
		out[k] = state.ReuseHash(h, v)
	}
	if out == nil {
		return cur
	}
	return out
}

// conformPlanned conforms the known part of a planned object (numbers, sets) so comparisons
// with what devices report are like for like.
func conformPlanned(s *providers.Schema, o map[string]any) map[string]any {
	known := map[string]any{}
	var unknowns []string
	for k, v := range o {
		if isUnknown(v) || containsUnknown(v) {
			unknowns = append(unknowns, k)
			continue
		}
		known[k] = v
	}
	out := providers.Conform(s, known)
	for _, k := range unknowns {
		out[k] = o[k]
	}
	return out
}

func containsUnknown(v any) bool {
	switch t := v.(type) {
	case unknown:
		return true
	case []any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// driftOf compares what the last apply recorded with what refresh found.
func driftOf(rs *providers.ResourceSchema, addr string, recorded, real map[string]any) *plans.Drift {
	if real == nil {
		return &plans.Drift{Addr: addr, Type: typeOf(addr), Gone: true}
	}
	rec := providers.Conform(&rs.Schema, recorded)
	cur := providers.Conform(&rs.Schema, real)
	dr := diffObjects(&rs.Schema, rec, cur, nil)
	var diffs []plans.AttrDiff
	for _, d := range dr.diffs {
		d.ForcesReplacement = false
		diffs = append(diffs, d)
	}
	if len(diffs) == 0 {
		return nil
	}
	return &plans.Drift{Addr: addr, Type: typeOf(addr), Diffs: diffs}
}

// typeOf extracts TYPE from an instance address (module.x.TYPE.NAME[k]).
func typeOf(addr string) string {
	parts := splitAddr(addr)
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "module" {
			i++
			continue
		}
		if parts[i] == "data" {
			return parts[i+1]
		}
		return parts[i]
	}
	return ""
}

// splitAddr splits an address on dots outside brackets.
func splitAddr(addr string) []string {
	var out []string
	depth, start := 0, 0
	inStr := false
	for i := 0; i < len(addr); i++ {
		switch c := addr[i]; {
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0:
			out = append(out, addr[start:i])
			start = i + 1
		}
	}
	return append(out, addr[start:])
}

func (h *planHooks) planData(s *scope, r *config.Resource, key instanceKey, addr string) (cty.Value, hcl.Diagnostics) {
	ds := h.e.dataSchema(r.Type)
	args, _, _, diags := desiredOf(h.e, s, r, key, ds)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	rc := &plans.ResourceChange{Addr: addr, Module: s.path, Mode: "data", Type: r.Type, Name: r.Name, Key: key.plainKey(), Provider: r.ProviderKey(), Action: plans.Read}
	h.changes[addr] = rc
	if h.replay != nil && !containsUnknown(args) {
		// Planned again from the file: the result the plan recorded, never a device.
		var rec *plans.ResourceChange
		for i := range h.replay.Changes {
			if h.replay.Changes[i].Addr == addr {
				rec = &h.replay.Changes[i]
			}
		}
		if rec == nil || rec.Action != plans.Read || rec.After == nil {
			return cty.DynamicVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: addr + ": the plan records no result for this data source", Subject: r.DeclRange.Ptr()})
		}
		result := providers.Conform(ds, toPlainMap(rec.After))
		rc.After = result
		return objectValue(ds, result, nil, nil), diags
	}
	if containsUnknown(args) || h.offline {
		rc.Reason = "its arguments are known only after apply"
		out := map[string]any{"id": unknownValue}
		for k := range ds.Attributes {
			if _, set := args[k]; !set {
				out[k] = unknownValue
			} else {
				out[k] = args[k]
			}
		}
		rc.AfterUnknown = unknownPaths(out)
		return objectValue(ds, out, nil, nil), diags
	}
	p, err := h.ps.get(h.ctx, r.ProviderKey())
	if err != nil {
		return cty.DynamicVal, append(diags, errDiag(addr, err, r.DeclRange))
	}
	res, err := p.ReadData(h.ctx, []providers.DataRequest{{Addr: addr, Type: r.Type, Args: args}})
	if err == nil && len(res) == 1 && res[0].Err != nil {
		err = res[0].Err
	}
	if err == nil && len(res) != 1 {
		err = fmt.Errorf("provider returned %d results for one lookup", len(res))
	}
	if err != nil {
		return cty.DynamicVal, append(diags, errDiag(addr, err, r.DeclRange))
	}
	result := providers.Conform(ds, res[0].Result)
	rc.After = result
	return objectValue(ds, result, nil, nil), diags
}

func errDiag(addr string, err error, rng hcl.Range) *hcl.Diagnostic {
	if d, ok := Diagnostics(err); ok && len(d) > 0 {
		return d[0]
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: addr + ": " + firstLine(err.Error()), Detail: err.Error(), Subject: rng.Ptr()}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// evaluateAll reaches every node of every module instance, so every resource is planned.
func evaluateAll(s *scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, k := range keysOf(s.cfg.Resources) {
		_, d := s.value(k)
		diags = append(diags, d...)
	}
	for _, k := range keysOf(s.cfg.Data) {
		_, d := s.value(k)
		diags = append(diags, d...)
	}
	for _, k := range keysOf(s.cfg.Locals) {
		_, d := s.value("local." + k)
		diags = append(diags, d...)
	}
	for _, k := range keysOf(s.cfg.Variables) {
		_, d := s.value("var." + k)
		diags = append(diags, d...)
	}
	for _, k := range keysOf(s.cfg.Modules) {
		scopes, d := s.moduleScopes(k)
		diags = append(diags, d...)
		for _, cs := range scopes {
			diags = append(diags, evaluateAll(cs)...)
		}
	}
	for _, k := range keysOf(s.cfg.Outputs) {
		_, d := s.value("output." + k)
		diags = append(diags, d...)
	}
	return diags
}

func (e *Engine) plan(ctx context.Context, loader *config.Loader, cfg *config.Config, st *state.State, vars map[string]cty.Value, opts PlanOptions) (*plans.Plan, map[string][]string, hcl.Diagnostics, error) {
	h := &planHooks{e: e, ctx: ctx, st: st, refreshed: opts.Refresh, offline: opts.Offline, replay: opts.replay,
		changes: map[string]*plans.ResourceChange{}, values: map[string]cty.Value{}, types: map[string][]string{},
		nodes: map[string][]string{}, instScope: map[string]*scope{}, instRes: map[string]*config.Resource{},
		observed: map[string]map[string]any{}, creates: map[string]map[string]any{}}
	// The state the plan is made against travels in it, so it can be re-derived from the
	// file alone (Rederive).
	var prior []byte
	if st.Lineage != "" {
		b, err := state.Encode(st)
		if err != nil {
			return nil, nil, nil, err
		}
		prior = b
	}
	ev := newEvaluator(cfg, loader, vars, h, e.IsResourceType)
	ps := newProviderSet(e, cfg, ev.root, opts.Dir)
	defer ps.close()
	h.ps = ps
	switch {
	case opts.replay != nil:
		opts.Destroy = opts.replay.Destroy
		h.current = map[string]providers.Object{}
		for addr, o := range opts.replay.Observed {
			h.current[addr] = toPlainMap(o)
		}
	case opts.Refresh:
		cur, err := e.refreshAll(ctx, ps, st.Resources)
		if err != nil {
			return nil, nil, nil, err
		}
		h.current = cur
	}
	diags := evaluateAll(ev.root)
	if !opts.Offline {
		// Every provider block, configured or not, so the plan pins every env() and file()
		// a provider reads (a first plan may configure none).
		diags = append(diags, ps.evaluateAll()...)
	}
	if diags.HasErrors() {
		return nil, nil, diags, nil
	}

	// A create whose identity is already taken on the device is a collision: the plan names
	// it (and is not saved); adopting it is `enclave import`. Looked up by identity in one
	// batched refresh per provider, whatever the number of creates.
	if opts.Refresh && opts.replay == nil && len(h.creates) > 0 {
		var reqs []*state.Resource
		for _, addr := range keysOf(h.creates) {
			rc := h.changes[addr]
			reqs = append(reqs, &state.Resource{Addr: addr, Mode: "managed", Type: rc.Type, Provider: rc.Provider, Attributes: h.creates[addr]})
		}
		found, err := e.refreshAll(ctx, ps, reqs)
		if err != nil {
			return nil, nil, nil, err
		}
		for addr, obj := range found {
			h.changes[addr].AlreadyExists = providers.String(obj, "id")
		}
	}

	// Dependencies per instance, from the resource nodes each depends on.
	deps := map[string][]string{}
	for addr, s := range h.instScope {
		r := h.instRes[addr]
		var ds []string
		for _, n := range s.depsOf(r.Addr()).sorted() {
			if n == s.prefix()+r.Addr() {
				continue
			}
			ds = append(ds, h.nodes[n]...)
		}
		sort.Strings(ds)
		deps[addr] = ds
		h.changes[addr].DependsOn = ds
	}

	// What state has and the configuration no longer does is deleted.
	for _, sr := range st.Resources {
		if sr.Mode == config.DataMode {
			continue
		}
		if _, ok := h.changes[sr.Addr]; ok {
			continue
		}
		rs := e.resourceSchema(sr.Type)
		if rs == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown resource type in state",
				Detail: fmt.Sprintf("State holds %s of type %q, which no provider knows.", sr.Addr, sr.Type)})
			continue
		}
		cur := sr.Attributes
		if isIntent(sr) {
			cur = nil
		}
		rc := &plans.ResourceChange{Addr: sr.Addr, Mode: "managed", Type: sr.Type, Provider: sr.Provider, Action: plans.Delete,
			Reason: "no longer in the configuration", DependsOn: sr.Dependencies, Tags: sr.Tags}
		if opts.Refresh {
			cur = hiddenLikePrior(sr.Attributes, h.current[sr.Addr])
			if cur == nil {
				rc.Reason = "no longer in the configuration, and already gone from the device"
			}
		}
		if cur != nil {
			h.observed[sr.Addr] = providers.Conform(&rs.Schema, cur)
			rc.Before = maskObject(&rs.Schema, cur, nil)
			rc.Diffs = diffObjects(&rs.Schema, providers.Conform(&rs.Schema, cur), nil, nil).diffs
		}
		rc.Destructive = rs.Destructive
		h.changes[sr.Addr] = rc
		deps[sr.Addr] = sr.Dependencies
	}

	if opts.Destroy {
		diags = append(diags, h.destroyAll(e)...)
	}
	changes := make([]plans.ResourceChange, 0, len(h.changes))
	for _, k := range keysOf(h.changes) {
		changes = append(changes, *h.changes[k])
	}
	if len(opts.Targets) > 0 {
		var d hcl.Diagnostics
		changes, d = applyTargets(changes, deps, opts.Targets)
		diags = append(diags, d...)
	}
	// The order apply will run in, device transactions included, is checked now: a
	// transaction that waits for a change of another provider which waits for the same
	// device cannot be applied, and an approved plan must not fail for a reason plan knew.
	if g, _ := applyGraph(e, changes); len(g.Cycles()) > 0 {
		var names []string
		for _, cyc := range g.Cycles() {
			var members []string
			for _, v := range cyc {
				if dev, ok := strings.CutPrefix(v, "txn:"); ok {
					v = "the " + dev + " device transaction"
				}
				members = append(members, v)
			}
			names = append(names, strings.Join(members, " -> "))
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Changes that cannot be applied in any order",
			Detail: "Every change to one Junos device is applied in one transaction, so the device's changes wait together for whatever any of them depends on. " +
				"Here a device's transaction waits, through a resource of another provider, for itself: " + strings.Join(names, "; ") +
				". Apply the other provider's resource in a plan of its own first (--target), or remove the dependency."})
	}

	p := &plans.Plan{
		FormatVersion: plans.FormatVersion,
		Enclave:       cfg.Enclave.Name,
		Author:        opts.Author,
		CreatedAt:     opts.Now,
		Targets:       opts.Targets,
		Destroy:       opts.Destroy,
		Refreshed:     opts.Refresh,
		State:         plans.StateRef{Lineage: st.Lineage, Serial: st.Serial, Digest: st.Digest()},
		PriorState:    prior,
		Observed:      h.observed,
		Changes:       changes,
		Drift:         h.drift,
		Reachability:  planReachability(h.changes, changes),
	}
	sort.Slice(p.Drift, func(i, j int) bool { return p.Drift[i].Addr < p.Drift[j].Addr })
	files, env := loader.Snapshot()
	p.Files = files
	// env() values may be secrets (a database URL with a password): the plan keeps salted
	// hashes, and apply reads the environment again and checks it still gives the same.
	p.Env = map[string]string{}
	for k, v := range env {
		h, err := plans.HashSensitiveValue(v)
		if err != nil {
			return nil, nil, nil, err
		}
		p.Env[k] = h
	}
	// Files a provider block read are credentials: hashes only, read again at apply.
	for k, v := range loader.SecretFiles() {
		h, err := plans.HashSensitiveValue(v)
		if err != nil {
			return nil, nil, nil, err
		}
		if p.PinnedFiles == nil {
			p.PinnedFiles = map[string]string{}
		}
		p.PinnedFiles[k] = h
	}
	p.Variables = planVariables(cfg, ev.root)

	// Outputs of the root module.
	p.Outputs = map[string]plans.OutputValue{}
	for _, k := range keysOf(cfg.Outputs) {
		v, _ := ev.root.value("output." + k)
		p.Outputs[k] = outputValue(v, cfg.Outputs[k].Sensitive)
	}
	pd := e.evalPolicies(ev, p)
	diags = append(diags, pd...)

	rd := e.approvalRules(cfg, st, p)
	diags = append(diags, rd...)
	if cfg.Approval != nil {
		// Every instance, so --target does not hide a zone the configuration has.
		diags = append(diags, zoneRuleWarnings(cfg, h.changes)...)
	}
	life := opts.Lifetime
	if life == 0 {
		life = 24 * time.Hour
	}
	if p.Rules != nil && p.Rules.MaxAge != "" {
		if d, err := time.ParseDuration(p.Rules.MaxAge); err == nil && d > 0 {
			life = d
		}
	}
	p.ExpiresAt = opts.Now.Add(life)
	return p, deps, diags, nil
}

func outputValue(v cty.Value, sensitive bool) plans.OutputValue {
	uv, marks := v.UnmarkDeep()
	if _, ok := marks[markSensitive]; ok {
		sensitive = true
	}
	if sensitive {
		return plans.OutputValue{Sensitive: true}
	}
	if !uv.IsWhollyKnown() {
		return plans.OutputValue{Unknown: true}
	}
	pv, _ := plain(uv)
	return plans.OutputValue{Value: pv}
}

// planVariables records root variables: sensitive ones only as salted hashes.
func planVariables(cfg *config.Config, root *scope) map[string]plans.Variable {
	out := map[string]plans.Variable{}
	for _, k := range keysOf(cfg.Variables) {
		v, ok := root.memo["var."+k]
		if !ok {
			continue
		}
		uv, _ := v.UnmarkDeep()
		b, err := ctyjson.Marshal(uv, uv.Type())
		if err != nil {
			continue
		}
		var pv any
		_ = json.Unmarshal(b, &pv)
		if cfg.Variables[k].Sensitive {
			h, err := plans.HashSensitiveValue(pv)
			if err == nil {
				out[k] = plans.Variable{Sensitive: true, Hash: h}
			}
			continue
		}
		out[k] = plans.Variable{Value: pv}
	}
	return out
}

// applyTargets keeps changes for the targeted addresses and what they depend on.
func applyTargets(changes []plans.ResourceChange, deps map[string][]string, targets []string) ([]plans.ResourceChange, hcl.Diagnostics) {
	keep := map[string]bool{}
	var diags hcl.Diagnostics
	var visit func(a string)
	visit = func(a string) {
		if keep[a] {
			return
		}
		keep[a] = true
		for _, d := range deps[a] {
			visit(d)
		}
	}
	for _, t := range targets {
		found := false
		for _, c := range changes {
			if c.Addr == t || strings.HasPrefix(c.Addr, t+"[") || strings.HasPrefix(c.Addr, t+".") {
				visit(c.Addr)
				found = true
			}
		}
		if !found {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Target not found", Detail: fmt.Sprintf("--target %s matches no resource in the configuration or state.", t)})
		}
	}
	var out []plans.ResourceChange
	for _, c := range changes {
		if keep[c.Addr] {
			out = append(out, c)
		}
	}
	return out, diags
}

// ignoreSet is lifecycle.ignore_changes as top-level attribute names ("*" for all).
func ignoreSet(r *config.Resource) map[string]bool {
	out := map[string]bool{}
	if r.IgnoreAllChanges {
		out["*"] = true
	}
	for _, t := range r.IgnoreChanges {
		if len(t) == 0 {
			continue
		}
		switch step := t[0].(type) {
		case hcl.TraverseAttr:
			out[step.Name] = true
		case hcl.TraverseRoot:
			out[step.Name] = true
		}
	}
	return out
}
