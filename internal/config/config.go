package config

import (
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// Config is one module of the configuration: the root enclave directory or a module it calls.
// Expressions are kept unevaluated; the engine evaluates them.
type Config struct {
	Path      []string // module call path; nil for the root
	Dir       string   // slash dir relative to the enclave dir: "." for the root, "../../modules/esx-cluster"
	Files     []string // the .hcl files of this module, slash paths relative to the enclave dir
	Enclave   *Enclave // root only, exactly once
	Variables map[string]*Variable
	Locals    map[string]*Local
	Providers map[string]*Provider // by Key(): "vsphere" or "junos.srx"; root only
	Resources map[string]*Resource // "TYPE.NAME"
	Data      map[string]*Resource // "data.TYPE.NAME"
	Modules   map[string]*ModuleCall
	Outputs   map[string]*Output
	Policies  map[string]*Policy
	Approval  *Approval // root only; nil when the configuration has none
	Children  map[string]*Config
	Parent    *Config // nil for the root
}

func newConfig(dir string, modPath []string, parent *Config) *Config {
	return &Config{
		Path: modPath, Dir: dir, Parent: parent,
		Variables: map[string]*Variable{}, Locals: map[string]*Local{},
		Providers: map[string]*Provider{}, Resources: map[string]*Resource{},
		Data: map[string]*Resource{}, Modules: map[string]*ModuleCall{},
		Outputs: map[string]*Output{}, Policies: map[string]*Policy{},
		Children: map[string]*Config{},
	}
}

// Root returns the root module's Config.
func (c *Config) Root() *Config {
	for c.Parent != nil {
		c = c.Parent
	}
	return c
}

// Descendant returns the module at path below c (nil path: c itself), or nil.
func (c *Config) Descendant(path []string) *Config {
	for _, name := range path {
		if c = c.Children[name]; c == nil {
			return nil
		}
	}
	return c
}

// Walk calls fn for c and every module below it, depth first, children in call-name order.
func (c *Config) Walk(fn func(*Config)) {
	fn(c)
	names := make([]string, 0, len(c.Children))
	for n := range c.Children {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.Children[n].Walk(fn)
	}
}

// Enclave is the root's enclave block.
type Enclave struct {
	Name        string
	Description string
	Backend     string         // "local" (default) or "postgres"
	BackendURL  hcl.Expression // postgres only; nil otherwise; may call env()
	DeclRange   hcl.Range
}

// Variable is an input variable.
type Variable struct {
	Name string
	// Type is the type constraint; cty.DynamicPseudoType when none is given.
	Type cty.Type
	// TypeDefaults holds the optional(attr, default) defaults of object types, to apply to a
	// given value before converting it to Type; nil when none. Default has them applied.
	TypeDefaults *typeexpr.Defaults
	Default      cty.Value // converted to Type; cty.NilVal when there is none (the input is required)
	Sensitive    bool
	Description  string
	Validations  []*Validation
	DeclRange    hcl.Range
}

// Required reports whether the variable must be given a value.
func (v *Variable) Required() bool { return v.Default == cty.NilVal }

// Validation is a variable's validation block.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	DeclRange    hcl.Range
}

// Local is one named value of a locals block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Provider is a provider block. Config holds its arguments without alias.
type Provider struct {
	Type      string
	Alias     string
	Config    hcl.Body
	DeclRange hcl.Range
}

// Key is how resources name this provider: "vsphere" or "junos.srx".
func (p *Provider) Key() string { return providerKey(p.Type, p.Alias) }

func providerKey(typ, alias string) string {
	if alias == "" {
		return typ
	}
	return typ + "." + alias
}

// Resource is a resource or data block.
type Resource struct {
	Mode string // "managed" or "data"
	Type string
	Name string
	// ProviderRef is the explicit `provider = ...`; nil means the unaliased provider of
	// ProviderType().
	ProviderRef *ProviderRef
	Count       hcl.Expression // nil when absent
	ForEach     hcl.Expression // nil when absent
	DependsOn   []hcl.Traversal
	// lifecycle
	PreventDestroy   bool
	IgnoreChanges    []hcl.Traversal // relative attribute paths, e.g. description, unit[0].vlan_id
	IgnoreAllChanges bool            // ignore_changes = all
	Tags             hcl.Expression  // nil when absent
	// Config is everything else, dynamic blocks included, for the engine to decode against the
	// provider's schema. It holds no meta-arguments.
	Config    hcl.Body
	DeclRange hcl.Range
	TypeRange hcl.Range
}

// Resource modes.
const (
	ManagedMode = "managed"
	DataMode    = "data"
)

// Addr is TYPE.NAME or data.TYPE.NAME.
func (r *Resource) Addr() string {
	if r.Mode == DataMode {
		return "data." + r.Type + "." + r.Name
	}
	return r.Type + "." + r.Name
}

// ProviderType is the provider type the resource type belongs to: the text before the first "_".
func (r *Resource) ProviderType() string { return ResourceProviderType(r.Type) }

// ProviderKey is the Provider.Key of the provider instance this resource uses.
func (r *Resource) ProviderKey() string {
	if r.ProviderRef != nil {
		return providerKey(r.ProviderRef.Type, r.ProviderRef.Alias)
	}
	return r.ProviderType()
}

// ResourceProviderType returns the provider type of a resource type name: the text before the
// first "_" ("vsphere" for vsphere_host).
func ResourceProviderType(resourceType string) string {
	for i := 0; i < len(resourceType); i++ {
		if resourceType[i] == '_' {
			return resourceType[:i]
		}
	}
	return resourceType
}

// ProviderRef is `provider = junos.srx`.
type ProviderRef struct {
	Type  string
	Alias string
	Range hcl.Range
}

// ModuleCall is a module block.
type ModuleCall struct {
	Name        string
	Source      string // as written: "./modules/x", "../../modules/esx-cluster"
	SourceRange hcl.Range
	Inputs      map[string]*hcl.Attribute
	Count       hcl.Expression
	ForEach     hcl.Expression
	DependsOn   []hcl.Traversal
	DeclRange   hcl.Range

	sourceOK bool // Source decoded as a literal string
}

// Output is an output block.
type Output struct {
	Name        string
	Expr        hcl.Expression
	Sensitive   bool
	Description string
	DeclRange   hcl.Range
}

// Policy is a policy block, checked against planned values.
type Policy struct {
	Name        string
	Enforcement string // "mandatory" (default) or "advisory"
	Condition   hcl.Expression
	Message     hcl.Expression
	DeclRange   hcl.Range
}

// Policy enforcement levels.
const (
	Mandatory = "mandatory"
	Advisory  = "advisory"
)

// Approval is the change-approval block.
type Approval struct {
	Required  int
	MaxAge    time.Duration
	MaxAgeSet bool
	Approvers []*Approver
	Rules     []*ApprovalRule
	DeclRange hcl.Range
}

// Approver is a named reviewer. Key is the authorized_keys line, evaluated at load time with
// functions only (file() is allowed, variables are not), so the rules never depend on inputs.
type Approver struct {
	Name      string
	Key       string
	DeclRange hcl.Range
	KeyRange  hcl.Range
}

// ApprovalRule raises the quorum for the changes it matches. Empty ResourceTypes or Actions
// match every type or action. OpensInto and OpensFrom, when set, also require the plan to
// newly permit a flow into (from) one of those security zones (docs/reachability.md).
type ApprovalRule struct {
	Name          string
	ResourceTypes []string
	Actions       []string // create, update, replace, delete
	OpensInto     []string
	OpensFrom     []string
	Required      int
	DeclRange     hcl.Range
}
