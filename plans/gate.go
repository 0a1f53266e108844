package plans

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// GateInput is everything the gate looks at. The engine fills it at apply time.
type GateInput struct {
	Plan *Plan
	Now  time.Time
	// The current state, which must still be the one the plan was made against.
	StateLineage string
	StateSerial  uint64
	// SensitiveVars are the sensitive variables' values supplied again at apply, by name.
	SensitiveVars map[string]any
	// WorldChanged holds "ADDR: ATTR BEFORE -> NOW" lines the engine found by reading again
	// the resources the plan changes and comparing with Plan.Observed. Each is a reason.
	WorldChanged []string
	// Author is the plan's author as the engine knows it; approvals by it never count. The
	// plan's own Author is checked as well.
	Author string
}

// RuleQuorum is one approval rule a plan touches: how many approvals it needs and which valid
// approvals it has.
type RuleQuorum struct {
	Rule      string   `json:"rule"`
	Required  int      `json:"required"`
	Have      int      `json:"have"`
	Approvers []string `json:"approvers"`
}

// Needed is how many more approvals the rule needs.
func (q RuleQuorum) Needed() int { return max(0, q.Required-q.Have) }

// GateResult is the gate's verdict: Refusal is nil when the plan may be applied.
type GateResult struct {
	Refusal *Refusal
	Quorum  []RuleQuorum
}

// Refusal lists every reason the gate refused a plan.
type Refusal struct {
	Reasons []string
}

func (r *Refusal) Error() string {
	var sb strings.Builder
	sb.WriteString("the gate refused this plan:")
	for _, x := range r.Reasons {
		sb.WriteString("\n  - ")
		sb.WriteString(x)
	}
	return sb.String()
}

// ruleMatches reports whether a rule raises the quorum for one change: its resource types
// contain the change's type (or are empty) and its actions contain the change's action (or
// are empty).
func ruleMatches(r Rule, c ResourceChange) bool {
	if c.Action == NoOp || c.Action == Read {
		return false
	}
	if len(r.ResourceTypes) > 0 && !slices.Contains(r.ResourceTypes, c.Type) {
		return false
	}
	if len(r.Actions) > 0 && !slices.Contains(r.Actions, c.Action.String()) {
		return false
	}
	return true
}

// TouchedRules returns the rules in force that a plan touches: the base rule (the approval
// block's own `required`, named BaseRule) always, since every apply writes state; then each
// rule that matches at least one change, in the order the rules are written. An approval-rules
// change alone touches the base rule only, and is judged under the rules in force.
func TouchedRules(p *Plan) []Rule {
	if p.Rules == nil {
		return nil
	}
	out := []Rule{{Name: BaseRule, Required: p.Rules.Required}}
	for _, r := range p.Rules.Rules {
		for _, c := range p.Changes {
			if ruleMatches(r, c) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// validApprovals checks every attached approval and returns the distinct approvers whose
// approval counts, and one reason per approval that does not.
func validApprovals(p *Plan, authors []string) (valid []string, reasons []string) {
	msg, _, err := p.verifiedMessage()
	if err != nil {
		return nil, []string{err.Error()}
	}
	seen := map[string]bool{}
	for _, a := range p.Approvals {
		if slices.ContainsFunc(authors, func(au string) bool { return isAuthor(au, a.Approver) }) {
			reasons = append(reasons, fmt.Sprintf("%s is the plan's author and cannot approve it", a.Approver))
			continue
		}
		if e := checkApproval(p.Rules, msg, a); e != nil {
			reasons = append(reasons, e.Reason)
			continue
		}
		if !seen[a.Approver] {
			seen[a.Approver] = true
			valid = append(valid, a.Approver)
		}
	}
	sort.Strings(valid)
	return valid, reasons
}

// RuleQuorums returns which rules the plan's changes touch, how many approvals each needs and
// which valid approvals the plan holds (signatures verified against its recomputed digest;
// the author's never count). It ignores time and state: those are the gate's.
func RuleQuorums(p *Plan) []RuleQuorum {
	valid, _ := validApprovals(p, []string{p.Author})
	return quorums(p, valid)
}

func quorums(p *Plan, valid []string) []RuleQuorum {
	var out []RuleQuorum
	for _, r := range TouchedRules(p) {
		out = append(out, RuleQuorum{Rule: r.Name, Required: r.Required, Have: len(valid), Approvers: slices.Clone(valid)})
	}
	return out
}

// Gate decides whether a saved plan may be applied. It is a pure function of its input and
// lists every reason together, so one run of apply tells the operator everything to fix.
func Gate(in GateInput) *GateResult {
	p := in.Plan
	var reasons []string
	add := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }
	if p == nil {
		return &GateResult{Refusal: &Refusal{Reasons: []string{"there is no plan"}}}
	}

	if p.FormatVersion != FormatVersion {
		add("the plan's format version %d is not one this enclave understands (%d)", p.FormatVersion, FormatVersion)
	}
	if got, err := p.ComputeDigest(); err != nil {
		add("the plan cannot be digested: %v", err)
	} else if got != p.Digest {
		add("the plan has been modified since it was made: digest %s does not match content %s", orEmpty(p.Digest), got)
	}

	switch {
	case p.ExpiresAt.IsZero():
		add("the plan has no expiry time")
	case in.Now.After(p.ExpiresAt):
		add("the plan expired at %s (made at %s): make a new plan", stamp(p.ExpiresAt), stamp(p.CreatedAt))
	}

	if in.StateLineage != p.State.Lineage {
		add("the state's lineage is %s but the plan was made against lineage %s: it is another state", orEmpty(in.StateLineage), orEmpty(p.State.Lineage))
	} else if in.StateSerial != p.State.Serial {
		add("the state has moved since plan: its serial is %d, the plan was made at serial %d; make a new plan", in.StateSerial, p.State.Serial)
	}

	names := make([]string, 0, len(p.Variables))
	for n, v := range p.Variables {
		if v.Sensitive {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		v := p.Variables[n]
		val, ok := in.SensitiveVars[n]
		switch {
		case !ok:
			add("sensitive variable %q was not supplied again at apply", n)
		case v.Hash == "":
			add("sensitive variable %q has no hash in the plan to check it against", n)
		case !MatchesSensitiveValue(v.Hash, val):
			add("sensitive variable %q does not match the value the plan was made with", n)
		}
	}

	var quorum []RuleQuorum
	if p.Rules == nil {
		add("no approval rules are in force: the configuration needs an approval block")
	} else {
		authors := []string{p.Author}
		if in.Author != "" && in.Author != p.Author {
			authors = append(authors, in.Author)
		}
		valid, bad := validApprovals(p, authors)
		reasons = append(reasons, bad...)
		if p.Rules.MaxAge != "" {
			d, err := time.ParseDuration(p.Rules.MaxAge)
			switch {
			case err != nil:
				add("the approval rules' max_age %q is not a duration", p.Rules.MaxAge)
			case in.Now.After(p.CreatedAt.Add(d)):
				add("the approval window closed at %s: max_age %s counts from the plan's creation at %s", stamp(p.CreatedAt.Add(d)), p.Rules.MaxAge, stamp(p.CreatedAt))
			}
		}
		quorum = quorums(p, valid)
		for _, q := range quorum {
			if q.Have < q.Required {
				who := ""
				if len(q.Approvers) > 0 {
					who = " (" + strings.Join(q.Approvers, ", ") + ")"
				}
				add("rule %q needs %d %s, has %d%s", q.Rule, q.Required, plural(q.Required, "approval", "approvals"), q.Have, who)
			}
		}
	}

	for _, w := range in.WorldChanged {
		add("the real world changed since plan: %s", w)
	}

	res := &GateResult{Quorum: quorum}
	if len(reasons) > 0 {
		res.Refusal = &Refusal{Reasons: reasons}
	}
	return res
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func orEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
