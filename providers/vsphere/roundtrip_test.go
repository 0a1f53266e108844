package vsphere

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

// standardRefresh lists refresh requests for every VM, host, cluster and datastore of the
// standard inventory.
func standardRefresh(l *lab) []providers.RefreshRequest {
	var reqs []providers.RefreshRequest
	for kind, typ := range map[string]string{
		"VirtualMachine": "vsphere_virtual_machine", "HostSystem": "vsphere_host",
		"ClusterComputeResource": "vsphere_compute_cluster", "ResourcePool": "vsphere_resource_pool",
		"Datacenter": "vsphere_datacenter", "DistributedVirtualPortgroup": "vsphere_distributed_port_group",
		"DistributedVirtualSwitch": "vsphere_distributed_switch", "Datastore": "vsphere_nas_datastore",
		"Folder": "vsphere_folder",
	} {
		for _, e := range l.sim.Map().All(kind) {
			if e.Entity().Parent == nil {
				continue // the root folder is nobody's resource
			}
			id := e.Reference().Value
			reqs = append(reqs, providers.RefreshRequest{Addr: fmt.Sprintf("%s.%s", typ, id), Type: typ, ID: id})
		}
	}
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Addr < reqs[j].Addr })
	return reqs
}

func refreshRequests(t testing.TB, machines int) (vcsim.RequestCounts, int) {
	t.Helper()
	l := newLab(t, vcsim.Options{Standard: true, Machines: machines})
	reqs := standardRefresh(l)
	l.sim.ResetRequests()
	res, err := l.p.Refresh(context.Background(), reqs)
	require.NoError(t, err)
	vms := 0
	for _, r := range res {
		require.NotNil(t, r.Current, r.Addr)
		if _, ok := r.Current["uuid"]; ok {
			vms++
		}
	}
	return l.sim.Requests(), vms
}

// TestRefreshRoundTripsIndependentOfCount: refreshing 200 VMs costs exactly the requests
// refreshing 10 does.
func TestRefreshRoundTripsIndependentOfCount(t *testing.T) {
	small, n := refreshRequests(t, 5)
	require.Equal(t, 10, n)
	large, n := refreshRequests(t, 100)
	require.Equal(t, 200, n)
	require.Equal(t, small.ByMethod, large.ByMethod, "10 VMs: %s\n200 VMs: %s", small, large)
	require.Equal(t, 1, small.ByMethod["CreateContainerView"], small.String())
	require.Equal(t, 1, small.ByMethod["DestroyView"], small.String())
}

func TestReadDataBatchedAndCached(t *testing.T) {
	l := newLab(t, vcsim.Options{Standard: true})
	ctx := context.Background()
	dc := l.dc0(t)

	var hosts []providers.DataRequest
	for _, e := range l.sim.Map().All("HostSystem") {
		name := e.Entity().Name
		hosts = append(hosts, providers.DataRequest{Addr: "data.vsphere_host." + name, Type: "vsphere_host", Args: providers.Object{"name": name, "datacenter_id": dc}})
	}
	require.Len(t, hosts, 4)

	l.p.mu.Lock()
	l.p.inv = nil
	l.p.mu.Unlock()
	l.sim.ResetRequests()
	res, err := l.p.ReadData(ctx, hosts[:1])
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	one := l.sim.Requests().ByMethod["RetrievePropertiesEx"]

	l.p.mu.Lock()
	l.p.inv = nil
	l.p.mu.Unlock()
	l.sim.ResetRequests()
	res, err = l.p.ReadData(ctx, hosts)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
		require.NotEmpty(t, r.Result["id"])
		require.Greater(t, providers.Int(r.Result, "cpu_cores"), int64(0))
	}
	require.Equal(t, one, l.sim.Requests().ByMethod["RetrievePropertiesEx"], "four host lookups cost what one does")

	// Within the run, looking the same type up again costs nothing.
	l.sim.ResetRequests()
	_, err = l.p.ReadData(ctx, hosts)
	require.NoError(t, err)
	require.Zero(t, l.sim.Requests().ByMethod["RetrievePropertiesEx"])
}

func TestReadDataSources(t *testing.T) {
	l := newLab(t, vcsim.Options{Standard: true})
	ctx := context.Background()
	dc := l.dc0(t)
	tests := []struct {
		typ, name string
		dc        bool
		want      providers.Object
		wantErr   string
	}{
		{typ: "vsphere_datacenter", name: "DC0", want: providers.Object{"id": dc}},
		{typ: "vsphere_compute_cluster", name: "DC0_C0", dc: true, want: providers.Object{"name": "DC0_C0"}},
		{typ: "vsphere_host", name: "DC0_H0", dc: true, want: providers.Object{"cluster_id": ""}},
		{typ: "vsphere_datastore", name: "LocalDS_0", dc: true, want: providers.Object{"type": "OTHER"}},
		{typ: "vsphere_network", name: "DC0_DVPG0", dc: true, want: providers.Object{"type": "DistributedVirtualPortgroup"}},
		{typ: "vsphere_network", name: "VM Network", want: providers.Object{"type": "Network"}},
		{typ: "vsphere_host", name: "nope", dc: true, wantErr: `data.vsphere_host.nope: no HostSystem named "nope" in datacenter ` + dc},
	}
	for _, tc := range tests {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			args := providers.Object{"name": tc.name}
			if tc.dc {
				args["datacenter_id"] = dc
			}
			addr := "data." + tc.typ + "." + tc.name
			res, err := l.p.ReadData(ctx, []providers.DataRequest{{Addr: addr, Type: tc.typ, Args: args}})
			require.NoError(t, err)
			if tc.wantErr != "" {
				require.ErrorContains(t, res[0].Err, tc.wantErr)
				return
			}
			require.NoError(t, res[0].Err)
			require.NotEmpty(t, res[0].Result["id"])
			subset(t, tc.want, res[0].Result)
		})
	}
}

func TestImportErrors(t *testing.T) {
	l := newLab(t, vcsim.Options{Standard: true})
	tests := []struct{ typ, path, wantErr string }{
		{"vsphere_host", "/DC0/vm/DC0_H0_VM0", "/DC0/vm/DC0_H0_VM0 is a VirtualMachine, not a HostSystem (vsphere_host)"},
		{"vsphere_virtual_machine", "/DC0/vm/nope", "FindByInventoryPath: /DC0/vm/nope: no such inventory path"},
		{"vsphere_thing", "/DC0", "unknown resource type vsphere_thing"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, err := l.p.Import(context.Background(), tc.typ, tc.path)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
	vm, err := l.p.Import(context.Background(), "vsphere_virtual_machine", "/DC0/vm/DC0_H0_VM0")
	require.NoError(t, err)
	require.Equal(t, "DC0_H0_VM0", vm["name"])
	require.Equal(t, "on", vm["power_state"])
}
