package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// evalPolicies checks every policy of every module instance against planned values. A failing
// mandatory policy is an error diagnostic at the policy's range; advisory ones are listed.
func (e *Engine) evalPolicies(ev *evaluator, p *plans.Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range ev.allScopes {
		for _, name := range keysOf(s.cfg.Policies) {
			pol := s.cfg.Policies[name]
			res := plans.PolicyResult{Name: s.prefix() + name, Enforcement: pol.Enforcement, Range: rangeString(pol.DeclRange)}
			if res.Enforcement == "" {
				res.Enforcement = config.Mandatory
			}
			v, d := s.eval(pol.Condition, repetition{}, cty.Bool)
			if d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			v, _ = v.UnmarkDeep()
			msg := ""
			if pol.Message != nil {
				mv, md := s.eval(pol.Message, repetition{}, cty.String)
				mv, _ = mv.UnmarkDeep()
				if !md.HasErrors() && mv.IsWhollyKnown() && !mv.IsNull() {
					msg = mv.AsString()
				}
			}
			switch {
			case !v.IsKnown():
				res.Passed = true
				res.Message = "not decided: depends on values known only after apply"
			case v.IsNull() || v.False():
				res.Passed = false
				res.Message = msg
				if res.Enforcement == config.Mandatory {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Policy %q failed", res.Name),
						Detail: msg, Subject: pol.DeclRange.Ptr(), Expression: pol.Condition})
				}
			default:
				res.Passed = true
			}
			p.Policies = append(p.Policies, res)
		}
	}
	return diags
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// ConfigRules converts the configuration's approval block to the plan's form.
func ConfigRules(a *config.Approval) *plans.ApprovalRules {
	if a == nil {
		return nil
	}
	r := &plans.ApprovalRules{Required: a.Required}
	if a.MaxAgeSet {
		r.MaxAge = a.MaxAge.String()
	}
	for _, ap := range a.Approvers {
		r.Approvers = append(r.Approvers, plans.Approver{Name: ap.Name, Key: ap.Key})
	}
	for _, ru := range a.Rules {
		r.Rules = append(r.Rules, plans.Rule{Name: ru.Name, ResourceTypes: ru.ResourceTypes, Actions: ru.Actions, Required: ru.Required})
	}
	return r
}

// approvalRules decides the rules in force: those recorded in state by the last apply, or,
// on a state that has none, the configuration's. A configuration block that differs from the
// rules in force is itself a change (RulesChange) approved under the old rules.
func (e *Engine) approvalRules(cfg *config.Config, st *state.State, p *plans.Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	conf := ConfigRules(cfg.Approval)
	if cfg.Approval != nil {
		for _, err := range plans.ValidateRules(conf, e.IsResourceType) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid approval block", Detail: err.Error(), Subject: cfg.Approval.DeclRange.Ptr()})
		}
	}
	if len(st.Approval) > 0 {
		var inForce plans.ApprovalRules
		if err := json.Unmarshal(st.Approval, &inForce); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unreadable approval rules in state", Detail: err.Error()})
			return diags
		}
		p.Rules, p.RulesSource = &inForce, "state"
		if conf != nil && !reflect.DeepEqual(normRules(conf), normRules(&inForce)) {
			p.RulesChange = conf
		}
		return diags
	}
	p.Rules, p.RulesSource = conf, "config"
	return diags
}

// normRules makes two rule sets comparable (nil and empty slices alike).
func normRules(r *plans.ApprovalRules) string {
	b, _ := json.Marshal(r)
	var m any
	_ = json.Unmarshal(b, &m)
	out, _ := json.Marshal(m)
	return string(out)
}

var _ = time.Second
