package vsphere

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

func TestDatacenterLifecycle(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	ctx := context.Background()

	dc := l.create(t, "vsphere_datacenter", providers.Object{"name": "phx1"})
	subset(t, providers.Object{"name": "phx1"}, dc)
	require.NotEmpty(t, dc["id"])
	require.Equal(t, dc, l.refresh(t, "vsphere_datacenter", dc))

	renamed := l.update(t, "vsphere_datacenter", dc, providers.Object{"name": "phx2"})
	subset(t, providers.Object{"name": "phx2", "id": dc["id"]}, renamed)

	imported, err := l.p.Import(ctx, "vsphere_datacenter", "/phx2")
	require.NoError(t, err)
	require.Equal(t, renamed, imported)

	l.delete(t, "vsphere_datacenter", renamed)
	require.Nil(t, l.refresh(t, "vsphere_datacenter", renamed))
}

func TestClusterLifecycle(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	dc := l.dc0(t)

	want := providers.Object{
		"name": "hci", "datacenter_id": dc, "ha_enabled": true, "ha_host_failures_tolerated": int64(2),
		"ha_admission_control": true, "drs_enabled": false, "drs_automation_level": "manual",
	}
	c := l.create(t, "vsphere_compute_cluster", want)
	subset(t, want, c)
	require.NotEmpty(t, c["resource_pool_id"])
	require.Equal(t, c, l.refresh(t, "vsphere_compute_cluster", c))

	upd := providers.Copy(want)
	upd["drs_enabled"], upd["drs_automation_level"], upd["ha_host_failures_tolerated"] = true, "fullyAutomated", int64(1)
	c2 := l.update(t, "vsphere_compute_cluster", c, upd)
	subset(t, upd, c2)
	require.Equal(t, c["id"], c2["id"], "HA/DRS change in place")
	require.Contains(t, l.sim.Requests().ByMethod, "ReconfigureComputeResource_Task")

	imported, err := l.p.Import(context.Background(), "vsphere_compute_cluster", "/DC0/host/hci")
	require.NoError(t, err)
	require.Equal(t, c2, imported)

	l.delete(t, "vsphere_compute_cluster", c2)
	require.Nil(t, l.refresh(t, "vsphere_compute_cluster", c2))
}
