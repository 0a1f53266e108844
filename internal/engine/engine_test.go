package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/enclave-dev/enclave/providers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type harness struct {
	t       *testing.T
	dir     string
	w       *fakeWorld
	e       *Engine
	backend *state.Local
	vars    VarInputs
}

func newHarness(t *testing.T, files map[string]string) *harness {
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, w: newWorld()}
	h.write(files)
	h.e = &Engine{Registry: h.w.registry()}
	h.backend = state.NewLocal(filepath.Join(dir, ".enclave"))
	h.vars = VarInputs{Environ: []string{}}
	return h
}

func (h *harness) write(files map[string]string) {
	for name, body := range files {
		p := filepath.Join(h.dir, name)
		require.NoError(h.t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(h.t, os.WriteFile(p, []byte(body), 0o644))
	}
}

func (h *harness) plan(opts ...func(*PlanOptions)) *Run {
	o := PlanOptions{Dir: h.dir, Vars: h.vars, Refresh: true, Author: "carol"}
	for _, f := range opts {
		f(&o)
	}
	run, err := h.e.Plan(context.Background(), h.backend, o)
	require.NoError(h.t, err)
	return run
}

func (h *harness) mustPlan(opts ...func(*PlanOptions)) *plans.Plan {
	run := h.plan(opts...)
	require.False(h.t, run.Diags.HasErrors(), "%s", run.Diags.Error())
	return run.Plan
}

// apply saves the plan to a file, reads it back (as apply always does), and applies it.
func (h *harness) apply(p *plans.Plan) *ApplyResult {
	path := filepath.Join(h.t.TempDir(), "plan.json")
	require.NoError(h.t, plans.Write(path, p))
	p2, err := plans.ReadFile(path)
	require.NoError(h.t, err)
	a, diags, err := h.e.PrepareApply(context.Background(), h.backend, p2, ApplyOptions{Dir: h.dir, Vars: h.vars})
	require.NoError(h.t, err)
	require.False(h.t, diags.HasErrors(), "%s", diags.Error())
	defer a.Close()
	require.NoError(h.t, a.Connect(context.Background()))
	require.Empty(h.t, a.Rederived, "the plan re-derived from its own file differs")
	require.Empty(h.t, a.WorldChanged)
	res, err := a.Apply(context.Background())
	require.NoError(h.t, err)
	return res
}

func actions(p *plans.Plan) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		out[c.Addr] = c.Action.String()
	}
	return out
}

const base = `
enclave "t" {}
provider "fake" { endpoint = "e1" }
`

func TestCycleCreateReplanUpdateReplaceDelete(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" {
  name    = "net"
  vlan_id = 120
}
resource "fake_vm" "vm" {
  count  = 3
  name   = "vm${count.index}"
  net_id = fake_net.n.id
  disk {
    label   = "d0"
    size_gb = 10
  }
}
`})
	p := h.mustPlan()
	assert.Equal(t, map[string]string{"fake_net.n": "create", "fake_vm.vm[0]": "create", "fake_vm.vm[1]": "create", "fake_vm.vm[2]": "create"}, actions(p))
	assert.Contains(t, p.Changes[1].AfterUnknown, "id")
	assert.Equal(t, []string{"fake_net.n"}, p.Changes[1].DependsOn)
	res := h.apply(p)
	assert.Equal(t, 0, res.Failed)
	assert.Equal(t, 4, res.Changed)
	st, _, err := h.backend.Read()
	require.NoError(t, err)
	require.Len(t, st.Resources, 4)
	netID := st.Resource("fake_net.n").Attributes["id"]
	assert.Equal(t, netID, st.Resource("fake_vm.vm[1]").Attributes["net_id"])

	// Re-plan: nothing to do, and the serial does not move.
	p = h.mustPlan()
	assert.False(t, p.HasChanges(), "%v", actions(p))
	serial := st.Serial
	h.apply(p)
	st, _, _ = h.backend.Read()
	assert.Equal(t, serial, st.Serial)

	// Update in place, replace (name forces new), delete (count shrinks).
	h.write(map[string]string{"main.hcl": base + `
resource "fake_net" "n" {
  name    = "net2"
  vlan_id = 121
}
resource "fake_vm" "vm" {
  count  = 2
  name   = "vm${count.index}"
  cpus   = 4
  net_id = fake_net.n.id
  disk {
    label   = "d0"
    size_gb = 10
  }
}
`})
	p = h.mustPlan()
	assert.Equal(t, map[string]string{"fake_net.n": "replace", "fake_vm.vm[0]": "update", "fake_vm.vm[1]": "update", "fake_vm.vm[2]": "delete"}, actions(p))
	for _, c := range p.Changes {
		if c.Addr == "fake_vm.vm[2]" {
			assert.True(t, c.Destructive)
		}
		if c.Addr == "fake_net.n" {
			assert.Contains(t, c.Reason, "name")
		}
	}
	res = h.apply(p)
	assert.Equal(t, 0, res.Failed, "%+v", res.Results)
	p = h.mustPlan()
	assert.False(t, p.HasChanges(), "%v", actions(p))
	st, _, _ = h.backend.Read()
	assert.Equal(t, st.Resource("fake_net.n").Attributes["id"], st.Resource("fake_vm.vm[0]").Attributes["net_id"])
	assert.Equal(t, "net2", st.Resource("fake_net.n").Attributes["name"])
	assert.EqualValues(t, 4, st.Resource("fake_vm.vm[0]").Attributes["cpus"])
	assert.Len(t, h.w.ids(), 3)
}

func TestDriftOutOfBand(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" {
  name    = "net"
  vlan_id = 120
}
`})
	h.apply(h.mustPlan())
	st, _, _ := h.backend.Read()
	id := st.Resource("fake_net.n").Attributes["id"].(string)
	h.w.objects[id]["vlan_id"] = int64(999)
	p := h.mustPlan()
	require.Len(t, p.Drift, 1)
	assert.Equal(t, "fake_net.n", p.Drift[0].Addr)
	assert.Equal(t, "vlan_id", p.Drift[0].Diffs[0].Path)
	assert.Equal(t, "update", actions(p)["fake_net.n"])
	h.apply(p)
	assert.False(t, h.mustPlan().HasChanges())
	assert.Empty(t, h.mustPlan().Drift)

	// Deleted out of band: drift says gone, the plan creates it again.
	delete(h.w.objects, id)
	p = h.mustPlan()
	require.Len(t, p.Drift, 1)
	assert.True(t, p.Drift[0].Gone)
	assert.Equal(t, "create", actions(p)["fake_net.n"])
}

func TestPartialFailureKeepsSuccessesAndNextPlanShowsTheRest(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" { name = "net" }
resource "fake_vm" "vm" {
  count  = 3
  name   = "vm${count.index}"
  net_id = fake_net.n.id
}
resource "fake_net" "after" {
  name  = "after-${fake_vm.vm[1].id}"
}
`})
	h.w.failOn["fake_vm.vm[1]"] = "PowerOnVM_Task: host is in maintenance mode"
	h.w.partial["fake_vm.vm[1]"] = true
	res := h.apply(h.mustPlan())
	assert.Equal(t, 1, res.Failed)
	assert.Equal(t, 1, res.Skipped)
	var failed, skipped ResourceResult
	for _, r := range res.Results {
		if r.Error != "" {
			failed = r
		}
		if r.Skipped {
			skipped = r
		}
	}
	assert.Equal(t, "fake_vm.vm[1]", failed.Addr)
	assert.Contains(t, failed.Error, "maintenance mode")
	assert.Equal(t, "fake_net.after", skipped.Addr)
	assert.Equal(t, "fake_vm.vm[1]", skipped.Cause)
	st, _, _ := h.backend.Read()
	assert.NotNil(t, st.Resource("fake_vm.vm[0]"))
	assert.NotNil(t, st.Resource("fake_vm.vm[2]"))
	// The half-made VM is in state as it is on the gear: powered off.
	require.NotNil(t, st.Resource("fake_vm.vm[1]"))
	assert.Equal(t, "off", st.Resource("fake_vm.vm[1]").Attributes["power"])

	delete(h.w.failOn, "fake_vm.vm[1]")
	p := h.mustPlan()
	got := actions(p)
	for a, act := range got {
		if act == "no-op" {
			delete(got, a)
		}
	}
	assert.Equal(t, map[string]string{"fake_vm.vm[1]": "update", "fake_net.after": "create"}, got)
	res = h.apply(p)
	assert.Equal(t, 0, res.Failed)
	assert.False(t, h.mustPlan().HasChanges())
}

func TestTransactionalProviderGetsOneApplyPerInstance(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
provider "fakedev" {
  alias = "a"
  host  = "srx-a"
}
provider "fakedev" {
  alias = "b"
  host  = "srx-b"
}
resource "fakedev_policy" "p" {
  for_each = toset(["x", "y", "z"])
  provider = fakedev.a
  name     = each.key
  rule { name = "r1" }
  rule {
    name   = "deny-all"
    action = "deny"
  }
}
resource "fakedev_policy" "q" {
  provider = fakedev.b
  name     = "q"
}
# Refers to another change of the same device transaction: the name is known at plan.
resource "fakedev_policy" "r" {
  provider = fakedev.b
  name     = "after-${fakedev_policy.q.name}"
}
`})
	res := h.apply(h.mustPlan())
	assert.Equal(t, 0, res.Failed)
	assert.Equal(t, 1, h.w.applies["srx-a"])
	assert.Equal(t, 1, h.w.applies["srx-b"])
	// The first plan read each device once too: for the creates' collision check.
	assert.Equal(t, 1, h.w.refreshes["srx-a"], "one read per device for the first plan")
	assert.Equal(t, 1, h.w.refreshes["srx-b"], "one read per device for the first plan")
	assert.False(t, h.mustPlan().HasChanges())
	assert.Equal(t, 2, h.w.refreshes["srx-a"], "one refresh per device per plan")
	assert.Equal(t, 2, h.w.refreshes["srx-b"], "one refresh per device per plan")

	// Reordering an ordered list is a change.
	h.write(map[string]string{"main.hcl": strings.Replace(readFile(t, h.dir+"/main.hcl"), `rule { name = "r1" }`, `rule { name = "r0" }`, 1)})
	p := h.mustPlan()
	assert.Equal(t, "update", actions(p)[`fakedev_policy.p["x"]`])
}

func readFile(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}

func TestModulesDataAndOutputs(t *testing.T) {
	h := newHarness(t, map[string]string{
		"main.hcl": base + `
variable "sites" {
  type    = map(number)
  default = { phx = 120, scl = 130 }
}
data "fake_lookup" "dc" { name = "dc1" }
module "site" {
  source   = "./modules/site"
  for_each = var.sites
  name     = "${each.key}-${data.fake_lookup.dc.value}"
  vlan     = each.value
}
output "nets" { value = { for k, m in module.site : k => m.net_id } }
`,
		"modules/site/main.hcl": `
variable "name" { type = string }
variable "vlan" { type = number }
module "inner" {
  source = "../inner"
  count  = 2
  prefix = "${var.name}-${count.index}"
  net_id = fake_net.n.id
}
resource "fake_net" "n" {
  name    = var.name
  vlan_id = var.vlan
}
output "net_id" { value = fake_net.n.id }
`,
		"modules/inner/main.hcl": `
variable "prefix" { type = string }
variable "net_id" { type = string }
resource "fake_vm" "vm" {
  name   = var.prefix
  net_id = var.net_id
}
`})
	p := h.mustPlan()
	want := []string{
		`module.site["phx"].fake_net.n`, `module.site["phx"].module.inner[0].fake_vm.vm`, `module.site["phx"].module.inner[1].fake_vm.vm`,
		`module.site["scl"].fake_net.n`, `module.site["scl"].module.inner[0].fake_vm.vm`, `module.site["scl"].module.inner[1].fake_vm.vm`,
	}
	got := actions(p)
	for _, a := range want {
		assert.Equal(t, "create", got[a], a)
	}
	assert.Equal(t, "read", got["data.fake_lookup.dc"])
	for _, c := range p.Changes {
		if c.Addr == `module.site["scl"].module.inner[1].fake_vm.vm` {
			assert.Equal(t, []string{"data.fake_lookup.dc", `module.site["scl"].fake_net.n`}, c.DependsOn)
			assert.Equal(t, "scl-v-dc1-1", c.After["name"])
		}
	}
	assert.True(t, p.Outputs["nets"].Unknown)
	res := h.apply(p)
	assert.Equal(t, 0, res.Failed, "%+v", res.Results)
	st, _, _ := h.backend.Read()
	assert.Equal(t, map[string]any{"phx": st.Resource(`module.site["phx"].fake_net.n`).Attributes["id"], "scl": st.Resource(`module.site["scl"].fake_net.n`).Attributes["id"]}, st.Outputs["nets"].Value)
	assert.False(t, h.mustPlan().HasChanges())
}

func TestSensitiveNeverInClear(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
variable "pw" {
  type      = string
  sensitive = true
}
resource "fake_net" "n" {
  name   = "net"
  secret = var.pw
}
resource "fake_vm" "vm" {
  name = "vm-${fake_net.n.secret}"
}
`})
	h.vars.Flags = []string{"pw=hunter2-very-secret"}
	p := h.mustPlan()
	b, err := plans.Encode(p)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "hunter2")
	h.apply(p)
	raw, err := os.ReadFile(filepath.Join(h.dir, ".enclave", "state.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "hunter2")
	p = h.mustPlan()
	assert.False(t, p.HasChanges(), "%v", actions(p))
	// A different secret is a change, shown masked.
	h.vars.Flags = []string{"pw=other"}
	p = h.mustPlan()
	assert.Equal(t, "update", actions(p)["fake_net.n"])
	b, _ = plans.Encode(p)
	assert.NotContains(t, string(b), "other\"")
}

func TestPoliciesAndBareTypeReferences(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "uplink" {
  count = 3
  name  = "up${count.index}"
  tags  = { role = "uplink" }
}
policy "two-uplinks" {
  condition = length([for n in fake_net : n if try(n.tags.role, "") == "uplink"]) == 2
  message   = "the enclave joins the core through exactly two uplinks"
}
policy "advice" {
  enforcement = "advisory"
  condition   = false
  message     = "just saying"
}
`})
	run := h.plan()
	require.True(t, run.Diags.HasErrors())
	d := run.Diags[0]
	assert.Contains(t, d.Summary, "two-uplinks")
	assert.Equal(t, "the enclave joins the core through exactly two uplinks", d.Detail)
	assert.Equal(t, 10, d.Subject.Start.Line)
}

func TestDiagnostics(t *testing.T) {
	cases := []struct {
		name, body, want string
		line             int
	}{
		{"unknown resource type", `resource "fake_nett" "x" { name = "a" }`, `Did you mean "fake_net"?`, 4},
		{"unknown attribute", "resource \"fake_net\" \"x\" {\n  name = \"a\"\n  vlna_id = 3\n}", `Did you mean "vlan_id"?`, 6},
		{"missing required", `resource "fake_net" "x" { vlan_id = 3 }`, `"name" is required`, 4},
		{"wrong type", "resource \"fake_net\" \"x\" {\n  name = \"a\"\n  vlan_id = \"abc\"\n}", `a number is required`, 6},
		{"unknown reference", "resource \"fake_net\" \"x\" {\n  name = fake_net.y.name\n}", `Reference to undeclared resource`, 5},
		{"cycle", "resource \"fake_net\" \"a\" {\n  name = fake_net.b.name\n}\nresource \"fake_net\" \"b\" {\n  name = fake_net.a.name\n}", "fake_net.a, fake_net.b", 4},
		{"unknown count", "resource \"fake_net\" \"a\" { name = \"a\" }\nresource \"fake_net\" \"b\" {\n  count = length(fake_net.a.computed)\n  name = \"b\"\n}", "known only after apply", 6},
		{"one of", "resource \"fakedev_policy\" \"p\" {\n  provider = fakedev.a\n  name = \"p\"\n  rule {\n    name = \"r\"\n    action = \"allow\"\n  }\n}\nprovider \"fakedev\" {\n  alias = \"a\"\n  host = \"h\"\n}", "", 0},
		{"provider not configured", "provider \"fakedev\" {\n  host = \"h\"\n}\nresource \"fakedev_policy\" \"p\" {\n  provider = fakedev.b\n  name = \"p\"\n}", "fakedev.b", 8},
		{"validation", "variable \"v\" {\n  type = number\n  default = 5\n  validation {\n    condition = var.v > 10\n    error_message = \"v must be above ten\"\n  }\n}", "v must be above ten", 8},
		{"prevent destroy", "", "", 0},
	}
	for _, c := range cases {
		if c.want == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, map[string]string{"main.hcl": base + c.body})
			run := h.plan()
			require.True(t, run.Diags.HasErrors(), "expected an error")
			found := false
			for _, d := range run.Diags {
				text := d.Summary + " " + d.Detail
				if strings.Contains(text, c.want) {
					found = true
					require.NotNil(t, d.Subject, "diagnostic without a range: %s", text)
					assert.Equal(t, c.line, d.Subject.Start.Line, text)
					assert.True(t, strings.HasSuffix(d.Subject.Filename, "main.hcl"), d.Subject.Filename)
				}
			}
			assert.True(t, found, "no diagnostic containing %q in %s", c.want, run.Diags.Error())
		})
	}
}

func TestPreventDestroyAndIgnoreChanges(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" {
  name    = "net"
  vlan_id = 1
  lifecycle {
    prevent_destroy = true
    ignore_changes  = [vlan_id]
  }
}
`})
	h.apply(h.mustPlan())
	h.write(map[string]string{"main.hcl": strings.Replace(readFile(t, filepath.Join(h.dir, "main.hcl")), "vlan_id = 1", "vlan_id = 2", 1)})
	assert.False(t, h.mustPlan().HasChanges(), "ignore_changes keeps vlan_id")
	h.write(map[string]string{"main.hcl": strings.Replace(readFile(t, filepath.Join(h.dir, "main.hcl")), `name    = "net"`, `name    = "net2"`, 1)})
	run := h.plan()
	require.True(t, run.Diags.HasErrors())
	assert.Contains(t, run.Diags.Error(), "prevent_destroy")
}

func TestTargets(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "a" { name = "a" }
resource "fake_net" "b" { name = "b" }
resource "fake_vm" "v" {
  name   = "v"
  net_id = fake_net.a.id
}
`})
	p := h.mustPlan(func(o *PlanOptions) { o.Targets = []string{"fake_vm.v"} })
	assert.Equal(t, map[string]string{"fake_net.a": "create", "fake_vm.v": "create"}, actions(p))
	h.apply(p)
	p = h.mustPlan()
	assert.Equal(t, "create", actions(p)["fake_net.b"])
}

func TestWorldChangedSincePlan(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" {
  name    = "net"
  vlan_id = 1
}
`})
	h.apply(h.mustPlan())
	h.write(map[string]string{"main.hcl": strings.Replace(readFile(t, filepath.Join(h.dir, "main.hcl")), "vlan_id = 1", "vlan_id = 2", 1)})
	p := h.mustPlan()
	st, _, _ := h.backend.Read()
	h.w.objects[st.Resource("fake_net.n").Attributes["id"].(string)]["vlan_id"] = int64(7)
	a, diags, err := h.e.PrepareApply(context.Background(), h.backend, p, ApplyOptions{Dir: h.dir, Vars: h.vars})
	require.NoError(t, err)
	require.False(t, diags.HasErrors())
	defer a.Close()
	require.NoError(t, a.Connect(context.Background()))
	require.Len(t, a.WorldChanged, 1)
	assert.Contains(t, a.WorldChanged[0], "fake_net.n: vlan_id was 1 at plan and is 7 now")
}

func TestEnvValuesHashedInPlanAndCheckedAtApply(t *testing.T) {
	t.Setenv("ENCLAVE_TEST_SECRET_URL", "postgres://u:s3cr3t-pw@db/x")
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" {
  name = length(env("ENCLAVE_TEST_SECRET_URL")) > 0 ? "net" : "none"
}
`})
	p := h.mustPlan()
	b, err := plans.Encode(p)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "s3cr3t-pw")
	t.Setenv("ENCLAVE_TEST_SECRET_URL", "postgres://u:other@db/x")
	a, diags, err := h.e.PrepareApply(context.Background(), h.backend, p, ApplyOptions{Dir: h.dir, Vars: h.vars})
	require.NoError(t, err)
	require.False(t, diags.HasErrors())
	defer a.Close()
	require.NoError(t, a.Connect(context.Background()))
	require.Len(t, a.Rederived, 1)
	assert.Contains(t, a.Rederived[0], "environment variable ENCLAVE_TEST_SECRET_URL is not what it was when the plan was made")
	assert.NotContains(t, a.Rederived[0], "other")
}

// Issue 9, case 8: an enclave whose provider block reads env() passes the gate on its
// second and third apply, and a plan never holds the value.
func TestProviderEnvSecondAndThirdApply(t *testing.T) {
	t.Setenv("ENCLAVE_TEST_ENDPOINT", "e1-s3cr3t")
	cfg := func(vlan int) map[string]string {
		return map[string]string{"main.hcl": fmt.Sprintf(`
enclave "t" {}
provider "fake" { endpoint = env("ENCLAVE_TEST_ENDPOINT") }
resource "fake_net" "n" {
  name    = "net"
  vlan_id = %d
}
`, vlan)}
	}
	h := newHarness(t, cfg(1))
	for vlan := 1; vlan <= 3; vlan++ {
		h.write(cfg(vlan))
		p := h.mustPlan()
		require.Contains(t, p.Env, "ENCLAVE_TEST_ENDPOINT", "apply %d: the plan pins the env() its provider reads", vlan)
		b, err := plans.Encode(p)
		require.NoError(t, err)
		require.NotContains(t, string(b), "s3cr3t")
		res := h.apply(p)
		require.Zero(t, res.Failed, "apply %d", vlan)
	}
	// A provider reading an environment variable the plan did not record fails at apply.
	p := h.mustPlan()
	delete(p.Env, "ENCLAVE_TEST_ENDPOINT")
	a, _, err := h.e.PrepareApply(context.Background(), h.backend, p, ApplyOptions{Dir: h.dir, Vars: h.vars})
	require.NoError(t, err)
	require.NoError(t, a.Connect(context.Background()))
	require.NotEmpty(t, a.Rederived)
	assert.Contains(t, strings.Join(a.Rederived, "\n"), `env("ENCLAVE_TEST_ENDPOINT") was not read when the plan was made`)
}

func TestPostgresBackendRefusedNotIgnored(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": `
enclave "t" {
  state {
    backend = "postgres"
    url     = "postgres://db/enclave"
  }
}
provider "fake" { endpoint = "e1" }
`})
	run := h.plan()
	require.True(t, run.Diags.HasErrors())
	assert.Contains(t, run.Diags.Error(), "not available")
}

func TestProviderDecidesReplacement(t *testing.T) {
	vm := func(size int) string {
		return base + fmt.Sprintf(`
resource "fake_vm" "v" {
  name = "v"
  disk {
    label   = "d0"
    size_gb = %d
  }
}
`, size)
	}
	h := newHarness(t, map[string]string{"main.hcl": vm(20)})
	h.apply(h.mustPlan())
	h.write(map[string]string{"main.hcl": vm(40)})
	assert.Equal(t, "update", actions(h.mustPlan())["fake_vm.v"], "growing is in place")
	h.write(map[string]string{"main.hcl": vm(10)})
	p := h.mustPlan()
	require.Equal(t, "replace", actions(p)["fake_vm.v"], "shrinking replaces")
	for _, c := range p.Changes {
		if c.Addr == "fake_vm.v" {
			assert.True(t, c.Destructive)
			assert.Contains(t, c.Reason, "disk[0].size_gb")
		}
	}
}

// slowBackend counts writes and makes each take a while, as fsync does on real disks.
type slowBackend struct {
	*state.Local
	writes atomic.Int32
}

func (b *slowBackend) Write(st *state.State) (bool, error) {
	b.writes.Add(1)
	time.Sleep(5 * time.Millisecond)
	return b.Local.Write(st)
}

// State is durable after every resource, but concurrent completions share one write (group
// commit), so an apply does not cost one whole-state write per resource.
func TestStateWritesAreGroupCommitted(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" {
  count = 60
  name  = "n${count.index}"
}
`})
	sb := &slowBackend{Local: h.backend}
	p := h.mustPlan()
	a, diags, err := h.e.PrepareApply(context.Background(), sb, p, ApplyOptions{Dir: h.dir, Vars: h.vars, Parallelism: 10})
	require.NoError(t, err)
	require.False(t, diags.HasErrors())
	defer a.Close()
	require.NoError(t, a.Connect(context.Background()))
	res, err := a.Apply(context.Background())
	require.NoError(t, err)
	require.Equal(t, 60, res.Changed)
	st, _, err := h.backend.Read()
	require.NoError(t, err)
	assert.Len(t, st.Resources, 60, "every resource is in state")
	assert.Less(t, int(sb.writes.Load()), 60, "completions share writes")
	t.Logf("60 resources, %d state writes", sb.writes.Load())
}

func TestSensitiveVariableLeftAtItsDefault(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
variable "esx_password" {
  type      = string
  sensitive = true
  default   = "factory-default"
}
resource "fake_net" "n" {
  name   = "n"
  secret = var.esx_password
}
`})
	p := h.mustPlan()
	a, diags, err := h.e.PrepareApply(context.Background(), h.backend, p, ApplyOptions{Dir: h.dir, Vars: h.vars})
	require.NoError(t, err)
	require.False(t, diags.HasErrors())
	defer a.Close()
	require.NoError(t, a.Connect(context.Background()))
	assert.True(t, a.Verified)
	assert.Empty(t, a.Rederived)
	assert.Equal(t, "factory-default", a.SensitiveVars["esx_password"])
	assert.True(t, plans.MatchesSensitiveValue(p.Variables["esx_password"].Hash, a.SensitiveVars["esx_password"]))
}

func TestDynamicBlocks(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
variable "disks" {
  type    = map(number)
  default = { data = 100, logs = 20 }
}
resource "fake_vm" "v" {
  name = "v"
  dynamic "disk" {
    for_each = var.disks
    content {
      label   = disk.key
      size_gb = disk.value
    }
  }
}
`})
	p := h.mustPlan()
	var disks []any
	for _, c := range p.Changes {
		if c.Addr == "fake_vm.v" {
			disks, _ = c.After["disk"].([]any)
		}
	}
	require.Len(t, disks, 2)
	assert.Equal(t, "data", disks[0].(map[string]any)["label"])
	assert.EqualValues(t, 20, disks[1].(map[string]any)["size_gb"])
	h.apply(p)
	assert.False(t, h.mustPlan().HasChanges())
}

func TestUncertainResourceIsAppliedAgain(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "n" { name = "n" }
`})
	h.apply(h.mustPlan())
	st, _, err := h.backend.Read()
	require.NoError(t, err)
	st.Resource("fake_net.n").Status = state.StatusUncertain
	_, err = h.backend.Write(st)
	require.NoError(t, err)
	p := h.mustPlan()
	require.Equal(t, "update", actions(p)["fake_net.n"])
	assert.True(t, p.HasChanges())
	h.apply(p)
	st, _, _ = h.backend.Read()
	assert.Equal(t, "", st.Resource("fake_net.n").Status)
	assert.False(t, h.mustPlan().HasChanges())
}

// Issue 9, case 7: no secret in clear in a policy message, in the next plan's observations
// and before values (a value derived from a sensitive variable), or in an error.
func TestSecretsNeverInClearAcrossPlans(t *testing.T) {
	const secret = "tok-s3cr3t-4711"
	h := newHarness(t, map[string]string{"main.hcl": base + `
variable "token" {
  type      = string
  sensitive = true
}
resource "fake_vm" "v" {
  name = "vm-${var.token}"
}
policy "names-token" {
  enforcement = "advisory"
  condition   = false
  message     = "the token is ${var.token}"
}
`})
	h.vars = VarInputs{Flags: []string{"token=" + secret}}
	encoded := func(p *plans.Plan) string {
		b, err := plans.Encode(p)
		require.NoError(t, err)
		return string(b)
	}
	p := h.mustPlan()
	require.NotContains(t, encoded(p), "s3cr3t")
	require.Equal(t, "(the message uses a sensitive value and is not shown)", p.Policies[0].Message)
	h.apply(p)
	st, _, err := h.backend.Read()
	require.NoError(t, err)
	b, err := state.Encode(st)
	require.NoError(t, err)
	require.NotContains(t, string(b), "s3cr3t", "state")
	// The device holds the name in the clear; the next plan must not copy it.
	p = h.mustPlan()
	require.NotContains(t, encoded(p), "s3cr3t", "second plan")
	assert.False(t, p.HasChanges(), "an unchanged derived secret is no change: %v", actions(p))

	h.write(map[string]string{"main.hcl": base + `
variable "token" {
  type      = string
  sensitive = true
}
resource "fake_net" "n" {
  name    = "n"
  vlan_id = tonumber(var.token)
}
`})
	run := h.plan()
	require.True(t, run.Diags.HasErrors())
	var sb strings.Builder
	require.NoError(t, run.Loader.WriteDiagnostics(&sb, run.Diags, false))
	require.NotContains(t, sb.String(), "s3cr3t", "the error echoes the secret:\n%s", sb.String())
	require.NotContains(t, run.Diags.Error(), "s3cr3t")
}

// Rederive is what show and approve run: the plan from the file alone, without secrets.
func TestRederiveFromTheFileAlone(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
variable "token" {
  type      = string
  sensitive = true
}
resource "fake_net" "n" {
  name   = "net"
  secret = var.token
}
resource "fake_vm" "v" {
  name   = "vm-${var.token}"
  net_id = fake_net.n.id
}
`})
	h.vars = VarInputs{Flags: []string{"token=t0k"}}
	h.apply(h.mustPlan())
	h.vars = VarInputs{Flags: []string{"token=t1k"}}
	p := h.mustPlan()
	require.True(t, p.HasChanges())
	b, err := plans.Encode(p)
	require.NoError(t, err)
	fresh, err := plans.Decode(b)
	require.NoError(t, err)
	res := h.e.Rederive(context.Background(), fresh)
	require.Empty(t, res.Incomplete)
	require.True(t, res.Partial)
	require.Empty(t, res.Differences)

	// An edit of the snapshot that the rendering cannot show is found without the secret.
	fresh.Files["main.hcl"] = strings.Replace(fresh.Files["main.hcl"], `name   = "net"`, `name   = "net2"`, 1)
	res = h.e.Rederive(context.Background(), fresh)
	require.NotEmpty(t, res.Differences)
	assert.Contains(t, strings.Join(res.Differences, "\n"), "fake_net.n")

	// The prior state it carries is checked against the state it records.
	fresh, _ = plans.Decode(b)
	prior, err := state.Decode(fresh.PriorState)
	require.NoError(t, err)
	prior.Resource("fake_net.n").Attributes["vlan_id"] = int64(9)
	fresh.PriorState, err = state.Encode(prior)
	require.NoError(t, err)
	res = h.e.Rederive(context.Background(), fresh)
	require.Len(t, res.Differences, 1)
	assert.Contains(t, res.Differences[0], "the prior state it carries")
}

// Issue 9, case 7: a credential read with file() in a provider block is not in the plan's
// snapshot; apply reads it again and uses it only while it is what the plan saw.
func TestProviderFileIsPinnedNotSnapshotted(t *testing.T) {
	h := newHarness(t, map[string]string{
		"main.hcl": `
enclave "t" {}
provider "fake" { endpoint = trimspace(file("endpoint.secret")) }
resource "fake_net" "n" {
  name = "net"
}
`,
		"endpoint.secret": "e1-s3cr3t\n",
	})
	p := h.mustPlan()
	require.NotContains(t, p.Files, "endpoint.secret")
	require.Contains(t, p.PinnedFiles, "endpoint.secret")
	b, err := plans.Encode(p)
	require.NoError(t, err)
	require.NotContains(t, string(b), "s3cr3t")
	h.apply(p)

	h.write(map[string]string{"main.hcl": strings.Replace(readFile(t, filepath.Join(h.dir, "main.hcl")), `name = "net"`, `name = "net2"`, 1)})
	p = h.mustPlan()
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, "endpoint.secret"), []byte("e2-other\n"), 0o600))
	a, _, err := h.e.PrepareApply(context.Background(), h.backend, p, ApplyOptions{Dir: h.dir, Vars: h.vars})
	require.NoError(t, err)
	require.NoError(t, a.Connect(context.Background()))
	require.NotEmpty(t, a.Rederived)
	assert.Contains(t, strings.Join(a.Rederived, "\n"), "endpoint.secret is not what it was when the plan was made")
	assert.NotContains(t, strings.Join(a.Rederived, "\n"), "e2-other")
	a.Close()
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, "endpoint.secret"), []byte("e1-s3cr3t\n"), 0o600))
	res := h.apply(p)
	require.Zero(t, res.Failed)
}

// Issue 10: numeric data-source attributes are known at plan and stay known at apply, through
// the plan file (whole and fractional numbers alike).
func TestNumericDataSourceSurvivesThePlanFile(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
data "fake_lookup" "host" {
  name = "esx1"
}
resource "fake_net" "n" {
  name    = "net-${data.fake_lookup.host.memory_mb}"
  vlan_id = data.fake_lookup.host.memory_mb / 1024
  hosts   = [tostring(data.fake_lookup.host.ratio * 4)]
}
`})
	p := h.mustPlan()
	var rc *plans.ResourceChange
	for i := range p.Changes {
		if p.Changes[i].Addr == "fake_net.n" {
			rc = &p.Changes[i]
		}
	}
	require.NotNil(t, rc)
	assert.Equal(t, []string{"computed", "id"}, rc.AfterUnknown, "what the data source gives is known at plan")
	res := h.apply(p) // through the file: json.Number on the way back
	require.Zero(t, res.Failed)
	st, _, err := h.backend.Read()
	require.NoError(t, err)
	assert.Equal(t, "net-196608", st.Resource("fake_net.n").Attributes["name"])
	assert.Equal(t, int64(192), st.Resource("fake_net.n").Attributes["vlan_id"])
	assert.Equal(t, []any{"3"}, st.Resource("fake_net.n").Attributes["hosts"])
	assert.False(t, h.mustPlan().HasChanges())
}

// Issue 10: a cycle through a device transaction (device a -> a fake_net -> device a) is
// refused at plan, naming it, instead of failing the approved plan at apply.
func TestTransactionCycleRefusedAtPlan(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
provider "fakedev" {
  alias = "a"
  host  = "srx-a"
}
resource "fakedev_policy" "first" {
  provider = fakedev.a
  name     = "first"
}
resource "fake_net" "between" {
  name = "net-${fakedev_policy.first.name}"
}
resource "fakedev_policy" "second" {
  provider = fakedev.a
  name     = "second-${fake_net.between.name}"
}
`})
	run := h.plan()
	require.True(t, run.Diags.HasErrors())
	msg := run.Diags.Error()
	assert.Contains(t, msg, "Changes that cannot be applied in any order")
	assert.Contains(t, msg, "the fakedev.a device transaction")
	assert.Contains(t, msg, "fake_net.between")
}

// Issue 15: a plan that would create an object whose identity is taken on the device names it
// and the import command; found in one read per provider, with the refresh's own reads.
func TestPlanFindsCollisions(t *testing.T) {
	h := newHarness(t, map[string]string{"main.hcl": base + `
resource "fake_net" "mine" {
  name = "mine"
}
resource "fake_net" "taken" {
  name = "taken"
}
`})
	h.apply(h.mustPlan())
	h.w.mu.Lock()
	h.w.objects["foreign-1"] = providers.Object{"id": "foreign-1", "name": "shared"}
	h.w.types["foreign-1"] = "fake_net"
	h.w.mu.Unlock()
	h.write(map[string]string{"main.hcl": base + `
resource "fake_net" "mine" {
  name = "mine"
}
resource "fake_net" "taken" {
  name = "taken"
}
resource "fake_net" "shared" {
  name = "shared"
}
resource "fake_net" "fresh" {
  name = "fresh"
}
`})
	before := h.w.refreshes["e1"]
	p := h.mustPlan()
	assert.Equal(t, 1, h.w.refreshes["e1"]-before, "the collision check reads nothing more than the refresh did")
	got := map[string]string{}
	for _, c := range p.Collisions() {
		got[c.Addr] = c.AlreadyExists
	}
	assert.Equal(t, map[string]string{"fake_net.shared": "foreign-1"}, got)
	assert.Contains(t, plans.CollisionNote(p.Collisions()[0]), "`enclave import fake_net.shared foreign-1`")
}
