package engine

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/enclave-dev/enclave/plans"
	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// fakeJunos is a Junos device in memory: the real provider's resource schemas, every change of
// an instance in one Apply, objects kept by address. It never finds a collision.
type fakeJunos struct{ fakeProvider }

func (p *fakeJunos) Schema() *providers.ProviderSchema {
	s := *junos.New(providers.Options{}).Schema()
	s.Provider = &providers.Schema{Attributes: map[string]*providers.Attribute{"host": str(true)}}
	return &s
}

func (p *fakeJunos) Refresh(_ context.Context, reqs []providers.RefreshRequest) ([]providers.RefreshResult, error) {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	out := make([]providers.RefreshResult, 0, len(reqs))
	for _, r := range reqs {
		var cur providers.Object
		if o, ok := p.w.objects[r.ID]; ok && r.ID != "" {
			cur = providers.Copy(o)
		}
		out = append(out, providers.RefreshResult{Addr: r.Addr, Current: cur})
	}
	return out, nil
}

func (p *fakeJunos) Apply(_ context.Context, changes []providers.Change, _ providers.Progress) []providers.ChangeResult {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	out := make([]providers.ChangeResult, len(changes))
	for i, c := range changes {
		out[i].Addr = c.Addr
		id := "junos/" + c.Addr
		switch c.Action {
		case providers.Delete:
			delete(p.w.objects, providers.String(c.Prior, "id"))
		default:
			o := providers.Copy(c.Planned)
			o["id"] = id
			p.w.objects[id] = o
			out[i].New = providers.Copy(o)
		}
	}
	return out
}

func newJunosHarness(t *testing.T, files map[string]string) *harness {
	h := newHarness(t, files)
	reg := h.w.registry()
	reg["junos"] = func(providers.Options) providers.Provider { return &fakeJunos{fakeProvider{w: h.w}} }
	h.e = &Engine{Registry: reg}
	return h
}

// srxConfig is a small SRX: zones trust (with its own book) and untrust, a global book, a
// custom application, and the untrust -> trust policies given.
func srxConfig(policies string) map[string]string {
	return map[string]string{"main.hcl": `
enclave "t" {}
provider "junos" {
  alias = "srx"
  host  = "srx-a"
}
resource "junos_security_zone" "trust" {
  provider = junos.srx
  name     = "trust"
  address {
    name   = "mail"
    prefix = "10.1.0.10/32"
  }
  address {
    name   = "ldap"
    prefix = "10.1.0.20/32"
  }
}
resource "junos_security_zone" "untrust" {
  provider = junos.srx
  name     = "untrust"
}
resource "junos_address_book" "global" {
  provider = junos.srx
  name     = "global"
  address {
    name   = "core-net"
    prefix = "10.200.0.0/16"
  }
}
resource "junos_application" "ldaps" {
  provider         = junos.srx
  name             = "ldaps"
  protocol         = "tcp"
  destination_port = "636"
}
resource "junos_security_policies" "in" {
  provider  = junos.srx
  from_zone = "untrust"
  to_zone   = "trust"
` + policies + `
  policy {
    name                = "deny-all"
    source_address      = ["any"]
    destination_address = ["any"]
    application         = ["any"]
    action              = "deny"
  }
}
`}
}

func permit(name, src, dst, app string) string {
	return fmt.Sprintf(`
  policy {
    name                = %q
    source_address      = [%q]
    destination_address = [%q]
    application         = [%q]
    action              = "permit"
  }`, name, src, dst, app)
}

func flowTexts(fs []plans.Flow) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Text)
	}
	return out
}

func TestReachabilityInPlan(t *testing.T) {
	imaps := permit("imaps", "any", "mail", "junos-imaps")
	ldaps := permit("ldaps", "core-net", "ldap", "ldaps")
	h := newJunosHarness(t, srxConfig(imaps+ldaps))

	// The first build opens everything its permits allow, from a device that denies all.
	p := h.mustPlan()
	require.Len(t, p.Reachability, 1)
	assert.Equal(t, "junos.srx", p.Reachability[0].Device)
	assert.Equal(t, []string{
		"untrust -> trust: any -> 10.1.0.10/32 tcp/993",
		"untrust -> trust: 10.200.0.0/16 -> 10.1.0.20/32 tcp/636",
	}, flowTexts(p.Reachability[0].Opens))
	assert.Empty(t, p.Reachability[0].Closes)
	f := p.Reachability[0].Opens[1]
	assert.Equal(t, plans.Flow{FromZone: "untrust", ToZone: "trust", Sources: []string{"10.200.0.0/16"}, Destinations: []string{"10.1.0.20/32"},
		Protocols: []plans.NumberRange{{First: 6, Last: 6}}, Ports: []plans.NumberRange{{First: 636, Last: 636}}, SourcePorts: []plans.NumberRange{{First: 0, Last: 65535}},
		Service: "tcp/636", Text: "untrust -> trust: 10.200.0.0/16 -> 10.1.0.20/32 tcp/636"}, f)
	h.apply(p)
	assert.Empty(t, h.mustPlan().Reachability, "nothing changes, nothing to show")

	// A new permit opens exactly its flow, and the apply re-derives the same reachability.
	h.write(srxConfig(imaps + permit("ssh", "core-net", "mail", "junos-ssh") + ldaps))
	p = h.mustPlan()
	require.Len(t, p.Reachability, 1)
	assert.Equal(t, []string{"untrust -> trust: 10.200.0.0/16 -> 10.1.0.10/32 tcp/22"}, flowTexts(p.Reachability[0].Opens))
	h.apply(p)

	// Renaming a policy, or swapping two that do not overlap, changes no decision.
	h.write(srxConfig(imaps + permit("admin-ssh", "core-net", "mail", "junos-ssh") + ldaps))
	p = h.mustPlan()
	require.True(t, p.HasChanges())
	assert.Empty(t, p.Reachability)
	h.write(srxConfig(ldaps + imaps + permit("ssh", "core-net", "mail", "junos-ssh")))
	p = h.mustPlan()
	require.True(t, p.HasChanges())
	assert.Empty(t, p.Reachability)

	// Narrowing a global address closes what it no longer covers;
	// a change to an unrelated attribute (the application's timeout) shows nothing.
	narrower := srxConfig(imaps + permit("ssh", "core-net", "mail", "junos-ssh") + ldaps)
	narrower["main.hcl"] = strings.Replace(narrower["main.hcl"], `prefix = "10.200.0.0/16"`, `prefix = "10.200.0.0/17"`, 1)
	h.write(narrower)
	p = h.mustPlan()
	require.Len(t, p.Reachability, 1)
	assert.Empty(t, p.Reachability[0].Opens)
	assert.Equal(t, []string{
		"untrust -> trust: 10.200.128.0/17 -> 10.1.0.10/32 tcp/22",
		"untrust -> trust: 10.200.128.0/17 -> 10.1.0.20/32 tcp/636",
	}, flowTexts(p.Reachability[0].Closes))
	timeout := srxConfig(imaps + permit("ssh", "core-net", "mail", "junos-ssh") + ldaps)
	timeout["main.hcl"] = strings.Replace(timeout["main.hcl"], `destination_port = "636"`, "destination_port = \"636\"\n  inactivity_timeout = 600", 1)
	h.write(timeout)
	p = h.mustPlan()
	require.True(t, p.HasChanges())
	assert.Empty(t, p.Reachability)
}

func TestReachabilityFollowsTargets(t *testing.T) {
	h := newJunosHarness(t, srxConfig(permit("imaps", "any", "mail", "junos-imaps")))
	h.apply(h.mustPlan())
	cfg := srxConfig(permit("imaps", "any", "mail", "junos-imaps") + permit("ssh", "core-net", "mail", "ssh2"))
	cfg["main.hcl"] += `
resource "junos_application" "ssh2" {
  provider         = junos.srx
  name             = "ssh2"
  protocol         = "tcp"
  destination_port = "2222"
}
`
	h.write(cfg)
	p := h.mustPlan()
	require.Len(t, p.Reachability, 1)
	assert.Equal(t, []string{"untrust -> trust: 10.200.0.0/16 -> 10.1.0.10/32 tcp/2222"}, flowTexts(p.Reachability[0].Opens))
	// Applying only the application leaves the policies as they are: nothing opens.
	p = h.mustPlan(func(o *PlanOptions) { o.Targets = []string{"junos_application.ssh2"} })
	require.True(t, p.HasChanges())
	assert.Empty(t, p.Reachability)
}

func TestReachabilityNotComputed(t *testing.T) {
	cfg := srxConfig(permit("imaps", "any", "mail", "junos-imaps"))
	// A policy naming an application no one defines: the device would refuse it at commit,
	// and the plan cannot say what it permits.
	cfg["main.hcl"] = strings.Replace(cfg["main.hcl"], `application         = ["junos-imaps"]`, `application         = ["junos-imaps", "webmail"]`, 1)
	cfg["main.hcl"] += `
policy "nothing-any-to-any" {
  condition = !anytrue([for o in reachability.opens : o.any_to_any])
  message   = "no flow from anywhere to anywhere"
}
`
	h := newJunosHarness(t, cfg)
	p := h.mustPlan()
	require.Len(t, p.Reachability, 1)
	assert.Contains(t, p.Reachability[0].NotComputed, `after: policy "imaps" (untrust -> trust): application "webmail": not a custom application`)
	require.Len(t, p.Policies, 1)
	assert.True(t, p.Policies[0].Passed)
	assert.Contains(t, p.Policies[0].Message, "not decided: the reachability it reads was not computed (junos.srx: after: policy")
}

func TestReachabilityInPolicies(t *testing.T) {
	cfg := srxConfig(permit("imaps", "any", "mail", "junos-imaps") + permit("ssh", "core-net", "mail", "junos-ssh"))
	cfg["main.hcl"] += `
policy "no-any-to-any" {
  condition = !anytrue([for o in reachability.opens : o.any_to_any])
  message   = "a change may not open a service from anywhere to anywhere: ${join("; ", [for o in reachability.opens : o.text if o.any_to_any])}"
}
policy "nothing-from-dmz" {
  condition = alltrue([for o in reachability.opens : o.from_zone != "dmz"])
  message   = "nothing is opened from dmz"
}
policy "ssh-only-from-core" {
  enforcement = "advisory"
  condition   = alltrue([for o in reachability.devices["junos.srx"].opens : alltrue([for s in o.sources : s == "10.200.0.0/16"]) if anytrue([for p in o.ports : p.first <= 22 && 22 <= p.last])])
  message     = "ssh is opened from somewhere other than core-net"
}
`
	h := newJunosHarness(t, cfg)
	p := h.mustPlan()
	for _, r := range p.Policies {
		assert.True(t, r.Passed, "%s: %s", r.Name, r.Message)
		assert.Empty(t, r.Message, r.Name)
	}
	h.apply(p)

	// A permit from any to any for ssh fails the mandatory policy and the advisory one. The
	// ssh permit from core-net was open already, so the opens leave it out; the service is
	// any to any all the same, and every flow of it is marked.
	cfg["main.hcl"] = strings.Replace(cfg["main.hcl"], `
  policy {
    name                = "deny-all"`, permit("ssh-anywhere", "any", "any", "junos-ssh")+`
  policy {
    name                = "deny-all"`, 1)
	h.write(cfg)
	run := h.plan()
	require.True(t, run.Diags.HasErrors())
	require.Len(t, run.Plan.Reachability, 1)
	opens := run.Plan.Reachability[0].Opens
	require.Len(t, opens, 2)
	assert.Equal(t, []string{"0.0.0.0/5", "8.0.0.0/7", "10.0.0.0/9", "10.128.0.0/10", "10.192.0.0/13", "10.201.0.0/16", "10.202.0.0/15", "10.204.0.0/14",
		"10.208.0.0/12", "10.224.0.0/11", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1"}, opens[0].Sources, "everything but core-net")
	assert.Equal(t, []string{"0.0.0.0/0"}, opens[0].Destinations)
	assert.Equal(t, []string{"10.200.0.0/16"}, opens[1].Sources)
	for _, o := range opens {
		assert.Equal(t, "tcp/22", o.Service)
		assert.True(t, o.AnyToAny, o.Text)
	}
	var failed []string
	for _, d := range run.Diags {
		if d.Severity == 1 { // hcl.DiagError
			failed = append(failed, d.Summary+": "+d.Detail)
		}
	}
	assert.Equal(t, []string{`Policy "no-any-to-any" failed: a change may not open a service from anywhere to anywhere: ` + opens[0].Text + "; " + opens[1].Text}, failed)
	for _, r := range run.Plan.Policies {
		assert.Equal(t, r.Name == "nothing-from-dmz", r.Passed, r.Name)
	}
}

func TestReachabilityOnlyInPolicies(t *testing.T) {
	cfg := srxConfig(permit("imaps", "any", "mail", "junos-imaps"))
	cfg["main.hcl"] += `
output "opens" { value = length(reachability.opens) }
`
	h := newJunosHarness(t, cfg)
	run := h.plan()
	require.True(t, run.Diags.HasErrors())
	assert.Contains(t, run.Diags.Error(), "reachability, what a plan does to the traffic the firewalls let through, is available only in policy conditions and messages")
}

func TestReachabilityRules(t *testing.T) {
	ks := []string{}
	for _, n := range []string{"alice", "bob", "carol"} {
		ks = append(ks, fmt.Sprintf("  approver %q { key = %q }\n", n, testKeyLine(t, n)))
	}
	approval := `
approval {
  required = 1
` + strings.Join(ks, "") + `
  rule "opens-into-trust" {
    opens_into = ["trust"]
    required   = 2
  }
  rule "opens-from-dmz" {
    opens_from = ["dmz"]
    required   = 3
  }
}
`
	cfg := srxConfig(permit("imaps", "any", "mail", "junos-imaps"))
	cfg["approval.hcl"] = approval
	h := newJunosHarness(t, cfg)
	run := h.plan()
	require.False(t, run.Diags.HasErrors(), "%s", run.Diags.Error())
	var warnings []string
	for _, d := range run.Diags {
		warnings = append(warnings, d.Summary+": "+d.Detail)
	}
	assert.Equal(t, []string{`Approval rule names an unknown zone: Rule "opens-from-dmz" names "dmz", which no junos_security_zone or junos_security_policies of this enclave names: it applies only when a plan opens traffic into or from a zone of that name.`}, warnings)
	p := run.Plan
	require.NotNil(t, p.Rules)
	assert.Equal(t, []string{"trust"}, p.Rules.Rules[0].OpensInto)
	assert.Equal(t, []string{"dmz"}, p.Rules.Rules[1].OpensFrom)
	var touched []string
	for _, r := range plans.TouchedRules(p) {
		touched = append(touched, r.Name)
	}
	assert.Equal(t, []string{"required", "opens-into-trust"}, touched)

	// A plan of one target still knows every zone of the configuration.
	run = h.plan(func(o *PlanOptions) { o.Targets = []string{"junos_application.ldaps"} })
	require.False(t, run.Diags.HasErrors(), "%s", run.Diags.Error())
	require.Len(t, run.Diags, 1)
	assert.Contains(t, run.Diags[0].Detail, `Rule "opens-from-dmz" names "dmz"`)
	assert.Empty(t, run.Plan.Reachability, "an application no policy names opens nothing")
}

func TestReachabilityTamperedFileIsFound(t *testing.T) {
	h := newJunosHarness(t, srxConfig(permit("imaps", "any", "mail", "junos-imaps")))
	p := h.mustPlan()
	require.Len(t, p.Reachability, 1)
	p.Reachability[0].Opens = p.Reachability[0].Opens[:0]
	b, err := plans.Encode(p)
	require.NoError(t, err)
	edited, err := plans.Decode(b)
	require.NoError(t, err)
	res := h.e.Rederive(context.Background(), edited)
	require.Empty(t, res.Incomplete)
	assert.Equal(t, []string{"its reachability entries are not what its configuration gives"}, res.Differences)
}

// testKeyLine is a fresh ed25519 public key in authorized_keys form.
func testKeyLine(t *testing.T, comment string) string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	sp, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " " + comment
}
