package vsphere

import (
	"context"
	"path/filepath"
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

// labCluster creates a cluster with n hosts in DC0 and returns the cluster and host objects.
func labCluster(t *testing.T, l *lab, name string, n int) (providers.Object, []providers.Object) {
	t.Helper()
	c := l.create(t, "vsphere_compute_cluster", providers.Object{"name": name, "datacenter_id": l.dc0(t)})
	var hosts []providers.Object
	for i := range n {
		hosts = append(hosts, l.create(t, "vsphere_host", providers.Object{
			"hostname": name + "-esx" + string(rune('1'+i)) + ".lab", "cluster_id": c["id"],
			"username": "root", "password": "esx-pass",
		}))
	}
	return c, hosts
}

func TestHostLifecycle(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	c1, _ := labCluster(t, l, "c1", 0)
	c2, _ := labCluster(t, l, "c2", 0)

	want := providers.Object{"hostname": "esx1.lab", "cluster_id": c1["id"], "username": "root", "password": "esx-pass"}
	h := l.create(t, "vsphere_host", want)
	subset(t, want, h)
	require.Equal(t, false, h["maintenance_mode"])
	// The simulator's host model: report its real hardware, not zeros.
	require.Greater(t, providers.Int(h, "cpu_cores"), int64(0))
	require.Greater(t, providers.Int(h, "memory_mb"), int64(0))
	require.Equal(t, h, l.refresh(t, "vsphere_host", h))

	upd := providers.Copy(want)
	upd["maintenance_mode"], upd["cluster_id"] = true, c2["id"]
	h2 := l.update(t, "vsphere_host", h, upd)
	subset(t, upd, h2)
	require.Equal(t, h["id"], h2["id"])

	imported, err := l.p.Import(context.Background(), "vsphere_host", "/DC0/host/c2/esx1.lab")
	require.NoError(t, err)
	require.Equal(t, h2["id"], imported["id"])
	require.Equal(t, c2["id"], imported["cluster_id"])
	require.NotContains(t, imported, "password", "import cannot know the password")

	l.delete(t, "vsphere_host", h2)
	require.Nil(t, l.refresh(t, "vsphere_host", h2))
}

func TestDistributedSwitchAndPortGroupLifecycle(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	_, hosts := labCluster(t, l, "hci", 2)
	dc := l.dc0(t)

	want := providers.Object{"name": "dvs-hci", "datacenter_id": dc, "host_ids": []any{hosts[0]["id"]}, "uplinks": []any{"uplink1", "uplink2"}, "mtu": int64(9000)}
	s := l.create(t, "vsphere_distributed_switch", want)
	subset(t, want, s)
	require.Equal(t, s, l.refresh(t, "vsphere_distributed_switch", s))

	upd := providers.Copy(want)
	upd["host_ids"] = providers.SortedStringList([]string{providers.String(hosts[0], "id"), providers.String(hosts[1], "id")})
	upd["mtu"] = int64(1600)
	s2 := l.update(t, "vsphere_distributed_switch", s, upd)
	subset(t, upd, s2)
	require.Equal(t, s["id"], s2["id"])

	// uplinks is optional and computed: leaving it out keeps what the switch has.
	noUplinks := providers.Copy(upd)
	delete(noUplinks, "uplinks")
	noUplinks["mtu"] = int64(1500)
	s2 = l.update(t, "vsphere_distributed_switch", s2, noUplinks)
	require.Equal(t, []any{"uplink1", "uplink2"}, s2["uplinks"])
	require.Equal(t, int64(1500), s2["mtu"])

	pg := l.create(t, "vsphere_distributed_port_group", providers.Object{"name": "pg-mail", "switch_id": s["id"], "vlan_id": int64(110)})
	subset(t, providers.Object{"name": "pg-mail", "switch_id": s["id"], "vlan_id": int64(110)}, pg)
	require.Equal(t, pg, l.refresh(t, "vsphere_distributed_port_group", pg))
	pg2 := l.update(t, "vsphere_distributed_port_group", pg, providers.Object{"name": "pg-mail", "switch_id": s["id"], "vlan_id": int64(120)})
	require.Equal(t, int64(120), pg2["vlan_id"])
	require.Equal(t, pg["id"], pg2["id"], "VLAN changes in place")
	// A rename alone keeps the VLAN.
	pg2 = l.update(t, "vsphere_distributed_port_group", pg2, providers.Object{"name": "pg-smtp", "switch_id": s["id"], "vlan_id": int64(120)})
	subset(t, providers.Object{"name": "pg-smtp", "vlan_id": int64(120), "id": pg["id"]}, pg2)
	pg2 = l.update(t, "vsphere_distributed_port_group", pg2, providers.Object{"name": "pg-mail", "switch_id": s["id"], "vlan_id": int64(120)})

	imported, err := l.p.Import(context.Background(), "vsphere_distributed_port_group", "/DC0/network/pg-mail")
	require.NoError(t, err)
	require.Equal(t, pg2, imported)
	importedSwitch, err := l.p.Import(context.Background(), "vsphere_distributed_switch", "/DC0/network/dvs-hci")
	require.NoError(t, err)
	require.Equal(t, s2, importedSwitch)

	l.delete(t, "vsphere_distributed_port_group", pg2)
	require.Nil(t, l.refresh(t, "vsphere_distributed_port_group", pg2))
	l.delete(t, "vsphere_distributed_switch", s2)
	require.Nil(t, l.refresh(t, "vsphere_distributed_switch", s2))
}

func TestNASDatastoreLifecycle(t *testing.T) {
	dir := t.TempDir()
	l := newLab(t, vcsim.Options{Dir: dir})
	_, hosts := labCluster(t, l, "hci", 2)
	h1, h2 := providers.String(hosts[0], "id"), providers.String(hosts[1], "id")

	want := providers.Object{
		"name": "nfs-mail", "host_ids": providers.SortedStringList([]string{h1, h2}),
		"remote_hosts": []any{"filer1.lab"}, "remote_path": "/vol/mail", "type": "NFS", "access_mode": "readWrite",
	}
	ds := l.create(t, "vsphere_nas_datastore", want)
	subset(t, want, ds)
	require.Equal(t, ds, l.refresh(t, "vsphere_nas_datastore", ds))
	// The export is a directory on the lab's NFS server, as on a real filer.
	require.DirExists(t, filepath.Join(dir, "nfs", "filer1.lab", "vol", "mail"))

	upd := providers.Copy(want)
	upd["name"], upd["host_ids"] = "nfs-mail2", []any{h1}
	ds2 := l.update(t, "vsphere_nas_datastore", ds, upd)
	subset(t, upd, ds2)
	require.Equal(t, ds["id"], ds2["id"], "rename and unmount in place")

	imported, err := l.p.Import(context.Background(), "vsphere_nas_datastore", "/DC0/datastore/nfs-mail2")
	require.NoError(t, err)
	require.Equal(t, ds2, imported)

	l.delete(t, "vsphere_nas_datastore", ds2)
	require.Nil(t, l.refresh(t, "vsphere_nas_datastore", ds2))
	require.DirExists(t, filepath.Join(dir, "nfs", "filer1.lab", "vol", "mail"), "unmounting keeps the data on the filer")
}

func TestNASDatastoreNFS41ReadOnly(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	_, hosts := labCluster(t, l, "hci", 1)
	want := providers.Object{
		"name": "nfs-ro", "host_ids": []any{hosts[0]["id"]},
		"remote_hosts": []any{"filer1.lab", "filer2.lab"}, "remote_path": "/vol/iso", "type": "NFS41", "access_mode": "readOnly",
	}
	ds := l.create(t, "vsphere_nas_datastore", want)
	subset(t, want, ds)
}

func TestResourcePoolLifecycle(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	c, _ := labCluster(t, l, "hci", 1)

	want := providers.Object{"name": "mail", "parent_id": c["id"], "cpu_shares": "high", "cpu_reservation": int64(1000), "memory_limit_mb": int64(8192)}
	rp := l.create(t, "vsphere_resource_pool", want)
	subset(t, planned("vsphere_resource_pool", want), rp)
	require.Equal(t, rp, l.refresh(t, "vsphere_resource_pool", rp))

	upd := providers.Copy(want)
	upd["cpu_shares"], upd["memory_reservation_mb"], upd["cpu_limit"] = "low", int64(2048), int64(4000)
	rp2 := l.update(t, "vsphere_resource_pool", rp, upd)
	subset(t, planned("vsphere_resource_pool", upd), rp2)
	require.Equal(t, rp["id"], rp2["id"], "allocations change in place")

	child := l.create(t, "vsphere_resource_pool", providers.Object{"name": "mx", "parent_id": rp["id"]})
	require.Equal(t, rp["id"], child["parent_id"])

	imported, err := l.p.Import(context.Background(), "vsphere_resource_pool", "/DC0/host/hci/Resources/mail/mx")
	require.NoError(t, err)
	require.Equal(t, child, imported)

	l.delete(t, "vsphere_resource_pool", child)
	l.delete(t, "vsphere_resource_pool", rp2)
	require.Nil(t, l.refresh(t, "vsphere_resource_pool", rp2))
}

func TestFolderLifecycle(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	dc := l.dc0(t)

	prod := l.create(t, "vsphere_folder", providers.Object{"path": "prod", "type": "vm", "datacenter_id": dc})
	subset(t, providers.Object{"path": "prod", "type": "vm", "datacenter_id": dc}, prod)
	mail := l.create(t, "vsphere_folder", providers.Object{"path": "prod/mail", "type": "vm", "datacenter_id": dc})
	require.Equal(t, "prod/mail", mail["path"])
	require.Equal(t, mail, l.refresh(t, "vsphere_folder", mail))
	net := l.create(t, "vsphere_folder", providers.Object{"path": "enclave", "type": "network", "datacenter_id": dc})
	require.Equal(t, "network", net["type"])

	// Rename in place, then move to another parent in place.
	mail2 := l.update(t, "vsphere_folder", mail, providers.Object{"path": "prod/smtp", "type": "vm", "datacenter_id": dc})
	require.Equal(t, "prod/smtp", mail2["path"])
	mail3 := l.update(t, "vsphere_folder", mail2, providers.Object{"path": "smtp", "type": "vm", "datacenter_id": dc})
	require.Equal(t, "smtp", mail3["path"])
	require.Equal(t, mail["id"], mail3["id"])

	imported, err := l.p.Import(context.Background(), "vsphere_folder", "/DC0/vm/smtp")
	require.NoError(t, err)
	require.Equal(t, mail3, imported)

	// A folder that still holds objects is never destroyed with them.
	inner := l.create(t, "vsphere_folder", providers.Object{"path": "smtp/in", "type": "vm", "datacenter_id": dc})
	res := l.p.Apply(context.Background(), []providers.Change{{Addr: "vsphere_folder.smtp", Type: "vsphere_folder", Action: providers.Delete, Prior: mail3}}, nil)
	require.ErrorContains(t, res[0].Err, "still holds 1 objects")
	require.ErrorContains(t, res[0].Err, "vsphere_folder.smtp")

	l.delete(t, "vsphere_folder", inner)
	l.delete(t, "vsphere_folder", mail3)
	require.Nil(t, l.refresh(t, "vsphere_folder", mail3))
}

func TestApplyErrorsNameAddressAndDevice(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	c, hosts := labCluster(t, l, "hci", 1)
	dc := l.dc0(t)
	tests := []struct {
		name, typ string
		planned   providers.Object
		wantErr   string
	}{
		{name: "cluster_id of a datacenter", typ: "vsphere_host",
			planned: providers.Object{"hostname": "esx9", "cluster_id": dc, "username": "root", "password": "x"},
			wantErr: `cluster_id = "` + dc + `" is not the id of a [ClusterComputeResource]`},
		{name: "missing VM folder", typ: "vsphere_virtual_machine",
			planned: providers.Object{"name": "vm", "resource_pool_id": c["resource_pool_id"], "datastore_id": "datastore-999", "folder": "nope"},
			wantErr: `folder "nope" does not exist in the vm folders of ` + dc},
		{name: "missing datastore", typ: "vsphere_virtual_machine",
			planned: providers.Object{"name": "vm", "resource_pool_id": c["resource_pool_id"], "datastore_id": "datastore-999"},
			wantErr: "datastore datastore-999 does not exist"},
		{name: "NAS datastore on no host", typ: "vsphere_nas_datastore",
			planned: providers.Object{"name": "n", "host_ids": []any{}, "remote_hosts": []any{"f"}, "remote_path": "/v"},
			wantErr: "host_ids is empty"},
		{name: "NFS mount refused by the host", typ: "vsphere_nas_datastore",
			planned: providers.Object{"name": "n", "host_ids": []any{hosts[0]["id"]}, "remote_hosts": []any{""}, "remote_path": "/v"},
			wantErr: "CreateNasDatastore: vsphere_nas_datastore.bad: host " + providers.String(hosts[0], "id")},
		{name: "unknown switch", typ: "vsphere_distributed_port_group",
			planned: providers.Object{"name": "pg", "switch_id": "dvs-999"},
			wantErr: "switch_id: no distributed switch dvs-999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.typ + ".bad"
			res := l.p.Apply(context.Background(), []providers.Change{{Addr: addr, Type: tc.typ, Action: providers.Create, Planned: planned(tc.typ, tc.planned)}}, nil)
			require.Error(t, res[0].Err)
			require.ErrorContains(t, res[0].Err, tc.wantErr)
			require.ErrorContains(t, res[0].Err, addr)
			require.ErrorContains(t, res[0].Err, "vcenter "+l.sim.URL.String())
			require.Nil(t, res[0].New)
		})
	}
}
