package config

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
)

// refScope says which of count.index and each.* an expression may use.
type refScope struct {
	count, each bool
	where       string // "resource vsphere_host.h", for messages
}

// checkReferences reports references to names this module does not declare: var.X, local.X,
// module.X and the outputs of the module it calls, data.T.N, and TYPE.NAME for a TYPE.NAME
// that looks like a resource; and count/each outside a block that has count/for_each. Bare
// TYPE references (all instances of a type) and attributes are left to the engine, which
// knows the schemas.
func checkReferences(c *Config) hcl.Diagnostics {
	// one job per resource, checked in parallel: a large enclave is mostly resources
	var jobs []func() hcl.Diagnostics
	add := func(job func(check func([]hcl.Traversal, refScope))) {
		jobs = append(jobs, func() hcl.Diagnostics {
			var diags hcl.Diagnostics
			job(func(trs []hcl.Traversal, sc refScope) {
				for _, tr := range trs {
					ref, d := ParseRef(tr)
					diags = append(diags, d...)
					if ref != nil {
						diags = append(diags, c.checkRef(ref, sc)...)
					}
				}
			})
			return diags
		})
	}
	vars := func(e hcl.Expression) []hcl.Traversal {
		if e == nil {
			return nil
		}
		return e.Variables()
	}
	add(func(check func([]hcl.Traversal, refScope)) {
		for _, k := range sortedKeys(c.Variables) {
			for _, v := range c.Variables[k].Validations {
				check(vars(v.Condition), refScope{})
				check(vars(v.ErrorMessage), refScope{})
			}
		}
		for _, k := range sortedKeys(c.Locals) {
			check(vars(c.Locals[k].Expr), refScope{})
		}
		for _, k := range sortedKeys(c.Providers) {
			check(TraversalsInBody(c.Providers[k].Config), refScope{})
		}
	})
	for _, index := range []map[string]*Resource{c.Resources, c.Data} {
		for _, k := range sortedKeys(index) {
			r := index[k]
			add(func(check func([]hcl.Traversal, refScope)) {
				// count and for_each are evaluated before there is an instance to be
				sc := refScope{where: r.Addr()}
				check(vars(r.Count), sc)
				check(vars(r.ForEach), sc)
				sc = refScope{count: r.Count != nil, each: r.ForEach != nil, where: r.Addr()}
				check(vars(r.Tags), sc)
				check(TraversalsInBody(r.Config), sc)
			})
		}
	}
	add(func(check func([]hcl.Traversal, refScope)) {
		for _, k := range sortedKeys(c.Modules) {
			mc := c.Modules[k]
			sc := refScope{where: "module." + mc.Name}
			check(vars(mc.Count), sc)
			check(vars(mc.ForEach), sc)
			sc = refScope{count: mc.Count != nil, each: mc.ForEach != nil, where: "module." + mc.Name}
			for _, a := range sortedAttributes(mc.Inputs) {
				check(vars(a.Expr), sc)
			}
		}
		for _, k := range sortedKeys(c.Outputs) {
			check(vars(c.Outputs[k].Expr), refScope{})
		}
		for _, k := range sortedKeys(c.Policies) {
			check(vars(c.Policies[k].Condition), refScope{})
			check(vars(c.Policies[k].Message), refScope{})
		}
	})
	diags := runParallel(jobs)
	if e := c.Enclave; e != nil && e.BackendURL != nil {
		if trs := e.BackendURL.Variables(); len(trs) > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference in the state backend",
				Detail:   "The state url is needed before anything else is evaluated: it may call functions such as env(\"ENCLAVE_PG_URL\"), but not refer to variables, locals or resources.",
				Subject:  trs[0].SourceRange().Ptr(),
			})
		}
	}
	return diags
}

// runParallel runs jobs on every CPU and returns their diagnostics in job order.
func runParallel(jobs []func() hcl.Diagnostics) hcl.Diagnostics {
	results := make([]hcl.Diagnostics, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				results[i] = jobs[i]()
			}
		}()
	}
	wg.Wait()
	var diags hcl.Diagnostics
	for _, d := range results {
		diags = append(diags, d...)
	}
	return diags
}

func (c *Config) checkRef(ref *Reference, sc refScope) hcl.Diagnostics {
	undeclared := func(kind, name string, candidates []string) hcl.Diagnostics {
		where := "the root module"
		if c.Path != nil {
			where = fmt.Sprintf("module %q (%s)", strings.Join(c.Path, "."), c.Dir)
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Reference to undeclared %s", kind),
			Detail:   fmt.Sprintf("There is no %s %s in %s.%s", kind, name, where, didYouMean(name, candidates)),
			Subject:  ref.Range.Ptr(),
		}}
	}
	name := ref.Subject[strings.IndexByte(ref.Subject, '.')+1:]
	switch ref.Kind {
	case RefVar:
		if _, ok := c.Variables[name]; !ok {
			return undeclared("input variable", ref.Subject, prefixed("var.", sortedKeys(c.Variables)))
		}
	case RefLocal:
		if _, ok := c.Locals[name]; !ok {
			return undeclared("local value", ref.Subject, prefixed("local.", sortedKeys(c.Locals)))
		}
	case RefModule:
		if _, ok := c.Modules[name]; !ok {
			return undeclared("module call", ref.Subject, prefixed("module.", sortedKeys(c.Modules)))
		}
		if child := c.Children[name]; child != nil {
			return checkModuleOutput(ref, child)
		}
	case RefData:
		if _, ok := c.Data[ref.Subject]; !ok {
			return undeclared("data source", ref.Subject, sortedKeys(c.Data))
		}
	case RefResource:
		// TYPE.NAME is a resource only when TYPE looks like one (provider_thing); other
		// roots are for the engine to interpret.
		if _, ok := c.Resources[ref.Subject]; !ok && strings.Contains(ref.Traversal.RootName(), "_") {
			return undeclared("resource", ref.Subject, sortedKeys(c.Resources))
		}
	case RefCount:
		if !sc.count {
			return hcl.Diagnostics{invalidMeta(ref, "count.index", "count", sc)}
		}
	case RefEach:
		if !sc.each {
			return hcl.Diagnostics{invalidMeta(ref, ref.Subject, "for_each", sc)}
		}
	}
	return nil
}

// checkModuleOutput checks module.NAME.OUTPUT, module.NAME[KEY].OUTPUT and
// module.NAME[*].OUTPUT against the outputs the called module declares.
func checkModuleOutput(ref *Reference, child *Config) hcl.Diagnostics {
	rest := ref.Remaining
	for len(rest) > 0 {
		switch rest[0].(type) {
		case hcl.TraverseIndex, hcl.TraverseSplat:
			rest = rest[1:]
			continue
		}
		break
	}
	if len(rest) == 0 {
		return nil // the whole module object
	}
	attr, ok := rest[0].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	if _, ok := child.Outputs[attr.Name]; ok {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared output value",
		Detail:   fmt.Sprintf("Module %s (%s) has no output %q.%s", ref.Subject, child.Dir, attr.Name, didYouMean(attr.Name, sortedKeys(child.Outputs))),
		Subject:  ref.Range.Ptr(),
	}}
}

func invalidMeta(ref *Reference, what, meta string, sc refScope) *hcl.Diagnostic {
	detail := fmt.Sprintf("%s is only available in a resource, data or module block that sets %s.", what, meta)
	if sc.where != "" {
		detail = fmt.Sprintf("%s is only available in a block that sets %s, and not in count or for_each themselves; %s does not.", what, meta, sc.where)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Reference to %q in the wrong place", what),
		Detail:   detail,
		Subject:  ref.Range.Ptr(),
	}
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
