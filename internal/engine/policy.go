package engine

import (
	"fmt"
	"slices"
	"strings"
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
	// Policies, and only they, see what the plan does to reachability.
	rv := reachabilityValue(p.Reachability)
	ev.reachability = &rv
	defer func() { ev.reachability = nil }()
	notComputed := reachNotComputed(p.Reachability)
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
				mv, marks := mv.UnmarkDeep()
				_, secret := marks[markSensitive]
				switch {
				case md.HasErrors():
				case secret:
					// A message built from a sensitive value would print and store it.
					msg = "(the message uses a sensitive value and is not shown)"
				case mv.IsWhollyKnown() && !mv.IsNull():
					msg = mv.AsString()
				}
			}
			switch {
			case !v.IsKnown():
				res.Passed = true
				res.Message = "not decided: depends on values known only after apply"
				if notComputed != "" && refersTo(pol.Condition, "reachability") {
					res.Message = "not decided: the reachability it reads was not computed (" + notComputed + ")"
				}
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

// refersTo reports whether an expression refers to the top-level name root.
func refersTo(expr hcl.Expression, root string) bool {
	for _, t := range expr.Variables() {
		if t.RootName() == root {
			return true
		}
	}
	return false
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
		r.Rules = append(r.Rules, plans.Rule{Name: ru.Name, ResourceTypes: ru.ResourceTypes, Actions: ru.Actions,
			OpensInto: ru.OpensInto, OpensFrom: ru.OpensFrom, Required: ru.Required})
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
	inForce, err := RulesInForce(st, nil)
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Approval rules in state do not verify", Detail: err.Error()})
		return diags
	}
	if inForce != nil {
		p.Rules, p.RulesSource = inForce, "state"
		if conf != nil && !plans.SameRules(conf, inForce) {
			p.RulesChange = conf
		}
	} else {
		p.Rules, p.RulesSource = conf, "config"
	}
	if cfg.Approval != nil {
		diags = append(diags, e.destructionRuleWarnings(cfg, conf, p)...)
	}
	// Destruction needs a rule of its own (SPEC §2): refuse the plan now rather than let an
	// approved plan fail at the gate.
	if u := plans.UncoveredDestruction(p.Rules, p.Changes); len(u) > 0 && p.Rules != nil {
		var subject *hcl.Range
		if cfg.Approval != nil {
			subject = cfg.Approval.DeclRange.Ptr()
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Destruction without an approval rule",
			Detail:  fmt.Sprintf("This plan destroys data (%s), and no rule of the approval rules in force covers it. Add a rule naming these resource types and actions (e.g. rule \"destroys-data\" { actions = [\"delete\", \"replace\"], resource_types = [...] }) in a change of its own first.", strings.Join(u, "; ")),
			Subject: subject})
	}
	return diags
}

var _ = time.Second

// destructionRuleWarnings warns when the approval block has no rule that would cover deleting
// or replacing a data-holding resource type the enclave uses: such a plan would be refused.
func (e *Engine) destructionRuleWarnings(cfg *config.Config, conf *plans.ApprovalRules, p *plans.Plan) hcl.Diagnostics {
	var missing []string
	seen := map[string]bool{}
	for _, c := range p.Changes {
		if c.Mode != "managed" || seen[c.Type] {
			continue
		}
		seen[c.Type] = true
		rs := e.resourceSchema(c.Type)
		if rs == nil || !rs.Destructive {
			continue
		}
		for _, action := range []plans.Action{plans.Delete, plans.Replace} {
			probe := []plans.ResourceChange{{Addr: c.Type, Type: c.Type, Action: action, Destructive: true}}
			if len(plans.UncoveredDestruction(conf, probe)) > 0 {
				missing = append(missing, c.Type+" ("+action.String()+")")
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "No approval rule covers destroying data",
		Detail:  fmt.Sprintf("No rule of the approval block covers %s: a plan that destroys such data will be refused until a rule does (e.g. rule \"destroys-data\" { actions = [\"delete\", \"replace\"], resource_types = [...] }).", strings.Join(missing, ", ")),
		Subject: cfg.Approval.DeclRange.Ptr()}}
}

// zoneRuleWarnings warns about a rule naming, in opens_into or opens_from, a zone that no
// security zone or policy of the enclave names: a misspelt zone would never raise the quorum.
func zoneRuleWarnings(cfg *config.Config, changes map[string]*plans.ResourceChange) hcl.Diagnostics {
	zones := securityZones(changes)
	var diags hcl.Diagnostics
	for _, r := range cfg.Approval.Rules {
		var unknown []string
		for _, z := range append(slices.Clone(r.OpensInto), r.OpensFrom...) {
			if !zones[z] && !slices.Contains(unknown, z) {
				unknown = append(unknown, z)
			}
		}
		if len(unknown) > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Approval rule names an unknown zone",
				Detail:  fmt.Sprintf("Rule %q names %s, which no junos_security_zone or junos_security_policies of this enclave names: it applies only when a plan opens traffic into or from a zone of that name.", r.Name, quoteJoin(unknown)),
				Subject: r.DeclRange.Ptr()})
		}
	}
	return diags
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
