package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// ParseValue interprets a command-line value (--var NAME=RAW) for v. As Terraform does, RAW is
// taken literally when the variable is a string or has no type, and otherwise parsed as an
// HCL expression ('hosts=["a","b"]'). The result is converted to the variable's type.
func (v *Variable) ParseValue(raw string) (cty.Value, hcl.Diagnostics) {
	rng := hcl.Range{Filename: "--var " + v.Name, Start: hcl.InitialPos, End: hcl.InitialPos}
	if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		return v.ConvertValue(cty.StringVal(raw), rng)
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), rng.Filename, hcl.InitialPos)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	val, diags := expr.Value(nil)
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	return v.ConvertValue(val, expr.Range())
}

// ConvertValue applies the type's optional-attribute defaults to a given value and converts it
// to the variable's type; rng is where the value came from, for the diagnostic.
func (v *Variable) ConvertValue(val cty.Value, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	if v.TypeDefaults != nil {
		val = v.TypeDefaults.Apply(val)
	}
	out, err := convert.Convert(val, v.Type)
	if err != nil {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value given for variable %q (declared at %s) is not a valid %s: %s.", v.Name, rangeString(v.DeclRange), typeexpr.TypeString(v.Type), err),
			Subject:  rng.Ptr(),
		}}
	}
	return out, nil
}

// CheckValue evaluates the variable's validation blocks against val (already converted), with
// var.NAME bound to it and the given functions. A failing condition is an error at the
// validation's condition, with its error_message as detail.
func (v *Variable) CheckValue(val cty.Value, funcs map[string]function.Function) hcl.Diagnostics {
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.Name: val})},
		Functions: funcs,
	}
	var diags hcl.Diagnostics
	for _, vd := range v.Validations {
		ok, d := vd.Condition.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		ok, _ = ok.Unmark() // a sensitive input still passes or fails
		ok, err := convert.Convert(ok, cty.Bool)
		if err != nil || ok.IsNull() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid validation condition",
				Detail:   "The condition of a validation block must be true or false.",
				Subject:  vd.Condition.Range().Ptr(),
			})
			continue
		}
		if !ok.IsKnown() || ok.True() {
			continue
		}
		msg := "The value is not valid."
		if m, d := vd.ErrorMessage.Value(ctx); !d.HasErrors() && m.Type() == cty.String && m.IsWhollyKnown() && !m.IsNull() {
			if m.IsMarked() {
				// the message quotes a sensitive value: never print it
				msg = "The value is not valid. (Its error message refers to a sensitive value and is not shown.)"
			} else {
				msg = m.AsString()
			}
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Invalid value for variable %q", v.Name),
			Detail:   msg,
			Subject:  vd.Condition.Range().Ptr(),
		})
	}
	return diags
}

// ParseVarFile reads a --var-file: NAME = VALUE lines of literal HCL (no references or
// functions). The file is registered with the Parser so diagnostics show its snippets. Values
// are not yet converted: use Variable.ConvertValue with the attribute's range.
func (l *Loader) ParseVarFile(filename string, src []byte) (hcl.Attributes, map[string]cty.Value, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if f != nil {
		l.Parser.AddFile(filename, f)
	}
	if diags.HasErrors() {
		return nil, nil, diags
	}
	attrs, d := f.Body.JustAttributes()
	diags = append(diags, d...)
	vals := map[string]cty.Value{}
	for _, a := range sortedAttributes(attrs) {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			vals[a.Name] = v
		}
	}
	return attrs, vals, diags
}
