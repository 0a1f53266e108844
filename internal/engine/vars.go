package engine

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// VarInputs are the ways a root variable gets a value, lowest precedence first: its default,
// --var-file files (HCL `name = value` lines, in order), ENCLAVE_VAR_<name> environment
// variables, then --var K=V flags.
type VarInputs struct {
	Files []string
	Flags []string // "K=V"
	// Environ is the environment to read ENCLAVE_VAR_* from (nil: os.Environ()).
	Environ []string
}

func parseHCLValue(raw, origin string) (cty.Value, hcl.Diagnostics) {
	expr, diags := hclsyntax.ParseExpression([]byte(raw), origin, hcl.Pos{Line: 1, Column: 1, Byte: 0})
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	v, d := expr.Value(nil)
	return v, append(diags, d...)
}

// resolveVars gathers root variable values. Unknown names are errors (with a did-you-mean).
func resolveVars(cfg *config.Config, in VarInputs) (map[string]cty.Value, hcl.Diagnostics) {
	out := map[string]cty.Value{}
	var diags hcl.Diagnostics
	declared := keysOf(cfg.Variables)
	unknownVar := func(name, origin string, rng *hcl.Range) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
			Detail: fmt.Sprintf("%s sets %q, which the enclave does not declare.%s", origin, name, suggest(name, declared)), Subject: rng})
	}
	p := hclparse.NewParser()
	for _, f := range in.Files {
		var ignored []string
		src, err := os.ReadFile(f)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read variables file", Detail: err.Error()})
			continue
		}
		file, d := p.ParseHCL(src, f)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		attrs, d := file.Body.JustAttributes()
		diags = append(diags, d...)
		names := make([]string, 0, len(attrs))
		for n := range attrs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			a := attrs[n]
			if _, ok := cfg.Variables[n]; !ok {
				// A variables file may serve several enclaves (the lab's lab.vars does), so
				// values for undeclared variables are ignored, as Terraform does, with a warning.
				ignored = append(ignored, n)
				continue
			}
			v, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() {
				out[n] = v
			}
		}
		if len(ignored) > 0 && !quietVarFile(f) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Values for undeclared variables",
				Detail: fmt.Sprintf("%s sets %s, which the enclave does not declare; ignored.", f, strings.Join(ignored, ", "))})
		}
	}
	env := in.Environ
	if env == nil {
		env = os.Environ()
	}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "ENCLAVE_VAR_") {
			continue
		}
		name := strings.TrimPrefix(k, "ENCLAVE_VAR_")
		decl, ok := cfg.Variables[name]
		if !ok {
			continue // the environment may hold values for other enclaves
		}
		val, d := parseVarValue(decl, v, k)
		diags = append(diags, d...)
		if !d.HasErrors() {
			out[name] = val
		}
	}
	for _, kv := range in.Flags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --var", Detail: fmt.Sprintf("%q is not NAME=VALUE.", kv)})
			continue
		}
		decl, ok := cfg.Variables[k]
		if !ok {
			unknownVar(k, "--var", nil)
			continue
		}
		val, d := parseVarValue(decl, v, "--var "+k)
		diags = append(diags, d...)
		if !d.HasErrors() {
			out[k] = val
		}
	}
	return out, diags
}

// quietVarFile: the lab's variables file describes the whole lab; an enclave using part of it
// is normal, not worth a warning.
func quietVarFile(path string) bool { return strings.HasSuffix(path, "lab.vars") }
