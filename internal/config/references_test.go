package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReferencesIn(t *testing.T) {
	type ref struct {
		kind      RefKind
		subject   string
		remaining string
	}
	for _, tc := range []struct {
		expr string
		want []ref
	}{
		{`var.x`, []ref{{RefVar, "var.x", ""}}},
		{`local.hosts[0]`, []ref{{RefLocal, "local.hosts", "[cty.NumberIntVal(0)]"}}},
		{`vsphere_host.h.id`, []ref{{RefResource, "vsphere_host.h", "id"}}},
		{`vsphere_host.h[0].id`, []ref{{RefResource, "vsphere_host.h", "[cty.NumberIntVal(0)].id"}}},
		{`data.vsphere_datacenter.dc.id`, []ref{{RefData, "data.vsphere_datacenter.dc", "id"}}},
		{`module.esx.host_ids`, []ref{{RefModule, "module.esx", "host_ids"}}},
		{`module.esx["a"].out`, []ref{{RefModule, "module.esx", `[cty.StringVal("a")].out`}}},
		{`count.index`, []ref{{RefCount, "count.index", ""}}},
		{`each.value.name`, []ref{{RefEach, "each.value", "name"}}},
		{`each.key`, []ref{{RefEach, "each.key", ""}}},
		{`self.id`, []ref{{RefSelf, "self", "id"}}},
		{`junos_interface`, []ref{{RefType, "junos_interface", ""}}},
		{`junos_interface["uplink"]`, []ref{{RefType, "junos_interface", `[cty.StringVal("uplink")]`}}},
		{`length([for i in junos_interface : i if try(i.tags.role, "") == "uplink"]) == 2`, []ref{{RefType, "junos_interface", ""}}},
		{`"${var.a}-${local.b}"`, []ref{{RefVar, "var.a", ""}, {RefLocal, "local.b", ""}}},
		{`{ for k, v in var.m : k => v + count.index }`, []ref{{RefVar, "var.m", ""}, {RefCount, "count.index", ""}}},
		{`"literal"`, nil},
		// malformed references are left out
		{`var`, nil},
		{`count.foo`, nil},
		{`data.x`, nil},
		{`each.other`, nil},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tc.expr), "t.hcl", hcl.InitialPos)
			require.Empty(t, diags)
			var got []ref
			for _, r := range ReferencesIn(expr) {
				got = append(got, ref{r.Kind, r.Subject, traversalString(r.Remaining)})
				assert.Equal(t, "t.hcl", r.Range.Filename)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	assert.Nil(t, ReferencesIn(nil))
}

func TestReferencesMalformed(t *testing.T) {
	for src, want := range map[string]string{
		`var`:        "A reference to var needs a name: var.NAME.",
		`local[0]`:   "A reference to local needs a name",
		`module`:     "A reference to module needs a name",
		`data.t`:     "data.TYPE.NAME",
		`count`:      "count.index",
		`each.index`: "each.key and each.value",
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "t.hcl", hcl.InitialPos)
		require.Empty(t, diags)
		refs, diags := References(expr.Variables())
		assert.Empty(t, refs, src)
		require.Len(t, diags, 1, src)
		assert.Contains(t, diags[0].Detail, want)
		assert.Equal(t, "t.hcl", diags[0].Subject.Filename)
	}
}

func TestReferencesInBody(t *testing.T) {
	l := NewLoader(DirSource(fullDir))
	cfg := loadOK(t, l)
	subjects := func(refs []Reference) []string {
		var out []string
		for _, r := range refs {
			out = append(out, r.Subject)
		}
		return out
	}
	// meta-arguments (for_each, provider, depends_on, tags) are not in the body; the dynamic
	// block's iterator u is not a reference
	up := cfg.Resources["junos_interface.uplink"]
	assert.ElementsMatch(t, []string{"each.key", "var.uplink_mtu", "each.key", "each.key", "local.hosts"}, subjects(ReferencesInBody(up.Config)))
	assert.Empty(t, ReferencesIn(up.ForEach), "for_each is a literal here")
	assert.Equal(t, []string{"data.vsphere_datacenter.phx1"}, subjects(ReferencesInBody(cfg.Resources["vsphere_compute_cluster.hci"].Config)))

	body := `
disk { size_gb = var.size }
dynamic "network_interface" {
  for_each = var.networks
  labels   = [network_interface.key]
  content {
    network_id = network_interface.value
    dynamic "ip" {
      for_each = network_interface.value.ips
      iterator = addr
      content {
        address = addr.value
        gateway = local.gw
        nic     = network_interface.key
      }
    }
  }
}
annotation = module.m.out
`
	f, diags := hclsyntax.ParseConfig([]byte(body), "b.hcl", hcl.InitialPos)
	require.Empty(t, diags)
	assert.ElementsMatch(t, []string{"module.m", "var.size", "var.networks", "local.gw"}, subjects(ReferencesInBody(f.Body)))

	// a body that is not native syntax falls back to its attributes
	attrs := hcl.EmptyBody()
	assert.Empty(t, ReferencesInBody(attrs))
}
