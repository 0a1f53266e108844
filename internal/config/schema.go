package config

import "github.com/hashicorp/hcl/v2"

// The block and argument names of the language. Resource and provider bodies are only
// partially described here: the rest belongs to the provider's schema.

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "enclave", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "provider", LabelNames: []string{"type"}},
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "data", LabelNames: []string{"type", "name"}},
		{Type: "module", LabelNames: []string{"name"}},
		{Type: "output", LabelNames: []string{"name"}},
		{Type: "policy", LabelNames: []string{"name"}},
		{Type: "approval"},
	},
}

var enclaveSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "state"}},
}

var stateSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "backend"}, {Name: "url"}},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "default"}, {Name: "sensitive"}, {Name: "description"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true}, {Name: "error_message", Required: true},
	},
}

var providerMetaSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "alias"}},
}

// resourceMetaSchema holds the meta-arguments every resource and data block accepts.
var resourceMetaSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "count"}, {Name: "for_each"}, {Name: "provider"}, {Name: "depends_on"}, {Name: "tags"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

var lifecycleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "prevent_destroy"}, {Name: "ignore_changes"}},
}

var moduleMetaSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "source", Required: true}, {Name: "count"}, {Name: "for_each"}, {Name: "depends_on"},
	},
}

var outputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "value", Required: true}, {Name: "sensitive"}, {Name: "description"},
	},
}

var policySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "enforcement"}, {Name: "condition", Required: true}, {Name: "message", Required: true},
	},
}

var approvalSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "required", Required: true}, {Name: "max_age"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "approver", LabelNames: []string{"name"}},
		{Type: "rule", LabelNames: []string{"name"}},
	},
}

var approverSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "key", Required: true}},
}

var ruleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "resource_types"}, {Name: "actions"}, {Name: "opens_into"}, {Name: "opens_from"}, {Name: "required", Required: true},
	},
}

// ruleActions are the actions an approval rule may name, as plans and providers spell them.
var ruleActions = []string{"create", "update", "replace", "delete"}
