package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

func duplicateApproval(first, second hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate approval block",
		Detail:   fmt.Sprintf("The approval rules are already declared at %s; there is one approval block per enclave.", rangeString(first)),
		Subject:  second.Ptr(),
	}
}

func (m *moduleDecoder) decodeApproval(block *hcl.Block) hcl.Diagnostics {
	diags := m.rootOnly(block, "Approval block")
	if diags.HasErrors() {
		return diags
	}
	if m.cfg.Approval != nil {
		return append(diags, duplicateApproval(m.cfg.Approval.DeclRange, block.DefRange))
	}
	ap := &Approval{DeclRange: block.DefRange}
	m.cfg.Approval = ap
	content, d := block.Body.Content(approvalSchema)
	diags = append(diags, d...)
	var requiredRange hcl.Range
	if a, ok := content.Attributes["required"]; ok {
		requiredRange = a.Expr.Range()
		diags = append(diags, decodeQuorum(a.Expr, &ap.Required)...)
	}
	if a, ok := content.Attributes["max_age"]; ok {
		var s string
		d := decodeStatic(a.Expr, &s)
		diags = append(diags, d...)
		if !d.HasErrors() {
			age, err := parseMaxAge(s)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid max_age",
					Detail:   fmt.Sprintf("max_age %q is not a positive duration: %s. Write it like \"24h\", \"90m\" or \"7d\".", s, err),
					Subject:  a.Expr.Range().Ptr(),
				})
			} else {
				ap.MaxAge, ap.MaxAgeSet = age, true
			}
		}
	}
	approvers := map[string]*Approver{}
	rules := map[string]*ApprovalRule{}
	ctx := &hcl.EvalContext{Functions: m.l.Functions(m.cfg.Dir)}
	for _, b := range content.Blocks {
		name := b.Labels[0]
		switch b.Type {
		case "approver":
			if prev, ok := approvers[name]; ok {
				diags = append(diags, duplicate("approver", name, prev.DeclRange, b.DefRange))
				continue
			}
			who := &Approver{Name: name, DeclRange: b.DefRange}
			approvers[name] = who
			ac, d := b.Body.Content(approverSchema)
			diags = append(diags, d...)
			if a, ok := ac.Attributes["key"]; ok {
				who.KeyRange = a.Expr.Range()
				if vars := a.Expr.Variables(); len(vars) > 0 {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Approver key refers to a value",
						Detail:   "An approver's key is literal text or file(\"...\"): the approval rules must not depend on inputs given at plan time.",
						Subject:  vars[0].SourceRange().Ptr(),
					})
				} else {
					var key string
					d := gohcl.DecodeExpression(a.Expr, ctx, &key)
					diags = append(diags, d...)
					who.Key = strings.TrimSpace(key)
				}
			}
			ap.Approvers = append(ap.Approvers, who)
		case "rule":
			if prev, ok := rules[name]; ok {
				diags = append(diags, duplicate("approval rule", name, prev.DeclRange, b.DefRange))
				continue
			}
			rule := &ApprovalRule{Name: name, DeclRange: b.DefRange}
			rules[name] = rule
			diags = append(diags, decodeRule(b, rule)...)
			ap.Rules = append(ap.Rules, rule)
		}
	}
	// one person holding two approver names would count twice toward a quorum
	byKey := map[string]*Approver{}
	for _, who := range ap.Approvers {
		f := strings.Fields(who.Key)
		if len(f) < 2 {
			continue // malformed keys are reported by the gate's key parser
		}
		k := f[0] + " " + f[1]
		if prev, ok := byKey[k]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Approvers share a key",
				Detail:   fmt.Sprintf("Approver %q has the same key as approver %q (%s): approvals must come from distinct people.", who.Name, prev.Name, rangeString(prev.KeyRange)),
				Subject:  who.KeyRange.Ptr(),
			})
			continue
		}
		byKey[k] = who
	}
	n := len(ap.Approvers)
	if ap.Required > n {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Approval quorum above the number of approvers",
			Detail:   fmt.Sprintf("required = %d, but only %s declared: no plan could ever be approved.", ap.Required, approverCount(n)),
			Subject:  requiredRange.Ptr(),
		})
	}
	for _, rule := range ap.Rules {
		if rule.Required > n {
			// A warning, not an error: SPEC §6's own example names two approvers and rules
			// needing three, and such a rule still does its job of refusing what it matches.
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Approval quorum above the number of approvers",
				Detail:   fmt.Sprintf("Rule %q requires %d approvals, but only %s declared: no change it matches can be approved until more approvers are added.", rule.Name, rule.Required, approverCount(n)),
				Subject:  rule.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

func approverCount(n int) string {
	if n == 1 {
		return "1 approver is"
	}
	return fmt.Sprintf("%d approvers are", n)
}

func decodeRule(b *hcl.Block, rule *ApprovalRule) hcl.Diagnostics {
	content, diags := b.Body.Content(ruleSchema)
	if a, ok := content.Attributes["resource_types"]; ok {
		diags = append(diags, decodeStatic(a.Expr, &rule.ResourceTypes)...)
	}
	if a, ok := content.Attributes["actions"]; ok {
		d := decodeStatic(a.Expr, &rule.Actions)
		diags = append(diags, d...)
		for _, act := range rule.Actions {
			if !slices.Contains(ruleActions, act) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid rule action",
					Detail:   fmt.Sprintf("%q is not an action: use %s.%s", act, strings.Join(ruleActions, ", "), didYouMean(act, ruleActions)),
					Subject:  a.Expr.Range().Ptr(),
				})
			}
		}
	}
	for _, z := range []struct {
		attr string
		dst  *[]string
	}{{"opens_into", &rule.OpensInto}, {"opens_from", &rule.OpensFrom}} {
		a, ok := content.Attributes[z.attr]
		if !ok {
			continue
		}
		d := decodeStatic(a.Expr, z.dst)
		diags = append(diags, d...)
		if !d.HasErrors() && len(*z.dst) == 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Empty zone list",
				Detail:   fmt.Sprintf("%s lists the security zones whose newly opened traffic raises the quorum; an empty list would name none. Leave it out instead.", z.attr),
				Subject:  a.Expr.Range().Ptr(),
			})
		}
	}
	if a, ok := content.Attributes["required"]; ok {
		diags = append(diags, decodeQuorum(a.Expr, &rule.Required)...)
	}
	return diags
}

func decodeQuorum(expr hcl.Expression, dst *int) hcl.Diagnostics {
	diags := decodeStatic(expr, dst)
	if !diags.HasErrors() && *dst < 1 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid approval quorum",
			Detail:   fmt.Sprintf("required must be at least 1, not %d: every change needs an approval other than its author's.", *dst),
			Subject:  expr.Range().Ptr(),
		})
	}
	return diags
}

// parseMaxAge is time.ParseDuration plus a leading whole number of days ("7d", "1d12h"),
// since approval windows are usually spoken of in days.
func parseMaxAge(s string) (time.Duration, error) {
	var days time.Duration
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 && strings.Trim(s[:i], "0123456789") == "" {
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, fmt.Errorf("bad day count %q", s[:i])
		}
		days, rest = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	var d time.Duration
	if rest != "" || days == 0 {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, err
		}
	}
	if days+d <= 0 {
		return 0, fmt.Errorf("it must be more than zero")
	}
	return days + d, nil
}
