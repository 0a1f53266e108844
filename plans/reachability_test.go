package plans

import (
	"strings"
	"testing"
	"time"
)

// monitoringReach is what adding a monitoring permit from mgmt to hci does on the SRX, as the
// engine records it, with a close elsewhere and a service opened from anywhere to anywhere.
func monitoringReach() []DeviceReachability {
	anyAddr := []string{"0.0.0.0/0"}
	all := []NumberRange{{0, 65535}}
	return []DeviceReachability{
		{Device: "junos.srx",
			Opens: []Flow{
				{FromZone: "hci", ToZone: "core", Sources: anyAddr, Destinations: anyAddr, Protocols: []NumberRange{{17, 17}}, Ports: []NumberRange{{123, 123}}, SourcePorts: all,
					Service: "udp/123", AnyToAny: true, Text: "hci -> core: any -> any udp/123"},
				{FromZone: "mgmt", ToZone: "hci", Sources: []string{"10.20.10.0/24"}, Destinations: []string{"10.20.120.0/24"}, Protocols: []NumberRange{{1, 1}}, Ports: []NumberRange{{8, 8}}, SourcePorts: []NumberRange{{0, 255}},
					Service: "icmp type 8", Text: "mgmt -> hci: 10.20.10.0/24 -> 10.20.120.0/24 icmp type 8"},
				{FromZone: "mgmt", ToZone: "hci", Sources: []string{"10.20.10.0/24"}, Destinations: []string{"10.20.120.0/24"}, Protocols: []NumberRange{{17, 17}}, Ports: []NumberRange{{161, 161}}, SourcePorts: all,
					Service: "udp/161", Text: "mgmt -> hci: 10.20.10.0/24 -> 10.20.120.0/24 udp/161"},
			},
			Closes: []Flow{
				{FromZone: "core", ToZone: "hci", Sources: []string{"10.64.0.0/12"}, Destinations: []string{"10.20.120.0/24"}, Protocols: []NumberRange{{6, 6}}, Ports: []NumberRange{{110, 110}}, SourcePorts: all,
					Service: "tcp/110", Text: "core -> hci: 10.64.0.0/12 -> 10.20.120.0/24 tcp/110"},
			}},
		{Device: "junos.srx-lab", NotComputed: `after: policy "web" (untrust -> trust): application "webmail": not a custom application, an application set or a predefined application this analysis knows`},
	}
}

func opensIntoHCI() Rule {
	return Rule{Name: "opens-into-hci", OpensInto: []string{"hci"}, Required: 3}
}

func firewallPlan(t *testing.T, ks testKeys) *Plan {
	p := basePlan(ks)
	p.Rules.Rules = append(p.Rules.Rules, opensIntoHCI())
	p.Changes = []ResourceChange{{
		Addr: `module.srx.junos_security_policies.pair["mgmt-to-hci"]`, Module: "module.srx", Mode: "managed", Type: "junos_security_policies", Name: "pair", Key: "mgmt-to-hci",
		Provider: "junos.srx", Action: Update,
		Before: map[string]any{"from_zone": "mgmt", "to_zone": "hci", "policy": []any{
			map[string]any{"name": "deny-all", "source_address": []any{"any"}, "destination_address": []any{"any"}, "application": []any{"any"}, "action": "deny"}}},
		After: map[string]any{"from_zone": "mgmt", "to_zone": "hci", "policy": []any{
			map[string]any{"name": "monitoring", "source_address": []any{"mgmt"}, "destination_address": []any{"services"}, "application": []any{"junos-icmp-ping", "junos-snmp-get"}, "action": "permit"},
			map[string]any{"name": "deny-all", "source_address": []any{"any"}, "destination_address": []any{"any"}, "application": []any{"any"}, "action": "deny"}}},
		Diffs: []AttrDiff{{Path: "policy[0]", After: map[string]any{"name": "monitoring", "source_address": []any{"mgmt"}, "destination_address": []any{"services"}, "application": []any{"junos-icmp-ping", "junos-snmp-get"}, "action": "permit"}}},
	}}
	p.Reachability = monitoringReach()
	if _, err := Encode(p); err != nil {
		t.Fatal(err)
	}
	ks["alice"].approve(t, p)
	return p
}

func touched(p *Plan) string {
	var names []string
	for _, r := range TouchedRules(p) {
		names = append(names, r.Name)
	}
	return strings.Join(names, " ")
}

func TestRulesOnReachability(t *testing.T) {
	ks := newTestKeys(t)
	rule := func(into, from string) Rule {
		return Rule{Name: "zones", OpensInto: strings.Fields(into), OpensFrom: strings.Fields(from), Required: 3}
	}
	computed := monitoringReach()[:1]
	for _, tc := range []struct {
		name  string
		rule  Rule
		reach []DeviceReachability
		want  bool
	}{
		{"opens into hci", rule("hci", ""), computed, true},
		{"opens into core", rule("core", ""), computed, true},
		{"nothing opens into mgmt (closes do not count)", rule("mgmt", ""), computed, false},
		{"opens from mgmt", rule("", "mgmt"), computed, true},
		{"opens from core: only closes", rule("", "core"), computed, false},
		{"from and into on one flow", rule("hci", "mgmt"), computed, true},
		{"from and into on no one flow", rule("core", "mgmt"), computed, false},
		{"either zone of a list", rule("dmz core", ""), computed, true},
		{"no reachability change", rule("hci", ""), nil, false},
		{"not computed: the rule applies", rule("dmz", ""), monitoringReach()[1:], true},
		{"types still decide", Rule{Name: "zones", ResourceTypes: []string{"junos_application"}, OpensInto: []string{"hci"}, Required: 3}, computed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := basePlan(ks)
			p.Rules.Rules = []Rule{tc.rule}
			p.Changes = []ResourceChange{firewallUpdate()}
			p.Reachability = tc.reach
			want := "required"
			if tc.want {
				want += " zones"
			}
			if got := touched(p); got != want {
				t.Errorf("touched %q, want %q", got, want)
			}
		})
	}

	// A rule on zones covers no destruction: a plan deleting a volume needs a rule of its own.
	r := &ApprovalRules{Rules: []Rule{{Name: "all", OpensInto: []string{"hci"}, Required: 3}}}
	if u := UncoveredDestruction(r, []ResourceChange{volumeDelete()}); len(u) != 1 {
		t.Errorf("a rule on zones covers destruction: %v", u)
	}
}

func TestRuleZonesRelaxAndDiffer(t *testing.T) {
	ks := newTestKeys(t)
	withZones := func(into ...string) *ApprovalRules {
		r := ks.rules()
		r.Rules = append(r.Rules, Rule{Name: "zones", OpensInto: into, Required: 3})
		return r
	}
	for _, tc := range []struct {
		name     string
		old, new *ApprovalRules
		relaxed  bool
	}{
		{"a zone removed", withZones("hci", "mgmt"), withZones("hci"), true},
		{"a zone added", withZones("hci"), withZones("hci", "mgmt"), false},
		{"zones dropped: every plan matches", withZones("hci"), withZones(), false},
		{"zones set where there were none", withZones(), withZones("hci"), true},
		{"same zones in another order", withZones("hci", "mgmt"), withZones("mgmt", "hci"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := relaxedRules(tc.old, tc.new)["zones"]; got != tc.relaxed {
				t.Errorf("relaxed = %v, want %v", got, tc.relaxed)
			}
			same := tc.name == "same zones in another order"
			if got := SameRules(tc.old, tc.new); got != same {
				t.Errorf("SameRules = %v, want %v", got, same)
			}
		})
	}
	// Relaxing is judged by the rule's own quorum, through the gate's TouchedRules.
	p := basePlan(ks)
	p.Rules = withZones("hci", "mgmt")
	p.RulesChange = withZones("hci")
	if got := touched(p); got != "required zones" {
		t.Errorf("touched %q", got)
	}
}

func TestValidateRuleZones(t *testing.T) {
	ks := newTestKeys(t)
	r := ks.rules()
	r.Rules = append(r.Rules, Rule{Name: "zones", OpensInto: []string{"hci", "hci", "bad zone"}, OpensFrom: []string{""}, Required: 3})
	var got []string
	for _, e := range ValidateRules(r, nil) {
		got = append(got, e.Error())
	}
	want := []string{
		`rule "zones" opens_into: zone "hci" is named twice`,
		`rule "zones" opens_into: "bad zone" is not a security zone name`,
		`rule "zones" opens_from: "" is not a security zone name`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Through the gate: a plan opening into hci needs the zone rule's quorum; one opening
// nothing there passes with the base quorum.
func TestGateOnReachability(t *testing.T) {
	ks := newTestKeys(t)
	for _, tc := range []struct {
		name  string
		reach []DeviceReachability
		want  string
	}{
		{"opens into hci", monitoringReach()[:1], `rule "opens-into-hci" needs 3 approvals, has 2 (alice, bob)`},
		{"opens nothing", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := basePlan(ks)
			p.Rules.Rules = []Rule{opensIntoHCI()}
			p.Changes = []ResourceChange{vmUpdate()}
			p.Reachability = tc.reach
			resign(t, ks, p, "alice", "bob")
			res := Gate(GateInput{Plan: p, Now: planTime.Add(time.Hour), Enclave: "phx1-hci",
				StateLineage: p.State.Lineage, StateSerial: p.State.Serial, StateDigest: p.State.Digest, RulesInForce: p.Rules})
			switch {
			case tc.want == "" && res.Refusal != nil:
				t.Fatalf("refused: %v", res.Refusal)
			case tc.want != "" && (res.Refusal == nil || len(res.Refusal.Reasons) != 1 || res.Refusal.Reasons[0] != tc.want):
				t.Fatalf("got %v, want %q", res.Refusal, tc.want)
			}
		})
	}
}
