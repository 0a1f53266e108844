package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/enclave-dev/enclave/internal/faultpoint"
	"github.com/enclave-dev/enclave/internal/graph"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/enclave-dev/enclave/providers"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// ApplyOptions are the inputs of an apply besides the plan.
type ApplyOptions struct {
	Dir         string    // the enclave directory (relative paths in provider blocks)
	Vars        VarInputs // sensitive variables are supplied again here
	Parallelism int
	// TrustRoot, when set, pins the approvers the applying machine trusts.
	TrustRoot *plans.TrustRoot
	// Now is the gate's clock (zero: the real one).
	Now time.Time
	// Stop, when done, starts no new change (a first Ctrl-C): what is in flight goes on
	// under Apply's own context, which a second Ctrl-C cancels.
	Stop context.Context
}

// Applier is a saved plan made ready to apply. PrepareApply reads the state and the supplied
// variables and builds the gate's input from trusted sources only, without evaluating the
// plan's configuration or contacting any device; Connect, called only once the gate passed,
// evaluates the snapshot, configures providers, reads the changed resources again and
// re-derives the plan.
type Applier struct {
	e       *Engine
	plan    *plans.Plan
	opts    ApplyOptions
	backend state.Backend
	st      *state.State
	st0     *state.State // the state as read, for re-deriving the plan
	loader  *config.Loader
	cfg     *config.Config
	vars    map[string]cty.Value
	ev      *evaluator
	ps      *providerSet
	current map[string]providers.Object

	// Gate is the gate's input, every field from trusted sources; Connect adds WorldChanged
	// and Rederived.
	Gate plans.GateInput
	// WorldChanged lists, for resources the plan changes, how what is there now differs from
	// what the plan saw ("addr: attr: before -> now"). The gate refuses when it is not empty.
	WorldChanged []string
	// Rederived lists how the plan re-derived from its snapshot differs from the file.
	Rederived []string
	// SensitiveVars are the sensitive variables supplied again, as the JSON the plan hashed.
	SensitiveVars map[string]any
	// Verified: the gate's checks that need no evaluation passed and Connect ran; Apply runs
	// only then.
	Verified bool
	// StateLineage and StateSerial are the state as apply found it ("" lineage: no state yet).
	StateLineage string
	StateSerial  uint64

	stateMu sync.Mutex
	gen     uint64 // state mutations so far (under stateMu)

	writeMu   sync.Mutex
	writeCond *sync.Cond
	writing   bool
	written   uint64 // the generation last written
	writeErr  error

	valMu  sync.Mutex
	values map[string]map[string]any // instance address → attributes after apply (clear)
	sens   map[string]map[string]bool
}

// loadPlanConfig loads a saved plan's configuration snapshot (never the working tree) with
// env() and the provider-block files pinned to what the plan recorded.
func (e *Engine) loadPlanConfig(p *plans.Plan, dir string) (*config.Loader, *config.Config, hcl.Diagnostics) {
	l := config.NewLoader(config.SnapshotSource(p.Files))
	l.Pinned = &config.Pins{Env: p.Env, Files: p.PinnedFiles, Dir: dir, Match: plans.MatchesSensitiveValue}
	return e.load(l)
}

// PrepareApply reads the state (the caller holds its lock) and the variables supplied again,
// and fills Gate from them. The plan's configuration snapshot is parsed (its variable
// declarations give the supplied values their types) but nothing in it is evaluated, and no
// device is contacted.
func (e *Engine) PrepareApply(ctx context.Context, backend state.Backend, p *plans.Plan, opts ApplyOptions) (*Applier, hcl.Diagnostics, error) {
	loader, cfg, diags := e.loadPlanConfig(p, opts.Dir)
	if diags.HasErrors() {
		return nil, diags, nil
	}
	supplied, d := resolveVars(cfg, opts.Vars)
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, diags, nil
	}
	a := &Applier{e: e, plan: p, opts: opts, backend: backend, loader: loader, cfg: cfg, values: map[string]map[string]any{}, sens: map[string]map[string]bool{}, SensitiveVars: map[string]any{}}
	vars, err := planVars(cfg, p, nil)
	if err != nil {
		return nil, diags, err
	}
	for name, pv := range p.Variables {
		decl := cfg.Variables[name]
		if decl == nil || !pv.Sensitive {
			continue
		}
		v, ok := supplied[name]
		if !ok && decl.Default != cty.NilVal {
			// It took its default at plan; it takes it again (the hash check still runs).
			v, ok = decl.Default, true
		}
		if !ok {
			continue // the gate reports it missing
		}
		cv, err := convertVar(v, decl)
		if err == nil {
			vars[name] = cv
			if b, err := ctyjson.Marshal(cv, cv.Type()); err == nil {
				var pv any
				_ = json.Unmarshal(b, &pv)
				a.SensitiveVars[name] = pv
			}
		}
	}
	a.vars = vars
	st, found, err := backend.Read()
	if err != nil {
		return nil, diags, err
	}
	a.st0 = st.DeepCopy()
	if st.Enclave == "" {
		st.Enclave = cfg.Enclave.Name
	}
	a.st, a.StateLineage, a.StateSerial = st, st.Lineage, st.Serial
	if !found {
		a.StateLineage = ""
		a.st0.Lineage = ""
	}
	in, err := e.trustedGateInput(backend, a.st0, found, p, opts)
	if err != nil {
		return nil, diags, err
	}
	in.SensitiveVars = a.SensitiveVars
	a.Gate = in
	return a, diags, nil
}

// Connect evaluates the plan's snapshot, configures the providers it needs, reads again every
// resource the plan changes and re-derives the plan offline from the snapshot, the recorded
// observations and the state, filling WorldChanged and Rederived (and Gate's copies). Call
// it only after the gate passed on Gate: it sends credentials to devices.
func (a *Applier) Connect(ctx context.Context) error {
	e, p, st := a.e, a.plan, a.st
	a.ev = newEvaluator(a.cfg, a.loader, a.vars, &applyHooks{a: a}, e.IsResourceType)
	a.ps = newProviderSet(e, a.cfg, a.ev.root, a.opts.Dir)

	a.Rederived = a.rederive(ctx)
	a.Gate.Rederived = a.Rederived
	if len(a.Rederived) > 0 {
		return nil // refused: nothing in the file can be trusted enough to connect with
	}

	// Read again what the plan changes and compare with what it saw.
	var reqs []*state.Resource
	for _, c := range p.Changes {
		if c.Mode != "managed" || c.Action == plans.NoOp || c.Action == plans.Create && p.Observed[c.Addr] == nil {
			continue
		}
		if r := st.Resource(c.Addr); r != nil {
			reqs = append(reqs, r)
		}
	}
	cur, err := e.refreshAll(ctx, a.ps, reqs)
	if err != nil {
		a.ps.close()
		return err
	}
	a.current = cur
	for _, c := range p.Changes {
		if c.Mode != "managed" || c.Action == plans.NoOp {
			continue
		}
		saw, had := p.Observed[c.Addr]
		now := cur[c.Addr]
		rs := e.resourceSchema(c.Type)
		if rs == nil {
			continue
		}
		switch {
		case had && now == nil && st.Resource(c.Addr) != nil:
			a.WorldChanged = append(a.WorldChanged, fmt.Sprintf("%s: it was there at plan and is gone now", c.Addr))
		case had && now != nil:
			for _, d := range diffObjects(&rs.Schema, providers.Conform(&rs.Schema, toPlainMap(saw)), providers.Conform(&rs.Schema, now), nil).diffs {
				a.WorldChanged = append(a.WorldChanged, fmt.Sprintf("%s: %s was %s at plan and is %s now", c.Addr, d.Path, show(d.Before, d.Sensitive), show(d.After, d.Sensitive)))
			}
		}
	}
	a.Gate.WorldChanged = a.WorldChanged
	a.Verified = true
	return nil
}

func convertVar(v cty.Value, decl *config.Variable) (cty.Value, error) {
	return convertTo(v, decl.Type)
}

func show(v any, sensitive bool) string {
	if sensitive {
		return plans.Sensitive
	}
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// toPlainMap normalizes a value read back from JSON (float64 numbers) to plain form.
func toPlainMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	v := normalizeForJSON(m)
	out, _ := v.(map[string]any)
	return out
}

// stateResource reads one resource of the state being applied; commit changes it
// concurrently, so it reads under the state lock. Its attributes are not changed in place
// (commit replaces whole resources), so the returned value stays valid.
func (a *Applier) stateResource(addr string) *state.Resource {
	a.stateMu.Lock()
	defer a.stateMu.Unlock()
	return a.st.Resource(addr)
}

// Close releases provider sessions.
func (a *Applier) Close() {
	if a.ps != nil {
		a.ps.close()
	}
}

// ResourceResult is what happened to one resource instance.
type ResourceResult struct {
	Addr      string        `json:"address"`
	Action    plans.Action  `json:"action"`
	Error     string        `json:"error,omitempty"`
	Skipped   bool          `json:"skipped,omitempty"`
	Cause     string        `json:"cause,omitempty"` // the failed resource a skipped one waited for
	Uncertain bool          `json:"uncertain,omitempty"`
	Duration  time.Duration `json:"duration_ns,omitempty"`
}

// ApplyResult sums up an apply. Every change of the plan is in Results exactly once:
// applied, failed, or skipped (a dependency failed, or the apply was interrupted before it
// started).
type ApplyResult struct {
	Results     []ResourceResult
	Failed      int
	Skipped     int
	Changed     int
	Interrupted bool
}

type applyHooks struct{ a *Applier }

func (h *applyHooks) resourceInstance(s *scope, r *config.Resource, key instanceKey) (cty.Value, hcl.Diagnostics) {
	addr := s.prefix() + r.Addr() + key.String()
	var schema *providers.Schema
	if r.Mode == config.DataMode {
		schema = h.a.e.dataSchema(r.Type)
	} else {
		schema = &h.a.e.resourceSchema(r.Type).Schema
	}
	h.a.valMu.Lock()
	attrs, ok := h.a.values[addr]
	sens := h.a.sens[addr]
	h.a.valMu.Unlock()
	var tags map[string]string
	if !ok {
		c := h.a.change(addr)
		switch sr := h.a.stateResource(addr); {
		case c != nil && c.Action != plans.NoOp && c.Action != plans.Delete && c.After != nil:
			// Not applied yet: only a member of the same device transaction asks, and what
			// the plan knew (names, addresses from configuration) is what it needs.
			attrs = toPlainMap(c.After)
			for k, v := range attrs {
				if v == plans.Sensitive {
					attrs[k] = unknownValue
				}
			}
			for _, k := range c.AfterUnknown {
				attrs[k] = unknownValue
			}
		case sr != nil:
			attrs, tags = sr.Attributes, sr.Tags
		default:
			attrs = map[string]any{"id": unknownValue}
			for k := range schema.Attributes {
				attrs[k] = unknownValue
			}
		}
	}
	if c := h.a.change(addr); c != nil {
		tags = c.Tags
	}
	return objectValue(schema, attrs, sens, tags), nil
}

func (h *applyHooks) allOfType(typ string) (cty.Value, hcl.Diagnostics) {
	m := map[string]cty.Value{}
	rs := h.a.e.resourceSchema(typ)
	for _, c := range h.a.plan.Changes {
		if c.Type != typ || c.Mode != "managed" || c.Action == plans.Delete {
			continue
		}
		h.a.valMu.Lock()
		attrs, ok := h.a.values[c.Addr]
		h.a.valMu.Unlock()
		if !ok {
			if sr := h.a.stateResource(c.Addr); sr != nil {
				attrs = sr.Attributes
			}
		}
		m[c.Addr] = objectValue(&rs.Schema, attrs, nil, c.Tags)
	}
	if len(m) == 0 {
		return cty.EmptyObjectVal, nil
	}
	return cty.ObjectVal(m), nil
}

func (a *Applier) change(addr string) *plans.ResourceChange {
	i := sort.Search(len(a.plan.Changes), func(i int) bool { return a.plan.Changes[i].Addr >= addr })
	if i < len(a.plan.Changes) && a.plan.Changes[i].Addr == addr {
		return &a.plan.Changes[i]
	}
	for i := range a.plan.Changes {
		if a.plan.Changes[i].Addr == addr {
			return &a.plan.Changes[i]
		}
	}
	return nil
}

// Apply walks the plan's changes in dependency order, in parallel up to the bound. Deletes
// run after what depended on the deleted object; each transactional provider instance (a Junos
// device) gets one vertex holding all of its changes. State is written after every resource.
func (a *Applier) Apply(ctx context.Context) (*ApplyResult, error) {
	if !a.Verified || len(a.Rederived) > 0 || len(a.WorldChanged) > 0 {
		return nil, fmt.Errorf("the plan did not pass the gate; nothing was applied")
	}
	p := a.plan
	// A plan that changes something is spent from its first state write on: it is never
	// applied twice. (Applying one that changes nothing writes nothing.)
	if p.HasChanges() {
		a.stateMu.Lock()
		a.st.Applied = append(a.st.Applied, state.AppliedPlan{Digest: p.Digest, At: a.Gate.Now.UTC()})
		// The first apply's rules are in force from its first state write: they approved it,
		// and a first apply that fails part-way must not leave a state without rules (the
		// next plan would take them from the configuration again).
		if p.RulesSource == "config" && p.Rules != nil {
			if err := recordRules(a.st, p, p.Rules, a.Gate.Now); err != nil {
				a.stateMu.Unlock()
				return nil, err
			}
		}
		a.stateMu.Unlock()
	}
	sort.Slice(p.Changes, func(i, j int) bool { return p.Changes[i].Addr < p.Changes[j].Addr })
	g, members := applyGraph(a.e, p.Changes)
	par := a.opts.Parallelism
	if par <= 0 {
		par = 10
	}
	res := &ApplyResult{}
	var resMu sync.Mutex
	record := func(r ResourceResult) {
		resMu.Lock()
		res.Results = append(res.Results, r)
		resMu.Unlock()
	}
	// The walk starts vertices under stop (cancelled by ctx too); each vertex's device calls
	// run under ctx, so a first interrupt lets them finish and a second one ends them.
	stop, cancelStop := context.WithCancel(ctx)
	defer cancelStop()
	if a.opts.Stop != nil {
		defer context.AfterFunc(a.opts.Stop, cancelStop)()
	}
	walk, err := g.Walk(stop, par, func(_ context.Context, v string) error {
		ms := members[v]
		if strings.HasPrefix(v, "txn:") {
			return a.applyTransaction(ctx, strings.TrimPrefix(v, "txn:"), ms, record)
		}
		return a.applyOne(ctx, ms[0], record)
	})
	if err != nil {
		return nil, err
	}
	for v, r := range walk {
		if r.Cancelled {
			res.Interrupted = true
		}
		if r.Skipped {
			for _, c := range members[v] {
				if c.Action == plans.NoOp || c.Action == plans.Read {
					continue
				}
				record(ResourceResult{Addr: c.Addr, Action: c.Action, Skipped: true, Cause: r.Cause})
			}
		}
	}
	if stop.Err() != nil {
		res.Interrupted = true
	}
	sort.Slice(res.Results, func(i, j int) bool { return res.Results[i].Addr < res.Results[j].Addr })
	for _, r := range res.Results {
		switch {
		case r.Skipped:
			res.Skipped++
		case r.Error != "":
			res.Failed++
		default:
			res.Changed++
		}
	}
	// Outputs and the approval rules are recorded once everything went through.
	if res.Failed == 0 && res.Skipped == 0 {
		a.ev.mu.Lock()
		outs := map[string]state.Output{}
		for _, k := range keysOf(a.cfg.Outputs) {
			v, _ := a.ev.root.value("output." + k)
			ov := outputValue(v, a.cfg.Outputs[k].Sensitive)
			if ov.Sensitive {
				// Clear here; the backend hashes it, reusing the old hash when unchanged.
				uv, _ := v.UnmarkDeep()
				pv, _ := plain(uv)
				outs[k] = state.Output{Value: pv, Sensitive: true}
			} else if !ov.Unknown {
				outs[k] = state.Output{Value: ov.Value}
			}
		}
		a.ev.mu.Unlock()
		a.stateMu.Lock()
		a.st.Outputs = outs
		var werr error
		if rules := p.RulesChange; rules != nil {
			werr = recordRules(a.st, p, rules, a.Gate.Now)
		} else if p.RulesSource == "config" && len(a.st.ApprovalChain) == 0 && p.Rules != nil {
			werr = recordRules(a.st, p, p.Rules, a.Gate.Now) // a first apply that changed nothing
		}
		if werr == nil {
			_, werr = a.backend.Write(a.st)
		}
		a.stateMu.Unlock()
		if werr != nil {
			return res, werr
		}
	}
	a.writeMu.Lock()
	werr := a.writeErr
	a.writeMu.Unlock()
	if werr != nil {
		return res, fmt.Errorf("state could not be written, so it may not record everything the gear now has: %w", werr)
	}
	return res, nil
}

// desired re-evaluates one instance's configuration with everything it depends on now known.
func (a *Applier) desired(c *plans.ResourceChange) (map[string]any, map[string]bool, error) {
	a.ev.mu.Lock()
	defer a.ev.mu.Unlock()
	s, r, key, err := a.locate(c.Addr)
	if err != nil {
		return nil, nil, err
	}
	var schema *providers.Schema
	if r.Mode == config.DataMode {
		schema = a.e.dataSchema(r.Type)
	} else {
		schema = &a.e.resourceSchema(r.Type).Schema
	}
	d, sens, _, diags := desiredOf(a.e, s, r, key, schema)
	if diags.HasErrors() {
		return nil, nil, diagError{diags}
	}
	if containsUnknown(d) {
		return nil, nil, fmt.Errorf("%s: the configuration still has values unknown at apply (an upstream resource did not produce them)", c.Addr)
	}
	return d, sens, nil
}

// locate finds the scope, resource block and instance key of an instance address. The
// caller holds a.ev.mu.
func (a *Applier) locate(addr string) (*scope, *config.Resource, instanceKey, error) {
	parts := splitAddr(addr)
	s := a.ev.root
	i := 0
	for i+1 < len(parts) && parts[i] == "module" {
		name, idx := splitIndex(parts[i+1])
		scopes, diags := s.moduleScopes(name)
		if diags.HasErrors() {
			return nil, nil, instanceKey{}, diagError{diags}
		}
		found := false
		for _, cs := range scopes {
			if strings.HasSuffix(cs.path, "module."+name+idx) {
				s, found = cs, true
				break
			}
		}
		if !found {
			return nil, nil, instanceKey{}, fmt.Errorf("%s: module instance %s%s not in the configuration at apply", addr, name, idx)
		}
		i += 2
	}
	var r *config.Resource
	rest := parts[i:]
	if len(rest) == 3 && rest[0] == "data" {
		name, idx := splitIndex(rest[2])
		r = s.cfg.Data["data."+rest[1]+"."+name]
		rest = []string{rest[1], name + idx}
	} else if len(rest) == 2 {
		name, _ := splitIndex(rest[1])
		r = s.cfg.Resources[rest[0]+"."+name]
	}
	if r == nil || len(rest) != 2 {
		return nil, nil, instanceKey{}, fmt.Errorf("%s is not in the plan's configuration", addr)
	}
	_, idx := splitIndex(rest[1])
	keys, diags := s.resourceKeys(r)
	if diags.HasErrors() {
		return nil, nil, instanceKey{}, diagError{diags}
	}
	for _, k := range keys {
		if k.String() == idx {
			return s, r, k, nil
		}
	}
	return nil, nil, instanceKey{}, fmt.Errorf("%s: instance %s no longer expands from the configuration", addr, idx)
}

func splitIndex(s string) (string, string) {
	if i := strings.IndexByte(s, '['); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// plannedChange builds the provider change for one resource from the re-evaluated config.
func (a *Applier) plannedChange(c *plans.ResourceChange) (providers.Change, map[string]bool, error) {
	rs := a.e.resourceSchema(c.Type)
	ch := providers.Change{Addr: c.Addr, Type: c.Type, Action: providers.Action(c.Action.String())}
	var cur map[string]any
	if c.Action != plans.Create {
		cur = a.current[c.Addr]
		if cur == nil {
			if sr := a.stateResource(c.Addr); sr != nil {
				cur = sr.Attributes
			}
		}
		ch.Prior = providers.Copy(cur)
	}
	if c.Action == plans.Delete {
		return ch, nil, nil
	}
	d, sens, err := a.desired(c)
	if err != nil {
		return ch, nil, err
	}
	ignore := map[string]bool{}
	a.ev.mu.Lock()
	if _, r, _, err := a.locate(c.Addr); err == nil {
		ignore = ignoreSet(r)
	}
	a.ev.mu.Unlock()
	base := cur
	if c.Action == plans.Replace {
		base = nil
	}
	pl := planned(rs, d, providers.Conform(&rs.Schema, base), ignore)
	if err := a.checkAsPlanned(c, rs, pl, d, sens); err != nil {
		return ch, nil, err
	}
	for k, v := range pl {
		if isUnknown(v) {
			delete(pl, k)
		}
	}
	if c.Action == plans.Create || c.Action == plans.Replace {
		delete(pl, "id")
	}
	ch.Planned = providers.Conform(&rs.Schema, pl)
	return ch, sens, nil
}

// checkAsPlanned refuses when the configuration evaluates, for values the plan knew, to
// something other than what reviewers approved.
// Only what the configuration sets is compared: values the device computes (a SnapMirror
// lag) move on their own, and the gate's re-read already covers what the gear did.
func (a *Applier) checkAsPlanned(c *plans.ResourceChange, rs *providers.ResourceSchema, pl, desired map[string]any, sens map[string]bool) error {
	masked := maskObject(&rs.Schema, conformPlanned(&rs.Schema, pl), sens)
	var diffs []string
	for k, want := range c.After {
		if k == "id" {
			continue
		}
		if v, set := desired[k]; !set || v == nil {
			continue
		}
		got := masked[k]
		if want == plans.Sensitive || got == plans.Sensitive {
			continue
		}
		if !equalPlain(normalizeForJSON(want), normalizeForJSON(got)) {
			diffs = append(diffs, k)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return fmt.Errorf("%s: at apply the configuration gives other values than the approved plan for %s; make a new plan", c.Addr, strings.Join(diffs, ", "))
	}
	return nil
}

// stateMutation is one instance's new record: obj nil removes it from state.
type stateMutation struct {
	c      *plans.ResourceChange
	obj    providers.Object
	sens   map[string]bool
	status string
}

// commit records an instance's new attributes in state and writes it.
func (a *Applier) commit(c *plans.ResourceChange, obj providers.Object, sens map[string]bool, status string) error {
	return a.commitMany([]stateMutation{{c: c, obj: obj, sens: sens, status: status}})
}

// commitMany records several instances in one state mutation and returns once it is on disk.
func (a *Applier) commitMany(ms []stateMutation) error {
	if len(ms) == 0 {
		return nil
	}
	a.valMu.Lock()
	for _, m := range ms {
		if m.obj == nil {
			delete(a.values, m.c.Addr)
		} else {
			rs := a.e.resourceSchema(m.c.Type)
			a.values[m.c.Addr] = providers.Conform(&rs.Schema, m.obj)
			a.sens[m.c.Addr] = m.sens
		}
	}
	a.valMu.Unlock()
	a.stateMu.Lock()
	for _, m := range ms {
		c := m.c
		if m.obj == nil {
			a.st.Remove(c.Addr)
			continue
		}
		rs := a.e.resourceSchema(c.Type)
		var prev map[string]any
		if old := a.st.Resource(c.Addr); old != nil {
			prev = old.Attributes
		}
		a.st.Set(&state.Resource{Addr: c.Addr, Mode: "managed", Type: c.Type, Provider: c.Provider,
			Attributes: hashSensitive(&rs.Schema, providers.Conform(&rs.Schema, m.obj), m.sens, prev), Dependencies: c.DependsOn, Tags: c.Tags, Status: m.status})
	}
	a.gen++
	mine := a.gen
	a.stateMu.Unlock()
	return a.persist(mine)
}

// persist returns once state generation gen is on disk. Writes are group commits: a resource
// finishing while another's write is in flight waits for it, then one write carries every
// change made meanwhile. Each resource is durable before its apply step returns, yet a wide
// apply costs about one write per wave of completions rather than one per resource (each
// write is O(state size), so one per resource would make an apply quadratic).
func (a *Applier) persist(gen uint64) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	if a.writeCond == nil {
		a.writeCond = sync.NewCond(&a.writeMu)
	}
	for a.written < gen {
		if a.writeErr != nil {
			return a.writeErr
		}
		if a.writing {
			a.writeCond.Wait()
			continue
		}
		a.writing = true
		a.writeMu.Unlock()
		a.stateMu.Lock()
		upto := a.gen
		faultpoint.Hit("state.write")
		_, err := a.backend.Write(a.st)
		faultpoint.Hit("state.written")
		a.stateMu.Unlock()
		a.writeMu.Lock()
		a.writing = false
		if err != nil {
			a.writeErr = err
		} else {
			a.written = upto
		}
		a.writeCond.Broadcast()
	}
	return a.writeErr
}

func (a *Applier) applyOne(ctx context.Context, c *plans.ResourceChange, record func(ResourceResult)) error {
	start := time.Now()
	switch c.Action {
	case plans.NoOp:
		return nil
	case plans.Read:
		return a.readData(ctx, c)
	}
	result := ResourceResult{Addr: c.Addr, Action: c.Action}
	fail := func(err error) error {
		result.Error = err.Error()
		result.Duration = time.Since(start)
		record(result)
		a.e.progress(c.Addr, "failed: "+firstLine(err.Error()))
		return err
	}
	if c.Action == plans.Delete && a.current[c.Addr] == nil && a.plan.Observed[c.Addr] == nil {
		// Already gone from the device: only state forgets it.
		if err := a.commit(c, nil, nil, ""); err != nil {
			return fail(err)
		}
		record(result)
		return nil
	}
	ch, sens, err := a.plannedChange(c)
	if err != nil {
		return fail(err)
	}
	p, err := a.ps.get(ctx, c.Provider)
	if err != nil {
		return fail(err)
	}
	steps := []providers.Change{ch}
	if c.Action == plans.Replace {
		del := ch
		del.Action, del.Planned = providers.Delete, nil
		cre := ch
		cre.Action, cre.Prior = providers.Create, nil
		steps = []providers.Change{del, cre}
	}
	for _, step := range steps {
		if step.Action == providers.Create {
			// Intent before effect: state records what is about to be created, so a crash
			// between the call and its result leaves something the next plan resolves.
			if err := a.commit(c, step.Planned, sens, state.StatusCreating); err != nil {
				return fail(fmt.Errorf("recording the intent to create it: %w", err))
			}
		}
		a.e.progress(c.Addr, verb(step.Action)+"...")
		faultpoint.Hit("apply.call")
		rs := p.Apply(ctx, []providers.Change{step}, a.e.Progress)
		faultpoint.Hit("apply.returned")
		if len(rs) != 1 {
			return fail(fmt.Errorf("provider returned %d results for one change", len(rs)))
		}
		r := cutShort(ctx, rs[0])
		switch {
		case r.Uncertain:
			err := fmt.Errorf("outcome unknown: %w", orErr(r.Err))
			if cerr := a.commit(c, orPrior(r.New, step), sens, state.StatusUncertain); cerr != nil {
				err = fmt.Errorf("%w; and recording that in state failed: %w", err, cerr)
			}
			result.Uncertain = true
			return fail(err)
		case r.Err != nil:
			err := r.Err
			var cerr error
			switch {
			case r.New != nil:
				// Partly done (created, then failed to power on): state says what is there.
				cerr = a.commit(c, r.New, sens, "")
			case step.Action == providers.Create:
				// Refused: the intent goes (and for a replace, the old one is gone already).
				// If something with its identity is there, it is not this enclave's.
				cerr = a.commit(c, nil, nil, "")
				err = a.collisionHint(ctx, c, step, err)
			}
			if cerr != nil {
				err = fmt.Errorf("%w; and recording that in state failed: %w", err, cerr)
			}
			return fail(err)
		}
		if step.Action == providers.Delete {
			if err := a.commit(c, nil, nil, ""); err != nil {
				return fail(err)
			}
			continue
		}
		if err := a.commit(c, r.New, sens, ""); err != nil {
			return fail(err)
		}
	}
	result.Duration = time.Since(start)
	record(result)
	a.e.progress(c.Addr, fmt.Sprintf("%s in %s", pastVerb(c.Action), result.Duration.Round(time.Millisecond)))
	return nil
}

// applyGraph is the order apply runs a plan's changes in: one vertex per change, except that
// every change of one transactional provider instance (a Junos device) shares a vertex, the
// device's one transaction; an edge per dependency (reversed between two deletes: dependents
// go first). Plan builds it too and refuses a plan whose graph has a cycle, so an approved
// plan never fails at apply for an order the plan could have checked.
func applyGraph(e *Engine, changes []plans.ResourceChange) (*graph.Graph, map[string][]*plans.ResourceChange) {
	schemas := e.providerSchemas()
	vertexOf := map[string]string{}
	members := map[string][]*plans.ResourceChange{}
	byAddr := map[string]*plans.ResourceChange{}
	for i := range changes {
		c := &changes[i]
		byAddr[c.Addr] = c
		v := c.Addr
		if c.Mode == "managed" {
			if ps := schemas[config.ResourceProviderType(c.Type)]; ps != nil && ps.Transactional {
				v = "txn:" + c.Provider
			}
		}
		vertexOf[c.Addr] = v
		members[v] = append(members[v], c)
	}
	g := graph.New()
	for v := range members {
		g.Add(v)
	}
	for i := range changes {
		c := &changes[i]
		from := vertexOf[c.Addr]
		for _, d := range c.DependsOn {
			to, ok := vertexOf[d]
			if !ok || to == from {
				continue
			}
			dc := byAddr[d]
			if c.Action == plans.Delete {
				// Delete dependents first: the dependency waits for this delete.
				if dc != nil && dc.Action == plans.Delete {
					g.Connect(to, from)
				}
				continue
			}
			if dc != nil && dc.Action == plans.Delete {
				continue
			}
			g.Connect(from, to)
		}
	}
	return g, members
}

// cutShort makes a failure that came from the apply being cut short (a second interrupt
// cancelled ctx while the call was in flight) an uncertain outcome: the device may well have
// done it, and the next plan must read the truth rather than believe nothing happened.
func cutShort(ctx context.Context, r providers.ChangeResult) providers.ChangeResult {
	if r.Err != nil && ctx.Err() != nil {
		r.Uncertain = true
		r.Err = fmt.Errorf("%w (the apply was interrupted while this was in flight)", r.Err)
	}
	return r
}

// collisionHint adds to a refused create, when an object with its identity exists on the
// device, that it is not this enclave's and how to adopt it. It is never adopted here.
func (a *Applier) collisionHint(ctx context.Context, c *plans.ResourceChange, step providers.Change, err error) error {
	found, ferr := a.e.refreshAll(ctx, a.ps, []*state.Resource{{Addr: c.Addr, Mode: "managed", Type: c.Type, Provider: c.Provider, Attributes: step.Planned}})
	if ferr != nil || found[c.Addr] == nil {
		return err
	}
	hit := *c
	hit.AlreadyExists = providers.String(found[c.Addr], "id")
	return fmt.Errorf("%w\n%s %s", err, c.Addr, plans.CollisionNote(hit))
}

func orPrior(o providers.Object, ch providers.Change) providers.Object {
	if o != nil {
		return o
	}
	if ch.Planned != nil {
		return ch.Planned
	}
	return ch.Prior
}

func orErr(err error) error {
	if err == nil {
		return fmt.Errorf("connection lost")
	}
	return err
}

func verb(a providers.Action) string {
	switch a {
	case providers.Create:
		return "creating"
	case providers.Delete:
		return "deleting"
	}
	return "updating"
}

func pastVerb(a plans.Action) string {
	switch a {
	case plans.Create:
		return "created"
	case plans.Delete:
		return "deleted"
	case plans.Replace:
		return "replaced"
	}
	return "updated"
}

// readData reads a data source whose arguments were unknown at plan; known ones reuse the
// plan's result.
func (a *Applier) readData(ctx context.Context, c *plans.ResourceChange) error {
	if len(c.AfterUnknown) == 0 && c.After != nil {
		a.valMu.Lock()
		a.values[c.Addr] = toPlainMap(c.After)
		a.valMu.Unlock()
		return nil
	}
	args, _, err := a.desired(c)
	if err != nil {
		return err
	}
	p, err := a.ps.get(ctx, c.Provider)
	if err != nil {
		return err
	}
	res, err := p.ReadData(ctx, []providers.DataRequest{{Addr: c.Addr, Type: c.Type, Args: args}})
	if err == nil && (len(res) != 1 || res[0].Err != nil) {
		if len(res) == 1 {
			err = res[0].Err
		} else {
			err = fmt.Errorf("provider returned %d results", len(res))
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.Addr, err)
	}
	a.valMu.Lock()
	a.values[c.Addr] = res[0].Result
	a.valMu.Unlock()
	return nil
}

// applyTransaction hands every change of one transactional provider instance to it at once.
func (a *Applier) applyTransaction(ctx context.Context, key string, ms []*plans.ResourceChange, record func(ResourceResult)) error {
	start := time.Now()
	var changes []providers.Change
	var cs []*plans.ResourceChange
	var sens []map[string]bool
	for _, c := range ms {
		if c.Action == plans.NoOp || c.Action == plans.Read {
			continue
		}
		ch, s, err := a.plannedChange(c)
		if err != nil {
			for _, c2 := range ms {
				if c2.Action != plans.NoOp && c2.Action != plans.Read {
					record(ResourceResult{Addr: c2.Addr, Action: c2.Action, Error: err.Error()})
				}
			}
			return err
		}
		changes, cs, sens = append(changes, ch), append(cs, c), append(sens, s)
	}
	if len(changes) == 0 {
		return nil
	}
	p, err := a.ps.get(ctx, key)
	if err != nil {
		for _, c := range cs {
			record(ResourceResult{Addr: c.Addr, Action: c.Action, Error: err.Error()})
		}
		return err
	}
	var intents []stateMutation
	for i, ch := range changes {
		if ch.Action == providers.Create {
			intents = append(intents, stateMutation{c: cs[i], obj: ch.Planned, sens: sens[i], status: state.StatusCreating})
		}
	}
	if err := a.commitMany(intents); err != nil {
		for _, c := range cs {
			record(ResourceResult{Addr: c.Addr, Action: c.Action, Error: "recording the intent to create: " + err.Error()})
		}
		return err
	}
	a.e.progress(key, fmt.Sprintf("one transaction for %d changes...", len(changes)))
	// The device reports its transaction steps; they are the device's, not one resource's.
	faultpoint.Hit("apply.txn-call")
	results := p.Apply(ctx, changes, func(_, msg string) { a.e.progress(key, msg) })
	faultpoint.Hit("apply.txn-returned")
	// Every result of the transaction goes to state in one write: a device transaction is
	// all or nothing, and so is its record (a crash after the commit must not leave state
	// knowing 4 of 20 objects the device now has).
	var firstErr error
	rrs := make([]ResourceResult, len(cs))
	var muts []stateMutation
	for i, c := range cs {
		r := providers.ChangeResult{Err: fmt.Errorf("provider returned no result")}
		if i < len(results) {
			r = cutShort(ctx, results[i])
		}
		rrs[i] = ResourceResult{Addr: c.Addr, Action: c.Action, Duration: time.Since(start)}
		switch {
		case r.Uncertain:
			muts = append(muts, stateMutation{c: c, obj: orPrior(r.New, changes[i]), sens: sens[i], status: state.StatusUncertain})
			rrs[i].Uncertain = true
			rrs[i].Error = "outcome unknown: " + orErr(r.Err).Error()
		case r.Err != nil:
			rrs[i].Error = r.Err.Error()
			if changes[i].Action == providers.Create {
				muts = append(muts, stateMutation{c: c}) // rolled back: the intent goes
			}
		case c.Action == plans.Delete:
			muts = append(muts, stateMutation{c: c})
		default:
			muts = append(muts, stateMutation{c: c, obj: r.New, sens: sens[i]})
		}
	}
	if err := a.commitMany(muts); err != nil {
		for i := range rrs {
			if rrs[i].Error == "" {
				rrs[i].Error = "applied on the device, but recording it in state failed: " + err.Error()
			} else {
				rrs[i].Error += "; and recording that in state failed: " + err.Error()
			}
		}
	}
	for i, c := range cs {
		if rrs[i].Error != "" && firstErr == nil {
			firstErr = fmt.Errorf("%s: %s", c.Addr, rrs[i].Error)
		}
		record(rrs[i])
	}
	if firstErr == nil {
		a.e.progress(key, fmt.Sprintf("committed %d changes in %s", len(changes), time.Since(start).Round(time.Millisecond)))
	}
	return firstErr
}
