package config

import "github.com/hashicorp/hcl/v2"

// merge adds the declarations of one file, decoded on its own, to the module, reporting
// names declared again in another file.
func (m *moduleDecoder) merge(f *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	c := m.cfg
	if f.Enclave != nil {
		if c.Enclave != nil {
			diags = append(diags, duplicateEnclave(c.Enclave.DeclRange, f.Enclave.DeclRange))
		} else {
			c.Enclave = f.Enclave
		}
	}
	if f.Approval != nil {
		if c.Approval != nil {
			diags = append(diags, duplicateApproval(c.Approval.DeclRange, f.Approval.DeclRange))
		} else {
			c.Approval = f.Approval
		}
	}
	for _, k := range sortedKeys(f.Providers) {
		if prev, ok := c.Providers[k]; ok {
			diags = append(diags, duplicateProvider(prev, f.Providers[k]))
		} else {
			c.Providers[k] = f.Providers[k]
		}
	}
	diags = append(diags, mergeNamed(c.Variables, f.Variables, "variable", func(v *Variable) hcl.Range { return v.DeclRange })...)
	diags = append(diags, mergeNamed(c.Locals, f.Locals, "local value", func(v *Local) hcl.Range { return v.DeclRange })...)
	diags = append(diags, mergeNamed(c.Resources, f.Resources, "resource", func(v *Resource) hcl.Range { return v.DeclRange })...)
	diags = append(diags, mergeNamed(c.Data, f.Data, "data source", func(v *Resource) hcl.Range { return v.DeclRange })...)
	diags = append(diags, mergeNamed(c.Modules, f.Modules, "module call", func(v *ModuleCall) hcl.Range { return v.DeclRange })...)
	diags = append(diags, mergeNamed(c.Outputs, f.Outputs, "output", func(v *Output) hcl.Range { return v.DeclRange })...)
	diags = append(diags, mergeNamed(c.Policies, f.Policies, "policy", func(v *Policy) hcl.Range { return v.DeclRange })...)
	return diags
}

func mergeNamed[V any](into, from map[string]V, kind string, rng func(V) hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, k := range sortedKeys(from) {
		if prev, ok := into[k]; ok {
			diags = append(diags, duplicate(kind, k, rng(prev), rng(from[k])))
			continue
		}
		into[k] = from[k]
	}
	return diags
}
