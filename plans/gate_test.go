package plans

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// gateCase builds a plan and gate input from the passing baseline and mutates them.
type gateCase struct {
	name  string
	setup func(t *testing.T, ks testKeys, p *Plan, in *GateInput)
	want  []string // substrings, one per expected reason, in order
}

func TestGate(t *testing.T) {
	ks := newTestKeys(t)
	cases := []gateCase{
		{name: "passes with two valid approvals", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
		}},
		{name: "passes at the last moment of the approval window", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.Now = planTime.Add(24 * time.Hour)
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
		}},
		{name: "no approvals", want: []string{`rule "required" needs 2 approvals, has 0`}},
		{name: "too few", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
		}, want: []string{`rule "required" needs 2 approvals, has 1 (alice)`}},
		{name: "one approver twice counts once", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			p.Approvals = append(p.Approvals, p.Approvals[0])
		}, want: []string{`rule "required" needs 2 approvals, has 1 (alice)`}},
		{name: "a rule needing more", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.Changes = append(p.Changes, firewallUpdate())
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`rule "firewall" needs 3 approvals, has 2 (alice, bob)`}},
		{name: "destroys-data rule", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.Changes = append(p.Changes, volumeDelete())
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`rule "destroys-data" needs 3 approvals, has 2 (alice, bob)`}},
		{name: "author approving", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
			p.Approvals = append(p.Approvals, Approval{Approver: "erin", Signature: ks["erin"].sign(t, p), SignedAt: planTime})
		}, want: []string{"erin is the plan's author and cannot approve it"}},
		{name: "author given by the engine", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.Author = "bob@jump1"
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
		}, want: []string{"bob is the plan's author and cannot approve it", `rule "required" needs 2 approvals, has 1 (alice)`}},
		{name: "unknown approver", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
			p.Approvals = append(p.Approvals, Approval{Approver: "mallory", Signature: ks["mallory"].sign(t, p)})
		}, want: []string{"the approval attached as mallory is by an unknown approver (the rules in force name alice, bob, carol, dave, erin)"}},
		{name: "unknown key under an approver's name", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			p.Approvals = append(p.Approvals, Approval{Approver: "bob", Signature: ks["mallory"].sign(t, p)})
		}, want: []string{"the signature attached as bob was made by another key (SHA256:", `rule "required" needs 2 approvals, has 1 (alice)`}},
		{name: "known key under another approver's name", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			p.Approvals = append(p.Approvals, Approval{Approver: "bob", Signature: ks["alice"].sign(t, p)})
		}, want: []string{"the signature attached as bob was made by another key (SHA256:", `rule "required" needs 2 approvals, has 1 (alice)`}},
		{name: "signature over another digest", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			other := basePlan(ks)
			other.Changes = []ResourceChange{firewallUpdate()}
			p.Approvals = append(p.Approvals, Approval{Approver: "bob", Signature: ks["bob"].sign(t, other)})
		}, want: []string{"the signature by bob is over another digest", `rule "required" needs 2 approvals, has 1 (alice)`}},
		{name: "garbage signature", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
			p.Approvals = append(p.Approvals, Approval{Approver: "carol", Signature: "not a signature"})
		}, want: []string{"the signature attached as carol is not an SSH signature"}},
		{name: "one byte of the plan changed", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
			p.Changes[0].After["num_cpus"] = 40
		}, want: []string{
			"the plan has been modified since it was made: digest sha256:",
			"the signature by alice is over another digest",
			"the signature by bob is over another digest",
			`rule "required" needs 2 approvals, has 0`,
		}},
		{name: "unknown format version", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.FormatVersion = 2
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the plan's format version 2 is not one this enclave understands (1)"}},
		{name: "expired", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.ExpiresAt = planTime.Add(time.Hour)
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the plan expired at 2026-12-02T14:00:00Z (made at 2026-12-02T13:00:00Z)"}},
		{name: "approval window closed", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.Now = planTime.Add(25 * time.Hour)
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the approval window closed at 2026-12-03T13:00:00Z: max_age 24h0m0s counts from the plan's creation at 2026-12-02T13:00:00Z"}},
		{name: "stale serial", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.StateSerial = 13
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the state has moved since plan: its serial is 13, the plan was made at serial 12"}},
		{name: "other lineage", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.StateLineage = "0a0a0a0a-0000-4000-8000-000000000000"
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the state's lineage is 0a0a0a0a-0000-4000-8000-000000000000 but the plan was made against lineage 6f1c2a1e"}},
		{name: "sensitive variable differs", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.SensitiveVars["vcenter_password"] = "hunter3"
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`sensitive variable "vcenter_password" does not match the value the plan was made with`}},
		{name: "sensitive variable missing", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			delete(in.SensitiveVars, "vcenter_password")
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`sensitive variable "vcenter_password" was not supplied again at apply`}},
		{name: "drift since plan", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.WorldChanged = []string{"vsphere_virtual_machine.svc[0]: num_cpus 2 -> 8"}
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the real world changed since plan: vsphere_virtual_machine.svc[0]: num_cpus 2 -> 8"}},
		{name: "no rules in force", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.Rules = nil
			p.Digest, _ = p.ComputeDigest()
		}, want: []string{"no approval rules are in force"}},
		{name: "many reasons together", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.Changes = append(p.Changes, firewallUpdate())
			p.Digest, _ = p.ComputeDigest()
			ks["alice"].approve(t, p)
			in.Now = planTime.Add(100 * time.Hour)
			in.StateSerial = 14
			in.WorldChanged = []string{"junos_security_policies.trust_to_untrust: to_zone untrust -> trust"}
		}, want: []string{
			"the plan expired at",
			"the state has moved since plan",
			"the approval window closed",
			`rule "required" needs 2 approvals, has 1 (alice)`,
			`rule "firewall" needs 3 approvals, has 1 (alice)`,
			"the real world changed since plan: junos_security_policies",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := basePlan(ks)
			h, _ := HashSensitiveValue("hunter2")
			p.Variables["vcenter_password"] = Variable{Sensitive: true, Hash: h}
			p.Changes = []ResourceChange{vmUpdate()}
			if _, err := Encode(p); err != nil {
				t.Fatal(err)
			}
			in := GateInput{
				Plan: p, Now: planTime.Add(2 * time.Hour),
				StateLineage: p.State.Lineage, StateSerial: p.State.Serial,
				SensitiveVars: map[string]any{"vcenter_password": "hunter2"},
			}
			if c.setup != nil {
				c.setup(t, ks, p, &in)
			}
			res := Gate(in)
			if len(c.want) == 0 {
				if res.Refusal != nil {
					t.Fatalf("refused: %v", res.Refusal)
				}
				return
			}
			if res.Refusal == nil {
				t.Fatalf("passed, want refusal %q", c.want)
			}
			got := res.Refusal.Reasons
			if len(got) != len(c.want) {
				t.Fatalf("got %d reasons, want %d:\n%s", len(got), len(c.want), res.Refusal)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("reason %d = %q, want it to contain %q", i, got[i], w)
				}
			}
			msg := res.Refusal.Error()
			if !strings.HasPrefix(msg, "the gate refused this plan:\n  - ") || strings.Count(msg, "\n  - ") != len(c.want) {
				t.Errorf("Error() = %q", msg)
			}
			if strings.Contains(msg, "hunter") {
				t.Errorf("refusal shows a sensitive value: %s", msg)
			}
		})
	}
}

// resign re-digests a plan after a test changed it, then approves it as the named reviewers.
func resign(t *testing.T, ks testKeys, p *Plan, names ...string) {
	t.Helper()
	p.Digest, _ = p.ComputeDigest()
	for _, n := range names {
		ks[n].approve(t, p)
	}
}

func TestRuleQuorums(t *testing.T) {
	ks := newTestKeys(t)
	cases := []struct {
		name    string
		changes []ResourceChange
		rulesCh bool
		want    []string // rule:required
	}{
		{"base only", []ResourceChange{vmUpdate()}, false, []string{"required:2"}},
		{"firewall type", []ResourceChange{vmUpdate(), firewallUpdate()}, false, []string{"required:2", "firewall:3"}},
		{"delete of a volume", []ResourceChange{volumeDelete()}, false, []string{"required:2", "destroys-data:3"}},
		{"create of a volume is not destroys-data", []ResourceChange{{Addr: "ontap_volume.new", Type: "ontap_volume", Action: Create}}, false, []string{"required:2"}},
		{"no-op and read touch nothing but the base", []ResourceChange{{Type: "junos_security_zone", Action: NoOp}, {Type: "junos_security_zone", Action: Read}}, false, []string{"required:2"}},
		{"rules change alone", nil, true, []string{"required:2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := basePlan(ks)
			p.Changes = c.changes
			if c.rulesCh {
				p.RulesChange = &ApprovalRules{Required: 1}
			}
			ks["alice"].approve(t, p)
			var got []string
			for _, q := range RuleQuorums(p) {
				got = append(got, q.Rule+":"+strconv.Itoa(q.Required))
				if q.Have != 1 || len(q.Approvers) != 1 || q.Approvers[0] != "alice" || q.Needed() != q.Required-1 {
					t.Errorf("quorum %+v", q)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("rules = %v, want %v", got, c.want)
			}
		})
	}
}
