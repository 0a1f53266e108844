package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

const fullDir = "testdata/full/enclaves/phx1"

func loadOK(t *testing.T, l *Loader) *Config {
	t.Helper()
	cfg, diags := l.Load()
	if diags.HasErrors() {
		var b strings.Builder
		_ = l.WriteDiagnostics(&b, diags, false)
		t.Fatalf("load failed:\n%s", b.String())
	}
	require.Empty(t, diags)
	return cfg
}

func traversalString(tr hcl.Traversal) string {
	var b strings.Builder
	for _, s := range tr {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(s.Name)
		case hcl.TraverseIndex:
			b.WriteString(fmt.Sprintf("[%s]", s.Key.GoString()))
		case hcl.TraverseSplat:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

func traversalStrings(trs []hcl.Traversal) []string {
	out := []string{}
	for _, tr := range trs {
		out = append(out, traversalString(tr))
	}
	return out
}

// TestLoadFullExample loads an enclave like SPEC §1 and checks the model.
func TestLoadFullExample(t *testing.T) {
	l := NewLoader(DirSource(fullDir))
	l.ProviderSchemas = testProviderSchemas
	cfg := loadOK(t, l)

	assert.Nil(t, cfg.Path)
	assert.Equal(t, ".", cfg.Dir)
	assert.Equal(t, []string{"approval.hcl", "main.hcl"}, cfg.Files)

	e := cfg.Enclave
	require.NotNil(t, e)
	assert.Equal(t, "phx1-hci", e.Name)
	assert.Equal(t, "Hyper Critical Infrastructure, PHX1", e.Description)
	assert.Equal(t, "postgres", e.Backend)
	require.NotNil(t, e.BackendURL)
	assert.Equal(t, hcl.Range{Filename: "main.hcl", Start: hcl.Pos{Line: 1, Column: 1, Byte: 0}, End: hcl.Pos{Line: 1, Column: 19, Byte: 18}}, e.DeclRange)

	// variables
	require.Len(t, cfg.Variables, 3)
	pw := cfg.Variables["vcenter_password"]
	assert.Equal(t, cty.String, pw.Type)
	assert.True(t, pw.Sensitive)
	assert.True(t, pw.Required())
	mtu := cfg.Variables["uplink_mtu"]
	assert.Equal(t, cty.Number, mtu.Type)
	assert.True(t, mtu.Default.RawEquals(cty.NumberIntVal(9000)))
	assert.Equal(t, "MTU of the two uplinks", mtu.Description)
	require.Len(t, mtu.Validations, 1)
	assert.Equal(t, 18, mtu.Validations[0].DeclRange.Start.Line)
	site := cfg.Variables["site"]
	assert.Equal(t, "object({name=string,vlan=number})", strings.ReplaceAll(typeexpr.TypeString(site.Type), " ", ""))
	// optional() defaults are applied to the variable's own default
	assert.True(t, site.Default.RawEquals(cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("phx1"), "vlan": cty.NumberIntVal(100)})), site.Default.GoString())

	require.Contains(t, cfg.Locals, "hosts")
	assert.Equal(t, 32, cfg.Locals["hosts"].DeclRange.Start.Line)

	// providers
	require.Len(t, cfg.Providers, 2)
	vs := cfg.Providers["vsphere"]
	assert.Equal(t, "vsphere", vs.Key())
	srx := cfg.Providers["junos.srx"]
	require.NotNil(t, srx)
	assert.Equal(t, "junos", srx.Type)
	assert.Equal(t, "srx", srx.Alias)
	attrs, diags := srx.Config.JustAttributes()
	require.Empty(t, diags)
	assert.NotContains(t, attrs, "alias")
	assert.Contains(t, attrs, "known_hosts_file")

	// resources
	require.Len(t, cfg.Resources, 2)
	hci := cfg.Resources["vsphere_compute_cluster.hci"]
	require.NotNil(t, hci)
	assert.Equal(t, ManagedMode, hci.Mode)
	assert.Equal(t, "vsphere_compute_cluster.hci", hci.Addr())
	assert.Nil(t, hci.ProviderRef)
	assert.Equal(t, "vsphere", hci.ProviderKey())
	assert.True(t, hci.PreventDestroy)
	assert.Equal(t, []string{"drs_automation_level", "ha_host_failures_tolerated"}, traversalStrings(hci.IgnoreChanges))
	assert.NotNil(t, hci.Tags)
	assert.Nil(t, hci.Count)
	assert.Nil(t, hci.ForEach)
	assert.Equal(t, 59, hci.DeclRange.Start.Line)
	assert.Equal(t, hcl.Pos{Line: 59, Column: 10, Byte: hci.TypeRange.Start.Byte}, hci.TypeRange.Start)
	// the body left for the engine holds no meta-arguments
	content, diags := hci.Config.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "name"}, {Name: "datacenter_id"}, {Name: "ha_enabled"},
	}})
	require.Empty(t, diags)
	assert.Len(t, content.Attributes, 3)

	up := cfg.Resources["junos_interface.uplink"]
	require.NotNil(t, up)
	require.NotNil(t, up.ProviderRef)
	assert.Equal(t, "junos", up.ProviderRef.Type)
	assert.Equal(t, "srx", up.ProviderRef.Alias)
	assert.Equal(t, "junos.srx", up.ProviderKey())
	assert.NotNil(t, up.ForEach)
	assert.Equal(t, []string{"vsphere_compute_cluster.hci", "module.esx"}, traversalStrings(up.DependsOn))
	body := up.Config.(*hclsyntax.Body)
	assert.Len(t, body.Blocks, 1)
	assert.Equal(t, "dynamic", body.Blocks[0].Type)
	for _, meta := range []string{"for_each", "provider", "tags", "depends_on"} {
		assert.NotContains(t, body.Attributes, meta)
	}

	require.Len(t, cfg.Data, 1)
	dc := cfg.Data["data.vsphere_datacenter.phx1"]
	require.NotNil(t, dc)
	assert.Equal(t, DataMode, dc.Mode)
	assert.Equal(t, "data.vsphere_datacenter.phx1", dc.Addr())

	// outputs and policies
	require.Len(t, cfg.Outputs, 2)
	assert.False(t, cfg.Outputs["cluster_id"].Sensitive)
	assert.True(t, cfg.Outputs["host_ids"].Sensitive)
	assert.Equal(t, "every host", cfg.Outputs["host_ids"].Description)
	require.Len(t, cfg.Policies, 2)
	assert.Equal(t, Mandatory, cfg.Policies["two-uplinks"].Enforcement)
	assert.Equal(t, Advisory, cfg.Policies["named"].Enforcement)
	assert.NotNil(t, cfg.Policies["two-uplinks"].Condition)
	assert.NotNil(t, cfg.Policies["two-uplinks"].Message)

	// approval, with a key read by file()
	ap := cfg.Approval
	require.NotNil(t, ap)
	assert.Equal(t, 2, ap.Required)
	assert.True(t, ap.MaxAgeSet)
	assert.Equal(t, 36*time.Hour, ap.MaxAge)
	require.Len(t, ap.Approvers, 3)
	assert.Equal(t, "alice", ap.Approvers[0].Name)
	assert.Equal(t, "bob", ap.Approvers[1].Name)
	assert.Equal(t, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEbob bob@phx1", ap.Approvers[1].Key)
	assert.Equal(t, hcl.Pos{Line: 5, Column: 26, Byte: ap.Approvers[1].KeyRange.Start.Byte}, ap.Approvers[1].KeyRange.Start)
	assert.Equal(t, "approval.hcl", ap.Approvers[1].KeyRange.Filename)
	require.Len(t, ap.Rules, 2)
	assert.Equal(t, &ApprovalRule{Name: "firewall", ResourceTypes: []string{"junos_security_policies", "junos_security_zone"}, Required: 3, DeclRange: ap.Rules[0].DeclRange}, ap.Rules[0])
	assert.Equal(t, []string{"delete", "replace"}, ap.Rules[1].Actions)

	// the module
	mc := cfg.Modules["esx"]
	require.NotNil(t, mc)
	assert.Equal(t, "../../modules/esx-cluster", mc.Source)
	assert.Contains(t, mc.Inputs, "hosts")
	assert.NotContains(t, mc.Inputs, "source")
	child := cfg.Children["esx"]
	require.NotNil(t, child)
	assert.Equal(t, []string{"esx"}, child.Path)
	assert.Equal(t, "../../modules/esx-cluster", child.Dir)
	assert.Same(t, cfg, child.Parent)
	assert.Same(t, cfg, child.Root())
	assert.Equal(t, []string{"../../modules/esx-cluster/main.hcl", "../../modules/esx-cluster/variables.hcl"}, child.Files)
	host := child.Resources["vsphere_host.host"]
	require.NotNil(t, host)
	assert.NotNil(t, host.Count)
	assert.Equal(t, "../../modules/esx-cluster/main.hcl", host.DeclRange.Filename)
	assert.Nil(t, child.Enclave)
	assert.Nil(t, child.Approval)
	assert.Empty(t, child.Providers)
}

// TestNestedModules loads modules two deep, called with count and for_each.
func TestNestedModules(t *testing.T) {
	files := map[string]string{
		"main.hcl": `enclave "lab" {}
module "site" {
  for_each = toset(["a", "b"])
  source   = "./modules/site"
  name     = each.key
}`,
		"modules/site/main.hcl": `variable "name" { type = string }
module "hosts" {
  count  = 3
  source = "../host"
  site   = var.name
}
module "more" {
  source     = "./../host"
  site       = "x"
  depends_on = [module.hosts]
}
output "ids" { value = module.hosts[*].id }`,
		"modules/host/main.hcl": `variable "site" {}
resource "vsphere_host" "h" { hostname = "${var.site}-esx" }
output "id" { value = vsphere_host.h.id }`,
	}
	l := NewLoader(SnapshotSource(files))
	cfg := loadOK(t, l)
	site := cfg.Children["site"]
	require.NotNil(t, site)
	assert.NotNil(t, cfg.Modules["site"].ForEach)
	assert.Equal(t, "modules/site", site.Dir)
	assert.Equal(t, []string{"site"}, site.Path)
	hosts := site.Children["hosts"]
	require.NotNil(t, hosts)
	assert.NotNil(t, site.Modules["hosts"].Count)
	assert.Equal(t, "modules/host", hosts.Dir)
	assert.Equal(t, []string{"site", "hosts"}, hosts.Path)
	assert.Equal(t, []string{"site", "more"}, site.Children["more"].Path)
	assert.Equal(t, []string{"module.hosts"}, traversalStrings(site.Modules["more"].DependsOn))
	assert.Contains(t, hosts.Resources, "vsphere_host.h")
	assert.Equal(t, "modules/host/main.hcl", hosts.Resources["vsphere_host.h"].DeclRange.Filename)
	assert.Same(t, cfg, hosts.Root())

	assert.Same(t, hosts, cfg.Descendant([]string{"site", "hosts"}))
	assert.Same(t, cfg, cfg.Descendant(nil))
	assert.Nil(t, cfg.Descendant([]string{"site", "nope"}))

	var walked []string
	cfg.Walk(func(c *Config) { walked = append(walked, strings.Join(c.Path, ".")) })
	assert.Equal(t, []string{"", "site", "site.hosts", "site.more"}, walked)
}

// TestFilesSnapshot: Files records every .hcl file, module files and file() reads included,
// also those the engine makes later through Functions.
func TestFilesSnapshot(t *testing.T) {
	l := NewLoader(DirSource(fullDir))
	cfg := loadOK(t, l)
	keys := sortedKeys(l.Files)
	assert.Equal(t, []string{
		"../../modules/esx-cluster/main.hcl",
		"../../modules/esx-cluster/variables.hcl",
		"approval.hcl",
		"keys/bob.pub",
		"main.hcl",
	}, keys)
	for _, k := range keys {
		b, err := os.ReadFile(filepath.Join(fullDir, k))
		require.NoError(t, err)
		assert.Equal(t, string(b), l.Files[k], k)
	}

	// the engine evaluates the module's file() call later, relative to the module
	child := cfg.Children["esx"]
	expr := child.Resources["vsphere_host.host"].Config.(*hclsyntax.Body).Attributes["annotation"].Expr
	v, diags := expr.Value(&hcl.EvalContext{Functions: l.Functions(child.Dir)})
	require.Empty(t, diags)
	assert.Equal(t, "managed by enclave", v.AsString())
	assert.Equal(t, "managed by enclave", l.Files["../../modules/esx-cluster/annotation.txt"])

	files, env := l.Snapshot()
	assert.Equal(t, l.Files, files)
	assert.Empty(t, env)
}

// TestSnapshotSourceReproduces loads from the recorded Files alone and gets the same model.
func TestSnapshotSourceReproduces(t *testing.T) {
	l := NewLoader(DirSource(fullDir))
	l.ProviderSchemas = testProviderSchemas
	want := loadOK(t, l)

	l2 := NewLoader(SnapshotSource(l.Files))
	l2.ProviderSchemas = testProviderSchemas
	got := loadOK(t, l2)
	assert.Equal(t, describe(want), describe(got))
	assert.Equal(t, l.Files, l2.Files)
	assert.Contains(t, describe(got), "approver bob ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEbob bob@phx1")
}

// describe renders the parts of a Config tree that must survive a round trip through a
// snapshot: names, addresses, values decoded at load time and every source range.
func describe(c *Config) string {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	r := func(rng hcl.Range) string {
		return fmt.Sprintf("%s:%d:%d-%d:%d", rng.Filename, rng.Start.Line, rng.Start.Column, rng.End.Line, rng.End.Column)
	}
	c.Walk(func(c *Config) {
		add("module %v dir %s files %v", c.Path, c.Dir, c.Files)
		if c.Enclave != nil {
			add("enclave %s %q %s %s", c.Enclave.Name, c.Enclave.Description, c.Enclave.Backend, r(c.Enclave.DeclRange))
		}
		for _, k := range sortedKeys(c.Variables) {
			v := c.Variables[k]
			def := "none"
			if v.Default != cty.NilVal {
				def = v.Default.GoString()
			}
			add("variable %s %s %s %v %s", k, typeexpr.TypeString(v.Type), def, v.Sensitive, r(v.DeclRange))
		}
		for _, k := range sortedKeys(c.Locals) {
			add("local %s %s", k, r(c.Locals[k].Expr.Range()))
		}
		for _, k := range sortedKeys(c.Providers) {
			add("provider %s %s", k, r(c.Providers[k].DeclRange))
		}
		for _, index := range []map[string]*Resource{c.Resources, c.Data} {
			for _, k := range sortedKeys(index) {
				res := index[k]
				add("resource %s %s %s %v %v %v", k, res.ProviderKey(), r(res.DeclRange), res.PreventDestroy, traversalStrings(res.IgnoreChanges), traversalStrings(res.DependsOn))
			}
		}
		for _, k := range sortedKeys(c.Modules) {
			add("call %s %s %v", k, c.Modules[k].Source, sortedKeys(c.Modules[k].Inputs))
		}
		for _, k := range sortedKeys(c.Outputs) {
			add("output %s %s", k, r(c.Outputs[k].DeclRange))
		}
		for _, k := range sortedKeys(c.Policies) {
			add("policy %s %s %s", k, c.Policies[k].Enforcement, r(c.Policies[k].DeclRange))
		}
		if a := c.Approval; a != nil {
			add("approval %d %s", a.Required, a.MaxAge)
			for _, ap := range a.Approvers {
				add("approver %s %s %s", ap.Name, ap.Key, r(ap.KeyRange))
			}
			for _, ru := range a.Rules {
				add("rule %s %v %v %d", ru.Name, ru.ResourceTypes, ru.Actions, ru.Required)
			}
		}
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestSnapshotSourceMissing(t *testing.T) {
	src := SnapshotSource(map[string]string{"main.hcl": "x", "a/b.hcl": "y", "a/notes.txt": "z"})
	_, err := src.ReadFile("other.hcl")
	assert.ErrorContains(t, err, "not in the plan's configuration snapshot")
	names, err := src.ReadDir("a")
	require.NoError(t, err)
	assert.Equal(t, []string{"b.hcl"}, names)
	b, err := src.ReadFile("./a/../a/notes.txt")
	require.NoError(t, err)
	assert.Equal(t, "z", string(b))
	_, err = src.ReadDir("nope")
	assert.Error(t, err)
}

func TestDirSourceSkipsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.hcl", "a.hcl", ".#a.hcl", "notes.txt", "x.hcl.bak"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o644))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.hcl"), 0o755))
	names, err := DirSource(dir).ReadDir(".")
	require.NoError(t, err)
	assert.Equal(t, []string{"a.hcl", "b.hcl"}, names)
}

func TestLoadEmptyDir(t *testing.T) {
	_, diags := NewLoader(DirSource(t.TempDir())).Load()
	require.True(t, diags.HasErrors())
	assert.Contains(t, diags.Error(), "holds no .hcl files")
}

func TestParseMaxAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"24h", 24 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"0d", 0, "invalid duration"},
		{"0d0h", 0, "more than zero"},
		{"-1h", 0, "more than zero"},
		{"99999999999999999999d", 0, "bad day count"},
		{"a day", 0, "invalid duration"},
		{"", 0, "invalid duration"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseMaxAge(tc.in)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestIgnoreChangesAll accepts the all keyword; TestDefaultsAndOptional covers the rest of the
// lifecycle and backend defaults.
func TestLifecycleAndDefaults(t *testing.T) {
	files := map[string]string{"main.hcl": `enclave "x" {}
variable "free" {}
resource "vsphere_host" "h" {
  lifecycle { ignore_changes = all }
}
resource "vsphere_host" "g" {
  provider = vsphere
  lifecycle { ignore_changes = [unit[0].vlan_id, tags["a"]] }
}
policy "p" {
  condition = true
  message   = "m"
}`}
	cfg := loadOK(t, NewLoader(SnapshotSource(files)))
	assert.Equal(t, "local", cfg.Enclave.Backend)
	assert.Nil(t, cfg.Enclave.BackendURL)
	assert.Nil(t, cfg.Approval)
	assert.Equal(t, cty.DynamicPseudoType, cfg.Variables["free"].Type)
	assert.True(t, cfg.Variables["free"].Required())
	assert.True(t, cfg.Resources["vsphere_host.h"].IgnoreAllChanges)
	g := cfg.Resources["vsphere_host.g"]
	assert.Equal(t, &ProviderRef{Type: "vsphere", Range: g.ProviderRef.Range}, g.ProviderRef)
	assert.Equal(t, []string{`unit[cty.NumberIntVal(0)].vlan_id`, `tags[cty.StringVal("a")]`}, traversalStrings(g.IgnoreChanges))
	assert.Equal(t, Mandatory, cfg.Policies["p"].Enforcement)
}

func TestResourceProviderType(t *testing.T) {
	for in, want := range map[string]string{
		"vsphere_virtual_machine": "vsphere",
		"junos_interface":         "junos",
		"ontap_volume":            "ontap",
		"plain":                   "plain",
	} {
		assert.Equal(t, want, ResourceProviderType(in))
	}
}

func TestAsciiIdentifierAgreesWithHCL(t *testing.T) {
	for _, s := range []string{"a", "_x", "vsphere_host", "two-uplinks", "a1", "1a", "-a", "", "a.b", "a b", "é"} {
		if asciiIdentifier(s) {
			assert.True(t, hclsyntax.ValidIdentifier(s), s)
		}
	}
	assert.True(t, asciiIdentifier("esx-host_01"))
	assert.False(t, asciiIdentifier("1host"))
}
