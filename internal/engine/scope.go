package engine

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// scope is one instance of a module (the root is one): its node values are evaluated lazily
// and memoized. Lazy evaluation lets plan and apply share one evaluator: at apply a node is
// evaluated only when something that depends on it runs, and by then every resource it
// depends on is final (the apply graph guarantees it), so a memoized value never goes stale.
type scope struct {
	ev     *evaluator
	cfg    *config.Config
	path   string // "" for the root, "module.a[0].module.b"
	parent *scope
	call   *config.ModuleCall // the call that made this scope (nil for root)
	rep    repetition         // the module instance's count.index / each.key

	memo      map[string]cty.Value
	deps      map[string]depSet
	inflight  map[string]bool
	instances map[string][]instanceKey // resource/data node → its instance keys
	children  map[string][]*scope      // module call name → instances
}

// repetition holds count.index or each.key/each.value for one instance.
type repetition struct {
	kind  string // "", "count", "each"
	index cty.Value
	key   cty.Value
	value cty.Value
}

// instanceKey is one instance of a resource or module: none, a count index or a for_each key.
type instanceKey struct {
	kind  string // "", "count", "each"
	index int
	key   string
	value cty.Value
}

func (k instanceKey) String() string {
	switch k.kind {
	case "count":
		return fmt.Sprintf("[%d]", k.index)
	case "each":
		return fmt.Sprintf("[%q]", k.key)
	}
	return ""
}

func (k instanceKey) plainKey() any {
	switch k.kind {
	case "count":
		return k.index
	case "each":
		return k.key
	}
	return nil
}

func (k instanceKey) rep() repetition {
	switch k.kind {
	case "count":
		return repetition{kind: "count", index: cty.NumberIntVal(int64(k.index))}
	case "each":
		return repetition{kind: "each", key: cty.StringVal(k.key), value: k.value}
	}
	return repetition{}
}

// depSet is a set of resource node keys (module path + TYPE.NAME, no instance key).
type depSet map[string]struct{}

func (d depSet) add(o depSet) {
	for k := range o {
		d[k] = struct{}{}
	}
}

func (d depSet) sorted() []string {
	out := make([]string, 0, len(d))
	for k := range d {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// evaluator holds what every scope shares.
type evaluator struct {
	mu        sync.Mutex
	root      *scope
	loader    *config.Loader
	funcs     map[string]map[string]function.Function // by module dir: file() is relative to it
	rootVars  map[string]cty.Value
	hooks     hooks
	isType    func(string) bool
	allScopes []*scope
	// reachability is what policies see as `reachability` (reachabilityValue) while they
	// are evaluated; nil elsewhere.
	reachability *cty.Value
}

// hooks supply resource values: planning them (plan) or reading what apply did (apply).
type hooks interface {
	// resourceInstance returns the value of one managed or data instance as expressions see it.
	resourceInstance(s *scope, r *config.Resource, key instanceKey) (cty.Value, hcl.Diagnostics)
	// allOfType returns every instance of a type, for a bare TYPE reference in policies.
	allOfType(typ string) (cty.Value, hcl.Diagnostics)
}

func newEvaluator(cfg *config.Config, loader *config.Loader, vars map[string]cty.Value, h hooks, isType func(string) bool) *evaluator {
	ev := &evaluator{loader: loader, funcs: map[string]map[string]function.Function{}, rootVars: vars, hooks: h, isType: isType}
	ev.root = ev.newScope(cfg, "", nil, nil, repetition{})
	return ev
}

func (ev *evaluator) newScope(cfg *config.Config, path string, parent *scope, call *config.ModuleCall, rep repetition) *scope {
	s := &scope{
		ev: ev, cfg: cfg, path: path, parent: parent, call: call, rep: rep,
		memo: map[string]cty.Value{}, deps: map[string]depSet{}, inflight: map[string]bool{},
		instances: map[string][]instanceKey{}, children: map[string][]*scope{},
	}
	ev.allScopes = append(ev.allScopes, s)
	return s
}

// prefix is the address prefix of things in this scope: "" or "module.a[0].".
func (s *scope) prefix() string {
	if s.path == "" {
		return ""
	}
	return s.path + "."
}

// nodeKey names the node a traversal refers to in this scope, or "" for count/each/self.
func (s *scope) nodeKey(t hcl.Traversal) (string, hcl.Diagnostics) {
	root := t.RootName()
	attr := func(i int) (string, bool) {
		if len(t) <= i {
			return "", false
		}
		a, ok := t[i].(hcl.TraverseAttr)
		return a.Name, ok
	}
	bad := func(summary, detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: t.SourceRange().Ptr()}}
	}
	switch root {
	case "var":
		n, ok := attr(1)
		if !ok {
			return "", bad("Invalid reference", "A reference to an input variable needs its name: var.NAME.")
		}
		if _, ok := s.cfg.Variables[n]; !ok {
			return "", bad("Reference to undeclared input variable", fmt.Sprintf("An input variable named %q is not declared.%s", n, suggest(n, keysOf(s.cfg.Variables))))
		}
		return "var." + n, nil
	case "local":
		n, ok := attr(1)
		if !ok {
			return "", bad("Invalid reference", "A reference to a local value needs its name: local.NAME.")
		}
		if _, ok := s.cfg.Locals[n]; !ok {
			return "", bad("Reference to undeclared local value", fmt.Sprintf("A local value named %q is not declared.%s", n, suggest(n, keysOf(s.cfg.Locals))))
		}
		return "local." + n, nil
	case "module":
		n, ok := attr(1)
		if !ok {
			return "", bad("Invalid reference", "A reference to a module needs its name: module.NAME.")
		}
		if _, ok := s.cfg.Modules[n]; !ok {
			return "", bad("Reference to undeclared module", fmt.Sprintf("No module call named %q is declared.%s", n, suggest(n, keysOf(s.cfg.Modules))))
		}
		return "module." + n, nil
	case "data":
		typ, ok1 := attr(1)
		n, ok2 := attr(2)
		if !ok1 || !ok2 {
			return "", bad("Invalid reference", "A reference to a data source needs its type and name: data.TYPE.NAME.")
		}
		k := "data." + typ + "." + n
		if _, ok := s.cfg.Data[k]; !ok {
			return "", bad("Reference to undeclared data source", fmt.Sprintf("A data source %q has not been declared.%s", typ+"."+n, suggest(k, keysOf(s.cfg.Data))))
		}
		return k, nil
	case "count", "each", "self", "path":
		return "", nil
	case "reachability":
		return "", bad("Invalid reference", "reachability, what a plan does to the traffic the firewalls let through, is available only in policy conditions and messages.")
	}
	n, ok := attr(1)
	if !ok {
		if s.ev.isType(root) {
			return "type:" + root, nil
		}
		return "", bad("Unknown reference", fmt.Sprintf("There is no value named %q here. References are var.NAME, local.NAME, TYPE.NAME, data.TYPE.NAME, module.NAME.", root))
	}
	k := root + "." + n
	if _, ok := s.cfg.Resources[k]; !ok {
		if !s.ev.isType(root) {
			return "", bad("Unknown reference", fmt.Sprintf("There is no value named %q here, and %q is not a resource type.", root, root))
		}
		return "", bad("Reference to undeclared resource", fmt.Sprintf("A managed resource %q has not been declared in %s.%s", k, s.describe(), suggest(k, keysOf(s.cfg.Resources))))
	}
	return k, nil
}

func (s *scope) describe() string {
	if s.path == "" {
		return "the root module"
	}
	return s.path
}

// value returns a node's value, evaluating it on first use.
func (s *scope) value(node string) (cty.Value, hcl.Diagnostics) {
	if v, ok := s.memo[node]; ok {
		return v, nil
	}
	if s.inflight[node] {
		return cty.DynamicVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Reference cycle", Detail: fmt.Sprintf("%s%s refers to itself through other values.", s.prefix(), node)}}
	}
	s.inflight[node] = true
	v, diags := s.evalNode(node)
	delete(s.inflight, node)
	if diags.HasErrors() {
		v = cty.DynamicVal
	}
	s.memo[node] = v
	return v, diags
}

func (s *scope) evalNode(node string) (cty.Value, hcl.Diagnostics) {
	switch {
	case strings.HasPrefix(node, "var."):
		return s.evalVariable(strings.TrimPrefix(node, "var."))
	case strings.HasPrefix(node, "local."):
		l := s.cfg.Locals[strings.TrimPrefix(node, "local.")]
		return s.eval(l.Expr, repetition{}, cty.DynamicPseudoType)
	case strings.HasPrefix(node, "module."):
		return s.evalModule(strings.TrimPrefix(node, "module."))
	case strings.HasPrefix(node, "output."):
		o := s.cfg.Outputs[strings.TrimPrefix(node, "output.")]
		v, diags := s.eval(o.Expr, repetition{}, cty.DynamicPseudoType)
		if o.Sensitive {
			v = v.Mark(markSensitive)
		}
		return v, diags
	case strings.HasPrefix(node, "type:"):
		return s.ev.hooks.allOfType(strings.TrimPrefix(node, "type:"))
	case strings.HasPrefix(node, "data."):
		return s.evalResource(s.cfg.Data[node])
	default:
		return s.evalResource(s.cfg.Resources[node])
	}
}

func (s *scope) evalVariable(name string) (cty.Value, hcl.Diagnostics) {
	decl := s.cfg.Variables[name]
	var v cty.Value
	var diags hcl.Diagnostics
	if s.parent == nil {
		var ok bool
		v, ok = s.ev.rootVars[name]
		if !ok {
			v = decl.Default
		}
		if v == cty.NilVal {
			return cty.DynamicVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No value for required variable",
				Detail: fmt.Sprintf("The variable %q has no default; give it with --var %s=VALUE, --var-file, or ENCLAVE_VAR_%s.", name, name, name), Subject: decl.DeclRange.Ptr()}}
		}
	} else {
		attr, ok := s.call.Inputs[name]
		if !ok {
			if decl.Default == cty.NilVal {
				return cty.DynamicVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Missing required module input",
					Detail: fmt.Sprintf("The module %q needs the input %q.", s.call.Name, name), Subject: s.call.DeclRange.Ptr()}}
			}
			v = decl.Default
		} else {
			v, diags = s.parent.eval(attr.Expr, s.rep, cty.DynamicPseudoType)
			if diags.HasErrors() {
				return cty.DynamicVal, diags
			}
		}
	}
	if decl.TypeDefaults != nil && !v.IsNull() {
		v = decl.TypeDefaults.Apply(v)
	}
	cv, err := convert.Convert(v, decl.Type)
	if err != nil {
		rng := decl.DeclRange
		if s.parent != nil {
			if a, ok := s.call.Inputs[name]; ok {
				rng = a.Expr.Range()
			}
		}
		return cty.DynamicVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for variable",
			Detail: fmt.Sprintf("The value given for %q is not valid: %s.", name, err), Subject: rng.Ptr()}}
	}
	if decl.Sensitive {
		cv = cv.Mark(markSensitive)
	}
	s.memo["var."+name] = cv // validations may refer to the variable itself
	for _, val := range decl.Validations {
		ok, d := s.eval(val.Condition, repetition{}, cty.Bool)
		diags = append(diags, d...)
		if d.HasErrors() || !ok.IsWhollyKnown() || ok.IsNull() {
			continue
		}
		if ok.Equals(cty.False).True() {
			msg, _ := s.eval(val.ErrorMessage, repetition{}, cty.String)
			text := "the value is not valid"
			if msg.IsWhollyKnown() && !msg.IsNull() {
				um, _ := msg.Unmark()
				text = um.AsString()
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable",
				Detail: fmt.Sprintf("%s (variable %q)", text, name), Subject: val.Condition.Range().Ptr()})
		}
	}
	return cv, diags
}

// expand evaluates count / for_each into instance keys.
func (s *scope) expand(count, forEach hcl.Expression, rep repetition, what string) ([]instanceKey, hcl.Diagnostics) {
	switch {
	case count != nil:
		v, diags := s.eval(count, rep, cty.Number)
		if diags.HasErrors() {
			return nil, diags
		}
		v, _ = v.Unmark()
		if !v.IsKnown() {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid count argument",
				Detail: fmt.Sprintf("The count of %s depends on values known only after apply. Apply the resources it depends on first (plan --target), or use values known at plan time.", what), Subject: count.Range().Ptr()}}
		}
		if v.IsNull() {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: "count must not be null.", Subject: count.Range().Ptr()}}
		}
		n, acc := v.AsBigFloat().Int64()
		if acc != 0 || n < 0 {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid count argument", Detail: "count must be a whole number, zero or more.", Subject: count.Range().Ptr()}}
		}
		keys := make([]instanceKey, n)
		for i := range keys {
			keys[i] = instanceKey{kind: "count", index: i}
		}
		return keys, nil
	case forEach != nil:
		v, diags := s.eval(forEach, rep, cty.DynamicPseudoType)
		if diags.HasErrors() {
			return nil, diags
		}
		v, _ = v.UnmarkDeep()
		if !v.IsWhollyKnown() {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each argument",
				Detail: fmt.Sprintf("The for_each of %s depends on values known only after apply.", what), Subject: forEach.Range().Ptr()}}
		}
		t := v.Type()
		if v.IsNull() || !(t.IsMapType() || t.IsObjectType() || (t.IsSetType() && t.ElementType() == cty.String)) {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid for_each argument",
				Detail: "for_each takes a map, an object or a set of strings (use toset() for a list).", Subject: forEach.Range().Ptr()}}
		}
		var keys []instanceKey
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if t.IsSetType() {
				keys = append(keys, instanceKey{kind: "each", key: e.AsString(), value: e})
			} else {
				keys = append(keys, instanceKey{kind: "each", key: k.AsString(), value: e})
			}
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].key < keys[j].key })
		return keys, nil
	}
	return []instanceKey{{}}, nil
}

// resourceKeys returns (and memoizes) the instance keys of a resource or data node.
func (s *scope) resourceKeys(r *config.Resource) ([]instanceKey, hcl.Diagnostics) {
	k := r.Addr()
	if keys, ok := s.instances[k]; ok {
		return keys, nil
	}
	keys, diags := s.expand(r.Count, r.ForEach, repetition{}, s.prefix()+k)
	if diags.HasErrors() {
		return nil, diags
	}
	s.instances[k] = keys
	return keys, nil
}

func (s *scope) evalResource(r *config.Resource) (cty.Value, hcl.Diagnostics) {
	keys, diags := s.resourceKeys(r)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	vals := make([]cty.Value, 0, len(keys))
	for _, k := range keys {
		v, d := s.ev.hooks.resourceInstance(s, r, k)
		diags = append(diags, d...)
		vals = append(vals, v)
	}
	return collect(r.Count != nil, r.ForEach != nil, keys, vals), diags
}

// collect builds the value of a repeated node: a tuple for count, an object for for_each,
// the single value otherwise.
func collect(isCount, isEach bool, keys []instanceKey, vals []cty.Value) cty.Value {
	switch {
	case isCount:
		if len(vals) == 0 {
			return cty.EmptyTupleVal
		}
		return cty.TupleVal(vals)
	case isEach:
		m := map[string]cty.Value{}
		for i, k := range keys {
			m[k.key] = vals[i]
		}
		if len(m) == 0 {
			return cty.EmptyObjectVal
		}
		return cty.ObjectVal(m)
	}
	if len(vals) == 0 {
		return cty.DynamicVal
	}
	return vals[0]
}

func (s *scope) moduleScopes(name string) ([]*scope, hcl.Diagnostics) {
	if ch, ok := s.children[name]; ok {
		return ch, nil
	}
	mc := s.cfg.Modules[name]
	child := s.cfg.Children[name]
	if child == nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Module not loaded", Detail: fmt.Sprintf("The module %q could not be loaded.", name), Subject: mc.DeclRange.Ptr()}}
	}
	keys, diags := s.expand(mc.Count, mc.ForEach, s.rep, s.prefix()+"module."+name)
	if diags.HasErrors() {
		return nil, diags
	}
	var out []*scope
	for _, k := range keys {
		out = append(out, s.ev.newScope(child, s.prefix()+"module."+name+k.String(), s, mc, k.rep()))
	}
	s.children[name] = out
	return out, nil
}

func (s *scope) evalModule(name string) (cty.Value, hcl.Diagnostics) {
	mc := s.cfg.Modules[name]
	scopes, diags := s.moduleScopes(name)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	var keys []instanceKey
	var vals []cty.Value
	for _, cs := range scopes {
		outs := map[string]cty.Value{}
		for on := range cs.cfg.Outputs {
			v, d := cs.value("output." + on)
			diags = append(diags, d...)
			outs[on] = v
		}
		if len(outs) == 0 {
			vals = append(vals, cty.EmptyObjectVal)
		} else {
			vals = append(vals, cty.ObjectVal(outs))
		}
		keys = append(keys, keyOfRep(cs.rep))
	}
	return collect(mc.Count != nil, mc.ForEach != nil, keys, vals), diags
}

func keyOfRep(r repetition) instanceKey {
	switch r.kind {
	case "count":
		i, _ := r.index.AsBigFloat().Int64()
		return instanceKey{kind: "count", index: int(i)}
	case "each":
		return instanceKey{kind: "each", key: r.key.AsString(), value: r.value}
	}
	return instanceKey{}
}

// evalContext builds the context for expressions whose traversals are given, evaluating the
// nodes they refer to. Only referenced names are bound, so the cost is proportional to the
// expression, not to the configuration.
func (s *scope) evalContext(traversals []hcl.Traversal, rep repetition) (*hcl.EvalContext, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	vars := map[string]map[string]cty.Value{}
	data := map[string]map[string]cty.Value{}
	top := map[string]cty.Value{}
	set := func(root, name string, v cty.Value) {
		if vars[root] == nil {
			vars[root] = map[string]cty.Value{}
		}
		vars[root][name] = v
	}
	for _, t := range traversals {
		root := t.RootName()
		switch root {
		case "count":
			if rep.kind != "count" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to \"count\" in non-counted context", Detail: "count.index is only available where count is set.", Subject: t.SourceRange().Ptr()})
				continue
			}
			top["count"] = cty.ObjectVal(map[string]cty.Value{"index": rep.index})
			continue
		case "each":
			if rep.kind != "each" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to \"each\" in context without for_each", Detail: "each.key and each.value are only available where for_each is set.", Subject: t.SourceRange().Ptr()})
				continue
			}
			top["each"] = cty.ObjectVal(map[string]cty.Value{"key": rep.key, "value": rep.value})
			continue
		case "path":
			top["path"] = cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(s.cfg.Dir), "root": cty.StringVal(".")})
			continue
		case "reachability":
			if s.ev.reachability != nil {
				top["reachability"] = *s.ev.reachability
				continue
			}
		}
		node, d := s.nodeKey(t)
		diags = append(diags, d...)
		if node == "" {
			continue
		}
		v, d := s.value(node)
		diags = append(diags, d...)
		switch {
		case strings.HasPrefix(node, "type:"):
			top[root] = v
		case strings.HasPrefix(node, "data."):
			parts := strings.SplitN(node, ".", 3)
			if data[parts[1]] == nil {
				data[parts[1]] = map[string]cty.Value{}
			}
			data[parts[1]][parts[2]] = v
		default:
			i := strings.IndexByte(node, '.')
			set(node[:i], node[i+1:], v)
		}
	}
	fns, ok := s.ev.funcs[s.cfg.Dir]
	if !ok {
		fns = s.ev.loader.Functions(s.cfg.Dir)
		s.ev.funcs[s.cfg.Dir] = fns
	}
	ctx := &hcl.EvalContext{Variables: top, Functions: fns}
	for root, m := range vars {
		ctx.Variables[root] = cty.ObjectVal(m)
	}
	if len(data) > 0 {
		dm := map[string]cty.Value{}
		for typ, m := range data {
			dm[typ] = cty.ObjectVal(m)
		}
		ctx.Variables["data"] = cty.ObjectVal(dm)
	}
	return ctx, diags
}

// eval evaluates an expression in this scope, converting to want (DynamicPseudoType: as is).
func (s *scope) eval(expr hcl.Expression, rep repetition, want cty.Type) (cty.Value, hcl.Diagnostics) {
	ctx, diags := s.evalContext(expr.Variables(), rep)
	if diags.HasErrors() {
		return cty.UnknownVal(want), diags
	}
	v, d := expr.Value(ctx)
	diags = append(diags, scrubSensitive(d, ctx)...)
	if d.HasErrors() {
		return cty.UnknownVal(want), diags
	}
	if want != cty.DynamicPseudoType {
		cv, err := convert.Convert(v, want)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incorrect value type",
				Detail: fmt.Sprintf("Expected %s: %s.", want.FriendlyName(), err), Subject: expr.Range().Ptr()})
			return cty.UnknownVal(want), diags
		}
		v = cv
	}
	return v, diags
}

// depsOf returns the resource nodes a node depends on (through locals, variables, module
// inputs and outputs), memoized.
func (s *scope) depsOf(node string) depSet {
	if d, ok := s.deps[node]; ok {
		return d
	}
	out := depSet{}
	s.deps[node] = out // cycles were refused statically; this stops runaway recursion
	add := func(traversals []hcl.Traversal) {
		for _, t := range traversals {
			n, _ := s.nodeKey(t)
			if n == "" {
				continue
			}
			out.add(s.refDeps(n))
		}
	}
	switch {
	case strings.HasPrefix(node, "var."):
		if s.parent != nil {
			if a, ok := s.call.Inputs[strings.TrimPrefix(node, "var.")]; ok {
				for _, t := range a.Expr.Variables() {
					n, _ := s.parent.nodeKey(t)
					if n != "" {
						out.add(s.parent.refDeps(n))
					}
				}
			}
			for _, t := range s.call.DependsOn {
				n, _ := s.parent.nodeKey(t)
				if n != "" {
					out.add(s.parent.refDeps(n))
				}
			}
		}
	case strings.HasPrefix(node, "local."):
		add(s.cfg.Locals[strings.TrimPrefix(node, "local.")].Expr.Variables())
	case strings.HasPrefix(node, "output."):
		add(s.cfg.Outputs[strings.TrimPrefix(node, "output.")].Expr.Variables())
	case strings.HasPrefix(node, "module."):
		scopes, _ := s.moduleScopes(strings.TrimPrefix(node, "module."))
		for _, cs := range scopes {
			for on := range cs.cfg.Outputs {
				out.add(cs.depsOf("output." + on))
			}
		}
	default:
		r := s.cfg.Resources[node]
		if r == nil {
			r = s.cfg.Data[node]
		}
		if r == nil {
			break
		}
		add(resourceTraversals(r))
		for _, t := range r.DependsOn {
			n, _ := s.nodeKey(t)
			if n != "" {
				out.add(s.refDeps(n))
			}
		}
		if s.parent != nil {
			// Everything in a module waits for what the module call depends on.
			for _, t := range s.call.DependsOn {
				n, _ := s.parent.nodeKey(t)
				if n != "" {
					out.add(s.parent.refDeps(n))
				}
			}
		}
	}
	return out
}

// refDeps is what referring to node costs in dependencies: a resource itself, or whatever a
// non-resource value depends on.
func (s *scope) refDeps(node string) depSet {
	if strings.HasPrefix(node, "var.") || strings.HasPrefix(node, "local.") || strings.HasPrefix(node, "module.") || strings.HasPrefix(node, "output.") {
		return s.depsOf(node)
	}
	if strings.HasPrefix(node, "type:") {
		out := depSet{}
		typ := strings.TrimPrefix(node, "type:")
		for _, sc := range s.ev.allScopes {
			for k, r := range sc.cfg.Resources {
				if r.Type == typ {
					out[sc.prefix()+k] = struct{}{}
				}
			}
		}
		return out
	}
	return depSet{s.prefix() + node: {}}
}

// resourceTraversals lists every reference in a resource's arguments.
func resourceTraversals(r *config.Resource) []hcl.Traversal {
	var out []hcl.Traversal
	if r.Count != nil {
		out = append(out, r.Count.Variables()...)
	}
	if r.ForEach != nil {
		out = append(out, r.ForEach.Variables()...)
	}
	if r.Tags != nil {
		out = append(out, r.Tags.Variables()...)
	}
	out = append(out, bodyTraversals(r.Config)...)
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
