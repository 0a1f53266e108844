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
		{name: "author's key under an approver's name", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			// bob authored the plan under the name erin, with his own key, then approved it.
			p.AuthorSignature = ks["bob"].sign(t, p)
			ks["alice"].approve(t, p)
			p.Approvals = append(p.Approvals, Approval{Approver: "bob", Signature: ks["bob"].sign(t, p), SignedAt: planTime})
		}, want: []string{"bob's key signed this plan as its author: the author never counts as an approver", `rule "required" needs 2 approvals, has 1 (alice)`}},
		{name: "not signed by its author", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.AuthorSignature = ""
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
		}, want: []string{"the plan is not signed by its author"}},
		{name: "author signature of another plan", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			other := basePlan(ks)
			other.Changes = []ResourceChange{firewallUpdate()}
			p.AuthorSignature = ks["erin"].sign(t, other)
			ks["alice"].approve(t, p)
			ks["bob"].approve(t, p)
		}, want: []string{"the author signature does not verify over this plan's digest line"}},
		{name: "rules in the plan are not the rules in force", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.Rules = &ApprovalRules{Required: 1, Approvers: []Approver{{Name: "mallory", Key: ks["mallory"].line}}}
			resign(t, ks, p)
			p.Approvals = []Approval{{Approver: "mallory", Signature: ks["mallory"].sign(t, p), SignedAt: planTime}}
		}, want: []string{
			"the plan records approval rules that are not the rules in force: the plan has required=1, approvers [mallory SHA256:",
			"the approval attached as mallory is by an unknown approver",
			`rule "required" needs 2 approvals, has 0`,
		}},
		{name: "rules with required 0 in the plan", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.Rules.Required = 0
			p.Rules.Rules = nil
			resign(t, ks, p)
		}, want: []string{"the plan records approval rules that are not the rules in force: the plan has required=0", `rule "required" needs 2 approvals, has 0`}},
		{name: "first apply: rules of the configuration checked against the trust root", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.RulesInForce = nil
			p.RulesSource = "config"
			p.Rules.Approvers = append(p.Rules.Approvers, Approver{Name: "mallory", Key: ks["mallory"].line})
			resign(t, ks, p, "alice", "bob")
			in.TrustRoot = trustRootOf(t, ks, "alice", "bob", "carol", "dave", "erin")
		}, want: []string{"first apply: the configuration's approval rules are not trusted here: approver mallory (SHA256:"}},
		{name: "first apply of a wiped state", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.RulesInForce = nil
			in.Wiped = "3 state backups"
			p.RulesSource = "config"
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the state holds no approval rules, but this enclave was applied before (3 state backups)"}},
		{name: "first-apply plan against a state with rules", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.RulesSource = "config"
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the plan took its approval rules from the configuration, but the state already has rules in force"}},
		{name: "rules in force with a quorum of 0", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.RulesInForce.Required = 0
			p.Rules.Required = 0
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the approval rules in force are not valid: approval required: must be at least 1, is 0"}},
		{name: "removing a stricter rule needs its quorum", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			next := ks.rules()
			next.Rules = next.Rules[:1]
			p.RulesChange = next
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`rule "destroys-data" needs 3 approvals, has 2 (alice, bob)`}},
		{name: "lowering a rule's quorum needs its quorum", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			next := ks.rules()
			next.Rules[0].Required = 2
			p.RulesChange = next
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`rule "firewall" needs 3 approvals, has 2 (alice, bob)`}},
		{name: "adding an approver key touches every rule", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			next := ks.rules()
			next.Approvers = append(next.Approvers, Approver{Name: "mallory", Key: ks["mallory"].line})
			p.RulesChange = next
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`rule "firewall" needs 3 approvals, has 2 (alice, bob)`, `rule "destroys-data" needs 3 approvals, has 2 (alice, bob)`}},
		{name: "a stricter rule passes with the base quorum", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			next := ks.rules()
			next.Rules[0].Required = 4
			p.RulesChange = next
			resign(t, ks, p, "alice", "bob")
		}},
		{name: "one key in two wrappers counts once", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			sk := skFormOf(t, ks["alice"])
			in.RulesInForce.Approvers = append(in.RulesInForce.Approvers, Approver{Name: "alice-yubikey", Key: sk.line})
			p.Rules = in.RulesInForce
			resign(t, ks, p, "alice")
			p.Approvals = append(p.Approvals, Approval{Approver: "alice-yubikey", Signature: sk.sign(t, p), SignedAt: planTime})
		}, want: []string{
			`the approval rules in force are not valid: approver "alice-yubikey" key: is the same key as approver "alice"'s`,
			"alice and alice-yubikey are one key: it counts once",
			`rule "required" needs 2 approvals, has 1 (alice)`,
		}},
		{name: "created in the future", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.CreatedAt = in.Now.Add(time.Hour)
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the plan claims to be made at 2026-12-02T16:00:00Z, later than now (2026-12-02T15:00:00Z)"}},
		{name: "another enclave", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.Enclave = "scl3-dr"
			resign(t, ks, p, "alice", "bob")
		}, want: []string{`the plan is for enclave "phx1-hci" but is being applied to enclave "scl3-dr"`}},
		{name: "already applied", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			resign(t, ks, p, "alice", "bob")
			in.AppliedAt = func(d string) (time.Time, bool) { return planTime.Add(time.Hour), d == p.Digest }
		}, want: []string{"this plan was already applied at 2026-12-02T14:00:00Z"}},
		{name: "state content differs", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.StateDigest = "sha256:0000"
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the state's content is not what the plan was made against"}},
		{name: "destruction no rule covers", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			c := volumeDelete()
			c.Type, c.Addr = "vsphere_virtual_machine", "vsphere_virtual_machine.old"
			p.Changes = append(p.Changes, c)
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"vsphere_virtual_machine.old (delete of a vsphere_virtual_machine) destroys data and no approval rule covers it"}},
		{name: "re-derived plan differs", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			in.Rederived = []string{"vsphere_folder.f: datacenter_id"}
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the plan does not follow from its own configuration: vsphere_folder.f: datacenter_id"}},
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
			"the author signature does not verify",
			"the signature by alice is over another digest",
			"the signature by bob is over another digest",
			`rule "required" needs 2 approvals, has 0`,
		}},
		{name: "unknown format version", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.FormatVersion = 3
			resign(t, ks, p, "alice", "bob")
		}, want: []string{"the plan's format version 3 is not one this enclave understands (2)"}},
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
			p.RulesSource = "config"
			in.RulesInForce = nil
			resign(t, ks, p)
		}, want: []string{"no approval rules are in force"}},
		{name: "many reasons together", setup: func(t *testing.T, ks testKeys, p *Plan, in *GateInput) {
			p.Changes = append(p.Changes, firewallUpdate())
			resign(t, ks, p)
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
			p.AuthorSignature = ks["erin"].sign(t, p)
			in := GateInput{
				Plan: p, Now: planTime.Add(2 * time.Hour), Enclave: "phx1-hci",
				StateLineage: p.State.Lineage, StateSerial: p.State.Serial, StateDigest: p.State.Digest,
				RulesInForce:  ks.rules(),
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
	p.AuthorSignature = ks["erin"].sign(t, p)
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
		{"a stricter rules change alone", nil, true, []string{"required:2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := basePlan(ks)
			p.Changes = c.changes
			if c.rulesCh {
				p.RulesChange = ks.rules()
				p.RulesChange.Required = 3
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
