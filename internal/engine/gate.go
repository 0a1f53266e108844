package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// RulesInForce returns the approval rules in force for st: the last link of its verified
// rules chain, or the rules a state written before the chain recorded (taken as they are, and
// checked against trust when given). nil means the state has none: a first apply.
func RulesInForce(st *state.State, trust *plans.TrustRoot) (*plans.ApprovalRules, error) {
	chain, err := rulesChain(st)
	if err != nil {
		return nil, err
	}
	if len(chain) > 0 {
		rules, err := plans.VerifyChain(chain, trust)
		if err != nil {
			return nil, err
		}
		if len(st.Approval) > 0 {
			var recorded plans.ApprovalRules
			if json.Unmarshal(st.Approval, &recorded) != nil || !plans.SameRules(&recorded, rules) {
				return nil, &plans.ChainError{Link: len(chain), Reason: "the rules in force recorded in state are not the last rule set of the chain"}
			}
		}
		return rules, nil
	}
	if len(st.Approval) == 0 {
		return nil, nil
	}
	var legacy plans.ApprovalRules
	if err := json.Unmarshal(st.Approval, &legacy); err != nil {
		return nil, fmt.Errorf("the approval rules recorded in state cannot be read: %w", err)
	}
	if trust != nil {
		if err := trust.Check(&legacy); err != nil {
			return nil, &plans.ChainError{Link: 1, Reason: err.Error()}
		}
	}
	return &legacy, nil
}

func rulesChain(st *state.State) (plans.RulesChain, error) {
	if len(st.ApprovalChain) == 0 {
		return nil, nil
	}
	var chain plans.RulesChain
	dec := json.NewDecoder(bytes.NewReader(st.ApprovalChain))
	dec.UseNumber()
	if err := dec.Decode(&chain); err != nil {
		return nil, &plans.ChainError{Link: 1, Reason: "the chain cannot be read: " + err.Error()}
	}
	return chain, nil
}

// recordRules appends the link that applying p installs rules by, and records rules as the
// rules in force. A state written before the chain gets its old rules as a first, legacy link.
func recordRules(st *state.State, p *plans.Plan, rules *plans.ApprovalRules, at time.Time) error {
	chain, err := rulesChain(st)
	if err != nil {
		return err
	}
	if len(chain) == 0 && len(st.Approval) > 0 {
		var legacy plans.ApprovalRules
		if err := json.Unmarshal(st.Approval, &legacy); err != nil {
			return err
		}
		chain = append(chain, plans.RuleSet{Rules: &legacy, Legacy: true, InstalledAt: at.UTC()})
	}
	link, err := plans.NewRuleSet(p, rules, at)
	if err != nil {
		return err
	}
	chain = append(chain, link)
	cb, err := json.Marshal(chain)
	if err != nil {
		return err
	}
	rb, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	st.ApprovalChain, st.Approval = cb, rb
	return nil
}

// trustedGateInput fills the gate's input from the state, the backend's history and the
// enclave directory, never from the plan file.
func (e *Engine) trustedGateInput(b state.Backend, st *state.State, found bool, p *plans.Plan, opts ApplyOptions) (plans.GateInput, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	in := plans.GateInput{Plan: p, Now: now, StateLineage: st.Lineage, StateSerial: st.Serial, TrustRoot: opts.TrustRoot, AppliedAt: st.AppliedAt}
	if found {
		in.StateDigest = st.Digest()
		in.Enclave = st.Enclave
	}
	if in.Enclave == "" {
		name, err := config.EnclaveName(opts.Dir)
		if err != nil {
			return in, err
		}
		in.Enclave = name
	}
	rules, err := RulesInForce(st, opts.TrustRoot)
	if err != nil {
		return in, err
	}
	in.RulesInForce = rules
	if rules == nil {
		in.Wiped = wipedEvidence(b)
	}
	return in, nil
}

// wipedEvidence says what shows that an enclave whose state holds no rules was applied
// before: kept state generations, or applies in its audit log. "" when nothing does.
func wipedEvidence(b state.Backend) string {
	var ev []string
	if bs, err := b.Backups(); err == nil {
		// A kept generation that held rules: an import before the first apply leaves
		// generations without any, which prove nothing.
		n := 0
		for _, path := range bs {
			if raw, err := os.ReadFile(path); err == nil {
				if st, err := state.Decode(raw); err == nil && (len(st.Approval) > 0 || len(st.ApprovalChain) > 0) {
					n++
				}
			}
		}
		if n > 0 {
			ev = append(ev, fmt.Sprintf("%d kept state %s with approval rules", n, pluralWord(n, "generation", "generations")))
		}
	}
	if es, err := b.Audit().Entries(); err == nil {
		// A state written once is recorded when it is first made: an apply killed before its
		// first state write changed nothing, and is no evidence.
		var lineages []string
		for _, x := range es {
			if x.Kind == state.KindStateInit {
				lineages = append(lineages, fmt.Sprint(x.Details["lineage"]))
			}
		}
		if len(lineages) > 0 {
			ev = append(ev, fmt.Sprintf("the audit log records its state being made (lineage %s)", strings.Join(lineages, ", ")))
		}
	}
	return strings.Join(ev, ", ")
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WipedEvidence is wipedEvidence for the plan command's warning.
func WipedEvidence(b state.Backend) string { return wipedEvidence(b) }

// rederive is Rederive at apply: exact, with the supplied variables and the live, pinned
// env() values and provider files.
func (a *Applier) rederive(ctx context.Context) []string {
	diffs, err := a.e.rederive(ctx, a.plan, a.vars, false, a.opts.Dir)
	if err != nil {
		return []string{err.Error()}
	}
	return diffs
}

// RederiveResult is what re-deriving a saved plan without its secrets found.
type RederiveResult struct {
	// Differences are ways the file says something its own content does not give: the plan
	// was edited after it was made. Empty when it follows.
	Differences []string
	// Partial says that sensitive inputs were not available, so the parts of the plan that
	// depend on them were compared only as far as they can be without them.
	Partial bool
	// Incomplete, when set, says why the plan could not be re-derived at all here.
	Incomplete string
}

// Rederive plans p again from the file alone, as a reviewer's `show` and `approve` do: its
// snapshot, its variables, the prior state and observations it carries. Sensitive
// variables, env() values and provider-block files are not available to a reviewer: they
// stand in as unknown sensitive values, and an attribute the file records as known but that
// comes out unknown only because of them is not a difference. Apply re-derives exactly.
func (e *Engine) Rederive(ctx context.Context, p *plans.Plan) RederiveResult {
	_, cfg, diags := e.loadPlanConfig(p, "")
	if diags.HasErrors() {
		return RederiveResult{Differences: []string{"its configuration snapshot does not load: " + firstLine(diags.Error())}}
	}
	vars, err := planVars(cfg, p, nil)
	if err != nil {
		return RederiveResult{Incomplete: err.Error()}
	}
	partial := len(p.Env) > 0 || len(p.PinnedFiles) > 0
	for name, v := range p.Variables {
		if decl := cfg.Variables[name]; v.Sensitive && decl != nil {
			vars[name] = cty.UnknownVal(decl.Type).Mark(markSensitive)
			partial = true
		}
	}
	diffs, err := e.rederive(ctx, p, vars, partial, "")
	if err != nil {
		return RederiveResult{Incomplete: err.Error(), Partial: partial}
	}
	return RederiveResult{Differences: diffs, Partial: partial}
}

// rederive plans p again, offline, from what the file records: its snapshot (env() and
// provider-block files pinned, or placeholders when partial), vars, the prior state it
// carries and the observations and data-source results it recorded, and lists every way the
// result differs from what the file says. A difference means the file was edited after it
// was made (and re-digested): what reviewers are shown is not what its content does.
func (e *Engine) rederive(ctx context.Context, p *plans.Plan, vars map[string]cty.Value, partial bool, dir string) ([]string, error) {
	st := state.New("")
	st.Lineage = ""
	if len(p.PriorState) > 0 {
		prior, err := state.Decode(p.PriorState)
		if err != nil {
			return []string{"the prior state it carries is damaged: " + err.Error()}, nil
		}
		st = prior
	}
	if d := st.Digest(); d != p.State.Digest {
		return []string{fmt.Sprintf("the prior state it carries (%s) is not the state it records being made against (%s)", d, p.State.Digest)}, nil
	}
	loader, cfg, diags := e.loadPlanConfig(p, dir)
	if diags.HasErrors() {
		return []string{"its configuration snapshot does not load: " + firstLine(diags.Error())}, nil
	}
	if partial {
		loader.Pinned.Placeholder = func() cty.Value { return cty.UnknownVal(cty.String).Mark(markSensitive) }
	}
	opts := PlanOptions{Dir: dir, Targets: p.Targets, Refresh: p.Refreshed, Author: p.Author, Now: p.CreatedAt, replay: p}
	got, _, d, err := e.plan(ctx, loader, cfg, st, vars, opts)
	if err != nil {
		return nil, fmt.Errorf("it cannot be planned again: %w", err)
	}
	if d.HasErrors() {
		if partial {
			return nil, fmt.Errorf("it cannot be planned again without its sensitive inputs: %s", firstLine(d.Error()))
		}
		return []string{"planning it again fails: " + firstLine(d.Error())}, nil
	}
	return comparePlans(p, got, partial), nil
}

// planVars are the plan's variables as values of their declared types: the non-sensitive
// ones as recorded, the sensitive ones from supplied (when given).
func planVars(cfg *config.Config, p *plans.Plan, supplied map[string]cty.Value) (map[string]cty.Value, error) {
	vars := map[string]cty.Value{}
	for name, pv := range p.Variables {
		decl := cfg.Variables[name]
		if decl == nil {
			continue
		}
		if pv.Sensitive {
			if v, ok := supplied[name]; ok {
				vars[name] = v
			}
			continue
		}
		b, err := json.Marshal(pv.Value)
		if err != nil {
			return nil, err
		}
		v, err := ctyjson.Unmarshal(b, decl.Type)
		if err != nil {
			ty, terr := ctyjson.ImpliedType(b)
			if terr != nil {
				return nil, fmt.Errorf("variable %s in the plan: %w", name, err)
			}
			v, _ = ctyjson.Unmarshal(b, ty)
		}
		vars[name] = v
	}
	return vars, nil
}

// comparePlans lists how got (re-derived) differs from want (the file) in everything that
// decides or shows what apply does.
func comparePlans(want, got *plans.Plan, partial bool) []string {
	var out []string
	same := jsonEqual
	field := func(name string, a, b any) {
		if !same(a, b) {
			out = append(out, "its "+name+" are not what its configuration gives")
		}
	}
	if want.Enclave != got.Enclave {
		out = append(out, fmt.Sprintf("it names enclave %q, its configuration %q", want.Enclave, got.Enclave))
	}
	wc := map[string]plans.ResourceChange{}
	for _, c := range want.Changes {
		wc[c.Addr] = c
	}
	gc := map[string]plans.ResourceChange{}
	for _, c := range got.Changes {
		gc[c.Addr] = c
	}
	var addrs []string
	for k := range wc {
		addrs = append(addrs, k)
	}
	for k := range gc {
		if _, ok := wc[k]; !ok {
			addrs = append(addrs, k)
		}
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		w, inW := wc[addr]
		g, inG := gc[addr]
		switch {
		case !inW:
			out = append(out, fmt.Sprintf("%s: its configuration %ss it, the plan does not mention it", addr, g.Action))
		case !inG:
			out = append(out, fmt.Sprintf("%s: the plan %ss it, its configuration does not have it", addr, w.Action))
		default:
			// Collisions come from the device, which re-deriving does not read; a plan
			// carrying one is refused by the gate anyway.
			w.AlreadyExists, g.AlreadyExists = "", ""
			if partial {
				w, g = withoutPlaceholders(w, g)
			}
			switch {
			case w.Action != g.Action:
				out = append(out, fmt.Sprintf("%s: the plan would %s it, its configuration would %s it", addr, w.Action, g.Action))
			case !same(w, g):
				out = append(out, fmt.Sprintf("%s: %s", addr, changeDiff(w, g)))
			}
		}
	}
	field("observations", want.Observed, got.Observed)
	field("drift entries", want.Drift, got.Drift)
	if partial {
		// A policy that depends on a sensitive input is undecided without it.
		for i := range got.Policies {
			if i < len(want.Policies) && strings.HasPrefix(got.Policies[i].Message, "not decided") {
				got.Policies[i] = want.Policies[i]
			}
		}
		for k, o := range got.Outputs {
			if o.Unknown {
				got.Outputs[k] = want.Outputs[k]
			}
		}
	}
	if partial {
		// A device whose values depend on a sensitive input has its reachability not
		// computed without it; apply computes it exactly.
		var kept []plans.DeviceReachability
		for _, g := range got.Reachability {
			if g.NotComputed != "" {
				i := slices.IndexFunc(want.Reachability, func(w plans.DeviceReachability) bool { return w.Device == g.Device })
				if i < 0 {
					continue
				}
				g = want.Reachability[i]
			}
			kept = append(kept, g)
		}
		got.Reachability = kept
	}
	field("reachability entries", want.Reachability, got.Reachability)
	field("policy results", want.Policies, got.Policies)
	field("outputs", want.Outputs, got.Outputs)
	if want.RulesSource != got.RulesSource || !plans.SameRules(want.Rules, got.Rules) || !plans.SameRules(want.RulesChange, got.RulesChange) {
		out = append(out, "its approval rules are not what its configuration and the state give")
	}
	if !same(want.State, got.State) {
		out = append(out, "the state it records is not the state it was made against")
	}
	for name, v := range want.Variables {
		if v.Sensitive && partial {
			continue // a placeholder: its hash is checked at apply
		}
		gv, ok := got.Variables[name]
		if !ok || v.Sensitive != gv.Sensitive || (!v.Sensitive && !same(v.Value, gv.Value)) {
			out = append(out, fmt.Sprintf("variable %q is not what its configuration gives", name))
		}
	}
	for name := range got.Variables {
		if _, ok := want.Variables[name]; !ok {
			out = append(out, fmt.Sprintf("variable %q is missing", name))
		}
	}
	if partial {
		return out // env() and pinned files were placeholders; apply checks them exactly
	}
	if !slices.Equal(sortedKeys(want.Env), sortedKeys(got.Env)) {
		out = append(out, "the environment variables it records are not the ones its configuration reads")
	}
	if !slices.Equal(sortedKeys(want.PinnedFiles), sortedKeys(got.PinnedFiles)) {
		out = append(out, "the provider files it records are not the ones its configuration reads")
	}
	return out
}

// withoutPlaceholders drops from two records of one change the attributes that the re-derived
// one (g) has unknown while the file (w) has them known: re-derived without the sensitive
// inputs, those are exactly the ones that depend on them. Whether such an attribute changes
// decides between no-op and update, so that difference goes too.
func withoutPlaceholders(w, g plans.ResourceChange) (plans.ResourceChange, plans.ResourceChange) {
	drop := map[string]bool{}
	for _, k := range g.AfterUnknown {
		if !slices.Contains(w.AfterUnknown, k) {
			drop[k] = true
		}
	}
	for _, d := range g.Diffs {
		if d.Unknown && d.Sensitive {
			drop[topAttr(d.Path)] = true
		}
	}
	if len(drop) == 0 {
		return w, g
	}
	strip := func(c plans.ResourceChange) plans.ResourceChange {
		after := map[string]any{}
		for k, v := range c.After {
			if !drop[k] {
				after[k] = v
			}
		}
		c.After = after
		var unk []string
		for _, k := range c.AfterUnknown {
			if !drop[k] {
				unk = append(unk, k)
			}
		}
		c.AfterUnknown = unk
		var diffs []plans.AttrDiff
		for _, d := range c.Diffs {
			if !drop[topAttr(d.Path)] {
				diffs = append(diffs, d)
			}
		}
		c.Diffs = diffs
		return c
	}
	w, g = strip(w), strip(g)
	quiet := func(a plans.Action) bool { return a == plans.NoOp || a == plans.Update }
	if quiet(w.Action) && quiet(g.Action) && len(w.Diffs) == 0 && len(g.Diffs) == 0 {
		g.Action, g.Reason = w.Action, w.Reason
	}
	return w, g
}

// topAttr is the top-level attribute of a diff path ("disk[0].size_gb" -> "disk").
func topAttr(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// changeDiff names what differs between two records of one change: the attribute paths whose
// diff, value or unknown-ness differ, or the part of the record.
func changeDiff(w, g plans.ResourceChange) string {
	var parts []string
	if !jsonEqual(w.After, g.After) || !slices.Equal(w.AfterUnknown, g.AfterUnknown) {
		var keys []string
		seen := map[string]bool{}
		for k := range w.After {
			seen[k] = true
		}
		for k := range g.After {
			seen[k] = true
		}
		for k := range seen {
			if !jsonEqual(w.After[k], g.After[k]) || slices.Contains(w.AfterUnknown, k) != slices.Contains(g.AfterUnknown, k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		parts = append(parts, "planned "+strings.Join(keys, ", ")+" differ from what its configuration gives")
	}
	if !jsonEqual(w.Diffs, g.Diffs) {
		parts = append(parts, "its attribute diffs differ")
	}
	if !jsonEqual(w.Before, g.Before) {
		parts = append(parts, "its before values differ")
	}
	if len(parts) == 0 {
		parts = append(parts, "its record differs (dependencies, reason, tags or flags)")
	}
	return strings.Join(parts, "; ")
}

// jsonEqual compares two values by their JSON encoding (how the plan file holds them), an
// empty map or list being the same as none (the file omits both).
func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	empty := func(j []byte) []byte {
		if s := string(j); s == "{}" || s == "[]" {
			return []byte("null")
		}
		return j
	}
	return err1 == nil && err2 == nil && bytes.Equal(empty(ja), empty(jb))
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
