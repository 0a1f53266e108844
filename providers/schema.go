package providers

import (
	"fmt"
	"sort"

	"github.com/zclconf/go-cty/cty"
)

// Schema describes the attributes and nested blocks of a provider configuration, a resource
// type or a data source.
type Schema struct {
	Description string
	Attributes  map[string]*Attribute
	Blocks      map[string]*Block
}

// Attribute is one attribute of a schema. Type is one of cty.String, cty.Number, cty.Bool,
// cty.List(cty.String), cty.List(cty.Number), cty.Set(cty.String) or cty.Map(cty.String).
type Attribute struct {
	Type        cty.Type
	Description string
	Required    bool
	Optional    bool
	// Computed attributes are set by the provider. Optional+Computed means: the user may set
	// it; when unset, whatever the device reports is accepted and is not a change.
	Computed  bool
	Sensitive bool
	// ForceNew: a change to this attribute cannot be made in place; the object is replaced.
	ForceNew bool
	// Default is applied when the attribute is optional and not set (plain Go value).
	Default any
	// OneOf restricts a string attribute to these values.
	OneOf []string
}

// Nesting says how many times a nested block may appear.
type Nesting int

const (
	// NestingList blocks may repeat; their order is kept and is significant when Ordered.
	NestingList Nesting = iota
	// NestingSingle blocks appear at most once.
	NestingSingle
)

// Block is a nested block type, e.g. vsphere_virtual_machine's disk.
type Block struct {
	Schema
	Nesting  Nesting
	MinItems int
	MaxItems int
	// Ordered lists (security policies, export rules) treat reordering as a change; unordered
	// lists are compared as multisets.
	Ordered  bool
	ForceNew bool
}

// ResourceSchema describes a managed resource type.
type ResourceSchema struct {
	Schema
	// Destructive types hold data: deleting or replacing one is marked destructive in every
	// plan view and needs its own approval rule.
	Destructive bool
	// ImportHelp says what ID `enclave import` takes for this type.
	ImportHelp string
}

// ProviderSchema is everything a provider type declares.
type ProviderSchema struct {
	// Provider is the schema of the provider block itself (url, username, ...).
	Provider *Schema
	// Resources and DataSources by type name (e.g. "vsphere_virtual_machine").
	Resources   map[string]*ResourceSchema
	DataSources map[string]*Schema
	// Transactional providers receive all changes of one configured instance in a single
	// Apply call (Junos: one commit per device). Others receive one change per call, in
	// dependency order.
	Transactional bool
}

// SortedKeys returns the attribute names in order.
func (s *Schema) SortedKeys() []string {
	keys := make([]string, 0, len(s.Attributes))
	for k := range s.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SortedBlockKeys returns the block type names in order.
func (s *Schema) SortedBlockKeys() []string {
	keys := make([]string, 0, len(s.Blocks))
	for k := range s.Blocks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ImpliedType is the cty object type of a value that conforms to the schema. Nested list
// blocks are lists of objects; single blocks are objects (null when absent).
func (s *Schema) ImpliedType() cty.Type {
	atys := map[string]cty.Type{}
	for n, a := range s.Attributes {
		atys[n] = a.Type
	}
	for n, b := range s.Blocks {
		if b.Nesting == NestingSingle {
			atys[n] = b.ImpliedType()
		} else {
			atys[n] = cty.List(b.ImpliedType())
		}
	}
	return cty.Object(atys)
}

// Validate checks the schema itself; registries call it so a provider bug is found by tests.
func (s *Schema) Validate(name string) error {
	for n, a := range s.Attributes {
		if a.Type == cty.NilType {
			return fmt.Errorf("%s.%s: no type", name, n)
		}
		if !a.Required && !a.Optional && !a.Computed {
			return fmt.Errorf("%s.%s: neither required, optional nor computed", name, n)
		}
		if a.Required && (a.Optional || a.Computed) {
			return fmt.Errorf("%s.%s: required and optional/computed", name, n)
		}
	}
	for n, b := range s.Blocks {
		if _, dup := s.Attributes[n]; dup {
			return fmt.Errorf("%s.%s: both attribute and block", name, n)
		}
		if err := b.Schema.Validate(name + "." + n); err != nil {
			return err
		}
	}
	return nil
}

// SensitivePaths lists the dotted paths of sensitive attributes (blocks included, with no
// index: "disk.password").
func (s *Schema) SensitivePaths() []string {
	var out []string
	for _, n := range s.SortedKeys() {
		if s.Attributes[n].Sensitive {
			out = append(out, n)
		}
	}
	for _, n := range s.SortedBlockKeys() {
		for _, p := range s.Blocks[n].SensitivePaths() {
			out = append(out, n+"."+p)
		}
	}
	return out
}
