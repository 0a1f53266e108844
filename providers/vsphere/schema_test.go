package vsphere

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

func TestSchemaValid(t *testing.T) {
	reg := providers.Registry{Name: New}
	s := reg.Schemas()[Name]
	require.NoError(t, s.Provider.Validate("provider.vsphere"))
	require.Equal(t, []string{"password"}, s.Provider.SensitivePaths())
	require.False(t, s.Transactional)
	for typ, rs := range s.Resources {
		require.NoError(t, rs.Validate(typ))
		require.True(t, rs.Attributes["id"].Computed, typ)
		require.NotEmpty(t, rs.ImportHelp, typ)
		_, ok := kindFor[typ]
		require.True(t, ok, "%s has a reader", typ)
		_, ok = appliers[typ]
		require.True(t, ok, "%s has an applier", typ)
	}
	for typ, ds := range s.DataSources {
		require.NoError(t, ds.Validate(typ))
		_, ok := dataKinds[typ]
		require.True(t, ok, typ)
	}
	rs, prov, ok := reg.ResourceSchema("vsphere_virtual_machine")
	require.True(t, ok)
	require.Equal(t, Name, prov)
	require.True(t, rs.Destructive)
	require.True(t, s.Resources["vsphere_nas_datastore"].Destructive)
	require.Equal(t, []string{"password"}, s.Resources["vsphere_host"].SensitivePaths())
}

func TestSchemaForceNew(t *testing.T) {
	s := resourceSchemas()
	tests := []struct {
		typ, attr string
		forceNew  bool
	}{
		{"vsphere_compute_cluster", "datacenter_id", true},
		{"vsphere_compute_cluster", "ha_enabled", false},
		{"vsphere_compute_cluster", "drs_automation_level", false},
		{"vsphere_host", "hostname", true},
		{"vsphere_host", "cluster_id", false},
		{"vsphere_distributed_port_group", "switch_id", true},
		{"vsphere_distributed_port_group", "vlan_id", false},
		{"vsphere_nas_datastore", "remote_path", true},
		{"vsphere_nas_datastore", "type", true},
		{"vsphere_nas_datastore", "access_mode", true},
		{"vsphere_nas_datastore", "host_ids", false},
		{"vsphere_resource_pool", "cpu_reservation", false},
		{"vsphere_virtual_machine", "num_cpus", false},
		{"vsphere_virtual_machine", "memory_mb", false},
		{"vsphere_virtual_machine", "datastore_id", true},
	}
	for _, tc := range tests {
		a := s[tc.typ].Attributes[tc.attr]
		require.NotNil(t, a, "%s.%s", tc.typ, tc.attr)
		require.Equal(t, tc.forceNew, a.ForceNew, "%s.%s", tc.typ, tc.attr)
	}
	require.Equal(t, cty.Set(cty.String), s["vsphere_distributed_switch"].Attributes["host_ids"].Type)
	require.Equal(t, []string{"manual", "partiallyAutomated", "fullyAutomated"}, s["vsphere_compute_cluster"].Attributes["drs_automation_level"].OneOf)
}

// TestConcurrentApply creates VMs from ten goroutines through one provider, as the engine
// does for independent resources (run with -race).
func TestConcurrentApply(t *testing.T) {
	l := newLab(t, vcsim.Options{Standard: true, Machines: 1})
	ctx := context.Background()
	res, err := l.p.ReadData(ctx, []providers.DataRequest{
		{Addr: "data.vsphere_compute_cluster.c", Type: "vsphere_compute_cluster", Args: providers.Object{"name": "DC0_C0"}},
		{Addr: "data.vsphere_datastore.ds", Type: "vsphere_datastore", Args: providers.Object{"name": "LocalDS_0"}},
	})
	require.NoError(t, err)
	var wg sync.WaitGroup
	results := make([]providers.ChangeResult, 20)
	for i := range results {
		wg.Go(func() {
			out := l.p.Apply(ctx, []providers.Change{{
				Addr: "vsphere_virtual_machine.vm", Type: "vsphere_virtual_machine", Action: providers.Create,
				Planned: planned("vsphere_virtual_machine", providers.Object{
					"name": "par-" + string(rune('a'+i)), "resource_pool_id": res[0].Result["resource_pool_id"], "datastore_id": res[1].Result["id"],
				}),
			}}, func(string, string) {})
			results[i] = out[0]
		})
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, r := range results {
		require.NoError(t, r.Err)
		ids[providers.String(r.New, "id")] = true
	}
	require.Len(t, ids, 20)
}
