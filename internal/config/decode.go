package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// moduleDecoder decodes the files of one module into its Config.
type moduleDecoder struct {
	l    *Loader
	cfg  *Config
	root bool
}

func (m *moduleDecoder) decodeFile(body hcl.Body) hcl.Diagnostics {
	content, diags := body.Content(fileSchema)
	for _, block := range content.Blocks {
		switch block.Type {
		case "enclave":
			diags = append(diags, m.decodeEnclave(block)...)
		case "variable":
			diags = append(diags, m.decodeVariable(block)...)
		case "locals":
			diags = append(diags, m.decodeLocals(block)...)
		case "provider":
			diags = append(diags, m.decodeProvider(block)...)
		case "resource", "data":
			diags = append(diags, m.decodeResource(block)...)
		case "module":
			diags = append(diags, m.decodeModuleCall(block)...)
		case "output":
			diags = append(diags, m.decodeOutput(block)...)
		case "policy":
			diags = append(diags, m.decodePolicy(block)...)
		case "approval":
			diags = append(diags, m.decodeApproval(block)...)
		}
	}
	return diags
}

func (m *moduleDecoder) rootOnly(block *hcl.Block, what string) hcl.Diagnostics {
	if m.root {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("%s in a module", what),
		Detail:   fmt.Sprintf("A %s block belongs in the root enclave directory only; module %q (%s) cannot declare one.", block.Type, strings.Join(m.cfg.Path, "."), m.cfg.Dir),
		Subject:  block.DefRange.Ptr(),
	}}
}

func duplicate(kind, name string, first, second hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s %q", kind, name),
		Detail:   fmt.Sprintf("A %s named %q was already declared at %s. Each must have a unique name.", kind, name, rangeString(first)),
		Subject:  second.Ptr(),
	}
}

func duplicateEnclave(first, second hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate enclave block",
		Detail:   fmt.Sprintf("The enclave is already declared at %s; a directory is exactly one enclave.", rangeString(first)),
		Subject:  second.Ptr(),
	}
}

func duplicateProvider(prev, p *Provider) *hcl.Diagnostic {
	if p.Alias == "" {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Duplicate provider configuration %q", p.Key()),
			Detail:   fmt.Sprintf("An unaliased %q provider is already declared at %s. Give each further one an alias and pick it with provider = %s.ALIAS.", p.Type, rangeString(prev.DeclRange), p.Type),
			Subject:  p.DeclRange.Ptr(),
		}
	}
	return duplicate("provider configuration", p.Key(), prev.DeclRange, p.DeclRange)
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func checkIdentifier(kind, name string, rng hcl.Range) hcl.Diagnostics {
	if asciiIdentifier(name) || hclsyntax.ValidIdentifier(name) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", kind),
		Detail:   fmt.Sprintf("%q is not a valid name: a name starts with a letter or underscore and may contain letters, digits, underscores and dashes.", name),
		Subject:  rng.Ptr(),
	}}
}

// asciiIdentifier is the common case of hclsyntax.ValidIdentifier without its Unicode
// segmentation, which is a measurable part of loading ten thousand resources.
func asciiIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func (m *moduleDecoder) decodeEnclave(block *hcl.Block) hcl.Diagnostics {
	diags := m.rootOnly(block, "Enclave block")
	if diags.HasErrors() {
		return diags
	}
	if m.cfg.Enclave != nil {
		return append(diags, duplicateEnclave(m.cfg.Enclave.DeclRange, block.DefRange))
	}
	e := &Enclave{Name: block.Labels[0], Backend: "local", DeclRange: block.DefRange}
	content, d := block.Body.Content(enclaveSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, decodeStatic(a.Expr, &e.Description)...)
	}
	var stateBlock *hcl.Block
	for _, b := range content.Blocks {
		if stateBlock != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate state block",
				Detail:   fmt.Sprintf("The state backend is already set at %s.", rangeString(stateBlock.DefRange)),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		stateBlock = b
		sc, d := b.Body.Content(stateSchema)
		diags = append(diags, d...)
		if a, ok := sc.Attributes["backend"]; ok {
			d := decodeStatic(a.Expr, &e.Backend)
			diags = append(diags, d...)
			if !d.HasErrors() && e.Backend != "local" && e.Backend != "postgres" {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown state backend",
					Detail:   fmt.Sprintf("The backend %q is not one of \"local\" or \"postgres\".%s", e.Backend, didYouMean(e.Backend, []string{"local", "postgres"})),
					Subject:  a.Expr.Range().Ptr(),
				})
			}
		}
		if a, ok := sc.Attributes["url"]; ok {
			e.BackendURL = a.Expr
			if e.Backend != "postgres" {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unexpected state url",
					Detail:   fmt.Sprintf("url is only used by the \"postgres\" backend; this enclave's backend is %q.", e.Backend),
					Subject:  a.NameRange.Ptr(),
				})
			}
		} else if e.Backend == "postgres" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing state url",
				Detail:   "The \"postgres\" backend needs url, the connection string (for example url = env(\"ENCLAVE_PG_URL\")).",
				Subject:  b.DefRange.Ptr(),
			})
		}
	}
	m.cfg.Enclave = e
	return diags
}

func (m *moduleDecoder) decodeVariable(block *hcl.Block) hcl.Diagnostics {
	name := block.Labels[0]
	diags := checkIdentifier("variable", name, block.LabelRanges[0])
	if slices.ContainsFunc(moduleMetaSchema.Attributes, func(a hcl.AttributeSchema) bool { return a.Name == name }) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reserved variable name",
			Detail:   fmt.Sprintf("%q is a meta-argument of module blocks, so a caller could never set it; choose another name.", name),
			Subject:  block.LabelRanges[0].Ptr(),
		})
	}
	if prev, ok := m.cfg.Variables[name]; ok {
		return append(diags, duplicate("variable", name, prev.DeclRange, block.DefRange))
	}
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, Default: cty.NilVal, DeclRange: block.DefRange}
	m.cfg.Variables[name] = v
	content, d := block.Body.Content(variableSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["type"]; ok {
		ty, defaults, d := typeexpr.TypeConstraintWithDefaults(a.Expr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			v.Type, v.TypeDefaults = ty, defaults
		}
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, decodeStatic(a.Expr, &v.Sensitive)...)
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, decodeStatic(a.Expr, &v.Description)...)
	}
	if a, ok := content.Attributes["default"]; ok {
		val, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v.TypeDefaults != nil {
				val = v.TypeDefaults.Apply(val)
			}
			conv, err := convert.Convert(val, v.Type)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid default value for variable",
					Detail:   fmt.Sprintf("The default of variable %q is not a valid %s: %s.", name, typeexpr.TypeString(v.Type), err),
					Subject:  a.Expr.Range().Ptr(),
				})
			} else {
				v.Default = conv
			}
		}
	}
	for _, b := range content.Blocks {
		vc, d := b.Body.Content(validationSchema)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		v.Validations = append(v.Validations, &Validation{
			Condition:    vc.Attributes["condition"].Expr,
			ErrorMessage: vc.Attributes["error_message"].Expr,
			DeclRange:    b.DefRange,
		})
	}
	return diags
}

func (m *moduleDecoder) decodeLocals(block *hcl.Block) hcl.Diagnostics {
	attrs, diags := block.Body.JustAttributes()
	for _, a := range sortedAttributes(attrs) {
		if prev, ok := m.cfg.Locals[a.Name]; ok {
			diags = append(diags, duplicate("local value", a.Name, prev.DeclRange, a.NameRange))
			continue
		}
		m.cfg.Locals[a.Name] = &Local{Name: a.Name, Expr: a.Expr, DeclRange: a.NameRange}
	}
	return diags
}

func (m *moduleDecoder) decodeProvider(block *hcl.Block) hcl.Diagnostics {
	diags := m.rootOnly(block, "Provider block")
	if diags.HasErrors() {
		diags[0].Detail += " Modules use the root's providers; pass an aliased one with provider = TYPE.ALIAS on the module's resources."
		return diags
	}
	p := &Provider{Type: block.Labels[0], DeclRange: block.DefRange}
	diags = append(diags, checkIdentifier("provider", p.Type, block.LabelRanges[0])...)
	content, _, d := block.Body.PartialContent(providerMetaSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["alias"]; ok {
		d := decodeStatic(a.Expr, &p.Alias)
		diags = append(diags, d...)
		if !d.HasErrors() {
			diags = append(diags, checkIdentifier("provider alias", p.Alias, a.Expr.Range())...)
		}
	}
	p.Config = withoutMeta(block.Body, providerMetaSchema)
	if prev, ok := m.cfg.Providers[p.Key()]; ok {
		return append(diags, duplicateProvider(prev, p))
	}
	if schema, ok := m.l.ProviderSchemas[p.Type]; ok {
		_, d := p.Config.Content(schema)
		diags = append(diags, d...)
	} else if m.l.ProviderSchemas != nil {
		names := sortedKeys(m.l.ProviderSchemas)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown provider type",
			Detail:   fmt.Sprintf("There is no provider %q; the providers are %s.%s", p.Type, strings.Join(names, ", "), didYouMean(p.Type, names)),
			Subject:  block.LabelRanges[0].Ptr(),
		})
	}
	m.cfg.Providers[p.Key()] = p
	return diags
}

func (m *moduleDecoder) decodeResource(block *hcl.Block) hcl.Diagnostics {
	r := &Resource{Mode: ManagedMode, Type: block.Labels[0], Name: block.Labels[1], DeclRange: block.DefRange, TypeRange: block.LabelRanges[0]}
	kind, index := "resource", m.cfg.Resources
	if block.Type == "data" {
		r.Mode, kind, index = DataMode, "data source", m.cfg.Data
	}
	diags := checkIdentifier("resource type", r.Type, block.LabelRanges[0])
	diags = append(diags, checkIdentifier(kind, r.Name, block.LabelRanges[1])...)
	if prev, ok := index[r.Addr()]; ok {
		return append(diags, duplicate(kind, r.Addr(), prev.DeclRange, block.DefRange))
	}
	index[r.Addr()] = r

	content, _, d := block.Body.PartialContent(resourceMetaSchema)
	diags = append(diags, d...)
	r.Config = withoutMeta(block.Body, resourceMetaSchema)
	r.Count, r.ForEach, d = countForEach(content)
	diags = append(diags, d...)
	if a, ok := content.Attributes["tags"]; ok {
		r.Tags = a.Expr
	}
	if a, ok := content.Attributes["provider"]; ok {
		ref, d := decodeProviderRef(a.Expr)
		diags = append(diags, d...)
		if ref != nil && ref.Type != r.ProviderType() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Provider type mismatch",
				Detail:   fmt.Sprintf("%s belongs to the %q provider and cannot use a %q provider.", r.Addr(), r.ProviderType(), ref.Type),
				Subject:  ref.Range.Ptr(),
			})
		} else {
			r.ProviderRef = ref
		}
	}
	if a, ok := content.Attributes["depends_on"]; ok {
		r.DependsOn, d = decodeDependsOn(a.Expr)
		diags = append(diags, d...)
	}
	for i, b := range content.Blocks {
		if r.Mode == DataMode {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported block type",
				Detail:   "Data sources are read, never changed: a lifecycle block has no meaning here.",
				Subject:  b.TypeRange.Ptr(),
			})
			continue
		}
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate lifecycle block",
				Detail:   fmt.Sprintf("%s already has a lifecycle block at %s.", r.Addr(), rangeString(content.Blocks[0].DefRange)),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		diags = append(diags, decodeLifecycle(b, r)...)
	}
	return diags
}

func countForEach(content *hcl.BodyContent) (count, forEach hcl.Expression, diags hcl.Diagnostics) {
	c, hasCount := content.Attributes["count"]
	f, hasForEach := content.Attributes["for_each"]
	if hasCount {
		count = c.Expr
	}
	if hasForEach {
		forEach = f.Expr
	}
	if hasCount && hasForEach {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  `Invalid combination of "count" and "for_each"`,
			Detail:   fmt.Sprintf(`The "count" (%s) and "for_each" meta-arguments are mutually exclusive: use one.`, rangeString(c.NameRange)),
			Subject:  f.NameRange.Ptr(),
		})
	}
	return count, forEach, diags
}

func decodeLifecycle(b *hcl.Block, r *Resource) hcl.Diagnostics {
	content, diags := b.Body.Content(lifecycleSchema)
	if a, ok := content.Attributes["prevent_destroy"]; ok {
		diags = append(diags, decodeStatic(a.Expr, &r.PreventDestroy)...)
	}
	a, ok := content.Attributes["ignore_changes"]
	if !ok {
		return diags
	}
	if hcl.ExprAsKeyword(a.Expr) == "all" {
		r.IgnoreAllChanges = true
		return diags
	}
	exprs, d := hcl.ExprList(a.Expr)
	diags = append(diags, d...)
	for _, e := range exprs {
		tr, d := hcl.RelTraversalForExpr(e)
		if d.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid ignore_changes entry",
				Detail:   "Each ignore_changes entry is an attribute of this resource written as a bare name, such as description or unit[0].vlan_id (not a quoted string), or the keyword all in place of the list.",
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		r.IgnoreChanges = append(r.IgnoreChanges, tr)
	}
	return diags
}

func decodeProviderRef(expr hcl.Expression) (*ProviderRef, hcl.Diagnostics) {
	tr, diags := hcl.AbsTraversalForExpr(expr)
	invalid := hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid provider reference",
		Detail:   "provider takes a provider type or TYPE.ALIAS, without quotes, such as provider = junos.srx.",
		Subject:  expr.Range().Ptr(),
	}}
	if diags.HasErrors() || len(tr) > 2 {
		return nil, invalid
	}
	ref := &ProviderRef{Type: tr.RootName(), Range: expr.Range()}
	if len(tr) == 2 {
		attr, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			return nil, invalid
		}
		ref.Alias = attr.Name
	}
	return ref, nil
}

// decodeDependsOn takes references to whole resources, data sources or modules.
func decodeDependsOn(expr hcl.Expression) ([]hcl.Traversal, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(expr)
	var out []hcl.Traversal
	for _, e := range exprs {
		tr, d := hcl.AbsTraversalForExpr(e)
		ok := !d.HasErrors()
		if ok {
			ref, d := ParseRef(tr)
			ok = !d.HasErrors()
			if ok {
				switch ref.Kind {
				case RefResource, RefData, RefModule:
				default:
					ok = false
				}
			}
		}
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid depends_on reference",
				Detail:   "depends_on lists resources, data sources or modules, without quotes: TYPE.NAME, data.TYPE.NAME or module.NAME.",
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		out = append(out, tr)
	}
	return out, diags
}

func (m *moduleDecoder) decodeModuleCall(block *hcl.Block) hcl.Diagnostics {
	name := block.Labels[0]
	diags := checkIdentifier("module", name, block.LabelRanges[0])
	if prev, ok := m.cfg.Modules[name]; ok {
		return append(diags, duplicate("module call", name, prev.DeclRange, block.DefRange))
	}
	mc := &ModuleCall{Name: name, DeclRange: block.DefRange, Inputs: map[string]*hcl.Attribute{}}
	content, remain, d := block.Body.PartialContent(moduleMetaSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["source"]; ok {
		mc.SourceRange = a.Expr.Range()
		d := decodeStatic(a.Expr, &mc.Source)
		diags = append(diags, d...)
		mc.sourceOK = !d.HasErrors()
	}
	mc.Count, mc.ForEach, d = countForEach(content)
	diags = append(diags, d...)
	if a, ok := content.Attributes["depends_on"]; ok {
		mc.DependsOn, d = decodeDependsOn(a.Expr)
		diags = append(diags, d...)
	}
	attrs, d := remain.JustAttributes()
	diags = append(diags, d...)
	for n, a := range attrs {
		mc.Inputs[n] = a
	}
	m.cfg.Modules[name] = mc
	return diags
}

func (m *moduleDecoder) decodeOutput(block *hcl.Block) hcl.Diagnostics {
	name := block.Labels[0]
	diags := checkIdentifier("output", name, block.LabelRanges[0])
	if prev, ok := m.cfg.Outputs[name]; ok {
		return append(diags, duplicate("output", name, prev.DeclRange, block.DefRange))
	}
	o := &Output{Name: name, DeclRange: block.DefRange}
	m.cfg.Outputs[name] = o
	content, d := block.Body.Content(outputSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["value"]; ok {
		o.Expr = a.Expr
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, decodeStatic(a.Expr, &o.Sensitive)...)
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, decodeStatic(a.Expr, &o.Description)...)
	}
	return diags
}

func (m *moduleDecoder) decodePolicy(block *hcl.Block) hcl.Diagnostics {
	name := block.Labels[0]
	var diags hcl.Diagnostics
	if prev, ok := m.cfg.Policies[name]; ok {
		return append(diags, duplicate("policy", name, prev.DeclRange, block.DefRange))
	}
	p := &Policy{Name: name, Enforcement: Mandatory, DeclRange: block.DefRange}
	m.cfg.Policies[name] = p
	content, d := block.Body.Content(policySchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["enforcement"]; ok {
		d := decodeStatic(a.Expr, &p.Enforcement)
		diags = append(diags, d...)
		if !d.HasErrors() && p.Enforcement != Mandatory && p.Enforcement != Advisory {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid policy enforcement",
				Detail:   fmt.Sprintf("enforcement is %q or %q, not %q.%s", Mandatory, Advisory, p.Enforcement, didYouMean(p.Enforcement, []string{Mandatory, Advisory})),
				Subject:  a.Expr.Range().Ptr(),
			})
		}
	}
	if a, ok := content.Attributes["condition"]; ok {
		p.Condition = a.Expr
	}
	if a, ok := content.Attributes["message"]; ok {
		p.Message = a.Expr
	}
	return diags
}

// decodeStatic decodes an expression that may not refer to anything (literals only).
func decodeStatic(expr hcl.Expression, dst any) hcl.Diagnostics {
	return gohcl.DecodeExpression(expr, nil, dst)
}

// withoutMeta returns body without the arguments and blocks of meta, so that the engine
// decodes only what the provider's schema describes and reference walks see only that.
func withoutMeta(body hcl.Body, meta *hcl.BodySchema) hcl.Body {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		_, remain, _ := body.PartialContent(meta)
		return remain
	}
	out := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: sb.SrcRange, EndRange: sb.EndRange}
	for n, a := range sb.Attributes {
		if !slices.ContainsFunc(meta.Attributes, func(s hcl.AttributeSchema) bool { return s.Name == n }) {
			out.Attributes[n] = a
		}
	}
	for _, b := range sb.Blocks {
		if !slices.ContainsFunc(meta.Blocks, func(s hcl.BlockHeaderSchema) bool { return s.Type == b.Type }) {
			out.Blocks = append(out.Blocks, b)
		}
	}
	return out
}
