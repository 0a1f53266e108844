package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/enclave-dev/enclave/providers"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// specFor turns a provider schema into an hcldec spec. Computed-only attributes are left out,
// so setting one is an "Unsupported argument" error with a did-you-mean.
func specFor(s *providers.Schema) hcldec.ObjectSpec {
	spec := hcldec.ObjectSpec{}
	for name, a := range s.Attributes {
		if a.Computed && !a.Optional && !a.Required {
			continue
		}
		spec[name] = &hcldec.AttrSpec{Name: name, Type: a.Type, Required: a.Required}
	}
	for name, b := range s.Blocks {
		nested := specFor(&b.Schema)
		if b.Nesting == providers.NestingSingle {
			spec[name] = &hcldec.BlockSpec{TypeName: name, Nested: nested, Required: b.MinItems > 0}
			continue
		}
		spec[name] = &hcldec.BlockListSpec{TypeName: name, Nested: nested, MinItems: b.MinItems, MaxItems: b.MaxItems}
	}
	return spec
}

// decodeBody evaluates a resource, data source or provider body against its schema, in
// scope s with the instance's count/each. Dynamic blocks are expanded first.
func (s *scope) decodeBody(body hcl.Body, schema *providers.Schema, rep repetition) (cty.Value, hcl.Diagnostics) {
	spec := specFor(schema)
	traversals := dynblock.VariablesHCLDec(body, spec)
	ctx, diags := s.evalContext(traversals, rep)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	expanded := dynblock.Expand(body, ctx)
	v, d := hcldec.Decode(expanded, spec, ctx)
	diags = append(diags, scrubSensitive(d, ctx)...)
	if d.HasErrors() {
		return cty.DynamicVal, diags
	}
	diags = append(diags, checkOneOf(body, schema, v)...)
	return v, diags
}

// checkOneOf enforces Attribute.OneOf on top-level string attributes.
func checkOneOf(body hcl.Body, schema *providers.Schema, v cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	attrs, _ := body.JustAttributes()
	for name, a := range schema.Attributes {
		if len(a.OneOf) == 0 || a.Type != cty.String {
			continue
		}
		av, _ := v.GetAttr(name).Unmark()
		if av.IsNull() || !av.IsKnown() {
			continue
		}
		ok := false
		for _, o := range a.OneOf {
			if av.AsString() == o {
				ok = true
			}
		}
		if !ok {
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value",
				Detail: fmt.Sprintf("%s must be one of %v, not %q.%s", name, a.OneOf, av.AsString(), suggest(av.AsString(), a.OneOf))}
			if at, found := attrs[name]; found {
				d.Subject = at.Expr.Range().Ptr()
			}
			diags = append(diags, d)
		}
	}
	return diags
}

// bodyTraversals lists every reference in a body, nested and dynamic blocks included. Used
// for dependencies, where a dynamic block's iterator names are simply not found.
func bodyTraversals(body hcl.Body) []hcl.Traversal {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		attrs, _ := body.JustAttributes()
		var out []hcl.Traversal
		for _, a := range attrs {
			out = append(out, a.Expr.Variables()...)
		}
		return out
	}
	var out []hcl.Traversal
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		names := make([]string, 0, len(b.Attributes))
		for n := range b.Attributes {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, b.Attributes[n].Expr.Variables()...)
		}
		for _, blk := range b.Blocks {
			walk(blk.Body)
		}
	}
	walk(sb)
	return out
}

// suggest returns " Did you mean "x"?" for the closest candidate, or "".
func suggest(given string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := levenshtein.Distance(given, c, nil)
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > 3 || bestD >= len(given) {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// scrubSensitive keeps sensitive values out of diagnostics. A function's error names its
// argument (tonumber(var.token) says `cannot convert "s3cret" to number`) and hcl's writer
// prints the variables an expression uses; so every sensitive value the evaluation context
// holds is replaced by "(sensitive)" in the text, and the expression and context, which the
// writer would print from, are dropped from a diagnostic that had to be scrubbed.
func scrubSensitive(diags hcl.Diagnostics, ctx *hcl.EvalContext) hcl.Diagnostics {
	if len(diags) == 0 || ctx == nil {
		return diags
	}
	var secrets []string
	collect := func(v cty.Value) {
		_ = cty.Walk(v, func(_ cty.Path, x cty.Value) (bool, error) {
			if !x.HasMark(markSensitive) {
				return true, nil
			}
			ux, _ := x.UnmarkDeep()
			_ = cty.Walk(ux, func(_ cty.Path, y cty.Value) (bool, error) {
				if y.IsKnown() && !y.IsNull() {
					switch y.Type() {
					case cty.String:
						secrets = append(secrets, y.AsString())
					case cty.Number:
						secrets = append(secrets, y.AsBigFloat().Text('f', -1))
					}
				}
				return true, nil
			})
			return false, nil
		})
	}
	for c := ctx; c != nil; c = c.Parent() {
		for _, v := range c.Variables {
			collect(v)
		}
	}
	if len(secrets) == 0 {
		return diags
	}
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		c := *d
		changed := false
		for _, sec := range secrets {
			if sec == "" {
				continue
			}
			if strings.Contains(c.Summary, sec) || strings.Contains(c.Detail, sec) {
				c.Summary = strings.ReplaceAll(c.Summary, sec, "(sensitive)")
				c.Detail = strings.ReplaceAll(c.Detail, sec, "(sensitive)")
				changed = true
			}
		}
		if changed || c.EvalContext != nil {
			c.Expression, c.EvalContext = nil, nil
		}
		out[i] = &c
	}
	return out
}
