package plans

import (
	"strings"
	"testing"
)

// chainPlan is a plan that installs rules: from the configuration (prev nil) or as a change
// of prev, signed by erin and approved by the named reviewers.
func chainPlan(t *testing.T, ks testKeys, prev, next *ApprovalRules, approvers ...string) *Plan {
	t.Helper()
	p := basePlan(ks)
	p.Changes = []ResourceChange{vmUpdate()}
	if prev == nil {
		p.Rules, p.RulesSource = next, "config"
	} else {
		p.Rules, p.RulesSource, p.RulesChange = prev, "state", next
	}
	if _, err := Encode(p); err != nil {
		t.Fatal(err)
	}
	p.AuthorSignature = ks["erin"].sign(t, p)
	for _, n := range approvers {
		p.Approvals = append(p.Approvals, Approval{Approver: n, Signature: ks[n].sign(t, p), SignedAt: planTime})
	}
	return p
}

func link(t *testing.T, p *Plan, rules *ApprovalRules) RuleSet {
	t.Helper()
	rs, err := NewRuleSet(p, rules, planTime)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestVerifyChain(t *testing.T) {
	ks := newTestKeys(t)
	genesis := func() RuleSet { return link(t, chainPlan(t, ks, nil, ks.rules(), "alice", "bob"), ks.rules()) }
	stricter := ks.rules()
	stricter.Required = 3
	withoutDestroys := ks.rules()
	withoutDestroys.Rules = withoutDestroys.Rules[:1]
	cases := []struct {
		name  string
		chain func() RulesChain
		trust []string
		want  string // "" verifies
	}{
		{"genesis approved under its own rules", func() RulesChain { return RulesChain{genesis()} }, nil, ""},
		{"genesis approved by too few", func() RulesChain {
			return RulesChain{link(t, chainPlan(t, ks, nil, ks.rules(), "alice"), ks.rules())}
		}, nil, `rule "required" needed 2 approvals of the plan that installed it, and it has 1`},
		{"genesis within the trust root", func() RulesChain { return RulesChain{genesis()} }, []string{"alice", "bob", "carol", "dave", "erin"}, ""},
		{"genesis outside the trust root", func() RulesChain { return RulesChain{genesis()} }, []string{"alice", "bob"}, "approver carol (SHA256:"},
		{"rules edited by hand after install", func() RulesChain {
			g := genesis()
			g.Rules = &ApprovalRules{Required: 1, Approvers: []Approver{{Name: "mallory", Key: ks["mallory"].line}}}
			return RulesChain{g}
		}, nil, "the first rule set was not taken from the configuration"},
		{"stricter rules installed with the base quorum", func() RulesChain {
			return RulesChain{genesis(), link(t, chainPlan(t, ks, ks.rules(), stricter, "alice", "bob"), stricter)}
		}, nil, ""},
		{"a rule removed with only the base quorum", func() RulesChain {
			return RulesChain{genesis(), link(t, chainPlan(t, ks, ks.rules(), withoutDestroys, "alice", "bob"), withoutDestroys)}
		}, nil, `rule set 2): rule "destroys-data" needed 3 approvals`},
		{"a rule removed with its own quorum", func() RulesChain {
			return RulesChain{genesis(), link(t, chainPlan(t, ks, ks.rules(), withoutDestroys, "alice", "bob", "carol"), withoutDestroys)}
		}, nil, ""},
		{"a link whose plan changed other rules", func() RulesChain {
			l := link(t, chainPlan(t, ks, ks.rules(), stricter, "alice", "bob"), stricter)
			l.Rules = withoutDestroys
			return RulesChain{genesis(), l}
		}, nil, "does not change rule set 1 into it"},
		{"a link's plan edited", func() RulesChain {
			l := link(t, chainPlan(t, ks, ks.rules(), stricter, "alice", "bob"), stricter)
			l.Plan = []byte(strings.Replace(string(l.Plan), `"num_cpus":4`, `"num_cpus":5`, 1))
			return RulesChain{genesis(), l}
		}, nil, "its plan cannot be read: its digest"},
		{"approvals taken from another plan", func() RulesChain {
			other := chainPlan(t, ks, ks.rules(), stricter, "alice", "bob", "carol")
			l := link(t, chainPlan(t, ks, ks.rules(), withoutDestroys, "alice", "bob"), withoutDestroys)
			l.Approvals = other.Approvals
			return RulesChain{genesis(), l}
		}, nil, `rule "required" needed 2 approvals`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tr *TrustRoot
			if c.trust != nil {
				tr = trustRootOf(t, ks, c.trust...)
			}
			got, err := VerifyChain(c.chain(), tr)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got == nil {
					t.Fatal("no rules in force")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
