package vsphere

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

// vmWorld is what a VM needs: a cluster's pool, a NAS datastore, a port group, a folder.
type vmWorld struct {
	pool, cluster, ds, ds2, pg, net, dc string
}

func newVMWorld(t *testing.T, l *lab) vmWorld {
	t.Helper()
	c, hosts := labCluster(t, l, "hci", 1)
	dc := l.dc0(t)
	h := hosts[0]["id"]
	nas := func(name, path string) string {
		return providers.String(l.create(t, "vsphere_nas_datastore", providers.Object{
			"name": name, "host_ids": []any{h}, "remote_hosts": []any{"filer1.lab"}, "remote_path": path,
		}), "id")
	}
	sw := l.create(t, "vsphere_distributed_switch", providers.Object{"name": "dvs", "datacenter_id": dc, "host_ids": []any{h}})
	pg := l.create(t, "vsphere_distributed_port_group", providers.Object{"name": "pg-mail", "switch_id": sw["id"], "vlan_id": int64(110)})
	l.create(t, "vsphere_folder", providers.Object{"path": "prod", "type": "vm", "datacenter_id": dc})
	res, err := l.p.ReadData(context.Background(), []providers.DataRequest{{Addr: "data.vsphere_network.vmnet", Type: "vsphere_network", Args: providers.Object{"name": "VM Network", "datacenter_id": dc}}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	return vmWorld{
		pool: providers.String(c, "resource_pool_id"), cluster: providers.String(c, "id"), ds: nas("nfs-a", "/vol/a"), ds2: nas("nfs-b", "/vol/b"),
		pg: providers.String(pg, "id"), net: providers.String(res[0].Result, "id"), dc: dc,
	}
}

func (w vmWorld) vm(name string) providers.Object {
	return providers.Object{
		"name": name, "resource_pool_id": w.pool, "datastore_id": w.ds, "folder": "prod",
		"num_cpus": int64(2), "memory_mb": int64(2048), "guest_id": "otherGuest64", "annotation": "mail relay",
		"disk":              []any{map[string]any{"label": "root", "size_gb": int64(20)}},
		"network_interface": []any{map[string]any{"network_id": w.pg}},
	}
}

func TestVirtualMachineLifecycle(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	w := newVMWorld(t, l)
	ctx := context.Background()

	want := w.vm("mx1")
	vm := l.create(t, "vsphere_virtual_machine", want)
	subset(t, planned("vsphere_virtual_machine", want), vm)
	require.Equal(t, "on", vm["power_state"])
	require.NotEmpty(t, vm["uuid"])
	require.Equal(t, vm, l.refresh(t, "vsphere_virtual_machine", vm))
	require.Contains(t, l.progress, "vsphere_virtual_machine.test: waiting for task PowerOnVM_Task 0%")
	require.Contains(t, l.progress, "vsphere_virtual_machine.test: task PowerOnVM_Task 100%")

	// CPU, memory, a grown disk, a second disk and a second NIC: all in place.
	upd := w.vm("mx1")
	upd["num_cpus"], upd["memory_mb"], upd["annotation"] = int64(4), int64(4096), "mail relay v2"
	upd["disk"] = []any{map[string]any{"label": "root", "size_gb": int64(40)}, map[string]any{"label": "spool", "size_gb": int64(10), "thin": false}}
	upd["network_interface"] = []any{map[string]any{"network_id": w.pg}, map[string]any{"network_id": w.net}}
	vm2 := l.update(t, "vsphere_virtual_machine", vm, upd)
	subset(t, planned("vsphere_virtual_machine", upd), vm2)
	require.Equal(t, vm["id"], vm2["id"])
	require.Equal(t, vm["uuid"], vm2["uuid"])

	// Disk changes vSphere cannot make in place are refused with the disk named, nothing changed.
	for _, tc := range []struct {
		disks   []any
		wantErr string
	}{
		{[]any{map[string]any{"label": "root", "size_gb": int64(30)}, map[string]any{"label": "spool", "size_gb": int64(10), "thin": false}},
			`vsphere_virtual_machine.mx1: disk "root": shrinking from 40 GiB to 30 GiB`},
		{[]any{map[string]any{"label": "root", "size_gb": int64(40)}, map[string]any{"label": "spool", "size_gb": int64(10), "thin": true}},
			`vsphere_virtual_machine.mx1: disk "spool": thin provisioning cannot change in place`},
	} {
		bad := providers.Copy(upd)
		bad["disk"] = tc.disks
		res := l.p.Apply(ctx, []providers.Change{{Addr: "vsphere_virtual_machine.mx1", Type: "vsphere_virtual_machine", Action: providers.Update, Prior: vm2, Planned: planned("vsphere_virtual_machine", bad)}}, nil)
		require.ErrorContains(t, res[0].Err, tc.wantErr)
		require.Equal(t, vm2, l.refresh(t, "vsphere_virtual_machine", vm2), "nothing changed")
	}

	// Placed by cluster id: read back as written, so no change appears.
	byCluster := w.vm("mx2")
	byCluster["resource_pool_id"], byCluster["power_state"] = w.cluster, "off"
	vmc := l.create(t, "vsphere_virtual_machine", byCluster)
	require.Equal(t, w.cluster, vmc["resource_pool_id"])
	require.Equal(t, vmc, l.refresh(t, "vsphere_virtual_machine", vmc))

	// Power off, move to the root VM folder and to another pool, in place.
	rp := l.create(t, "vsphere_resource_pool", providers.Object{"name": "mail", "parent_id": w.pool})
	off := providers.Copy(upd)
	off["power_state"], off["folder"], off["resource_pool_id"] = "off", "", rp["id"]
	vm3 := l.update(t, "vsphere_virtual_machine", vm2, off)
	subset(t, planned("vsphere_virtual_machine", off), vm3)

	imported, err := l.p.Import(ctx, "vsphere_virtual_machine", "/DC0/vm/mx1")
	require.NoError(t, err)
	require.Equal(t, vm3["id"], imported["id"])
	require.Equal(t, vm3["num_cpus"], imported["num_cpus"])

	// Replace (datastore_id is ForceNew): the engine sends delete, then create.
	l.delete(t, "vsphere_virtual_machine", vm3)
	require.Nil(t, l.refresh(t, "vsphere_virtual_machine", vm3))
	moved := providers.Copy(off)
	moved["datastore_id"] = w.ds2
	vm4 := l.create(t, "vsphere_virtual_machine", moved)
	require.Equal(t, w.ds2, vm4["datastore_id"])
	require.NotEqual(t, vm3["id"], vm4["id"])
}

func TestVirtualMachineDriftSeen(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	w := newVMWorld(t, l)
	ctx := context.Background()
	vm := l.create(t, "vsphere_virtual_machine", w.vm("mx1"))

	// Someone changes the VM behind enclave's back.
	obj := object.NewVirtualMachine(l.sim.Client, types.ManagedObjectReference{Type: "VirtualMachine", Value: providers.String(vm, "id")})
	task, err := obj.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: 8, Annotation: "changed by hand"})
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx))

	// ... and adds a disk on another datastore.
	devices, err := obj.Device(ctx)
	require.NoError(t, err)
	scsi, err := devices.FindSCSIController("")
	require.NoError(t, err)
	disk := devices.CreateDisk(scsi, types.ManagedObjectReference{Type: "Datastore", Value: w.ds2}, "[nfs-b]")
	disk.CapacityInKB = 5 << 20
	task, err = obj.Reconfigure(ctx, types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
		&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, FileOperation: types.VirtualDeviceConfigSpecFileOperationCreate, Device: disk},
	}})
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx))

	// vCenter lists a VM's datastores in no particular order: put the other one first.
	simVM := l.sim.Map().Get(obj.Reference()).(*simulator.VirtualMachine)
	require.Len(t, simVM.Datastore, 2)
	simVM.Datastore[0], simVM.Datastore[1] = simVM.Datastore[1], simVM.Datastore[0]
	require.Equal(t, w.ds2, simVM.Datastore[0].Value)

	cur := l.refresh(t, "vsphere_virtual_machine", vm)
	require.Equal(t, int64(8), cur["num_cpus"])
	require.Equal(t, "changed by hand", cur["annotation"])
	require.Equal(t, vm["memory_mb"], cur["memory_mb"])
	require.Len(t, cur["disk"], 2)
	require.Equal(t, w.ds, cur["datastore_id"], "the VM's home datastore, not whichever is listed first")

	// Deleted behind enclave's back: refresh reports it gone.
	task, err = obj.PowerOff(ctx)
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx))
	task, err = obj.Destroy(ctx)
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx))
	require.Nil(t, l.refresh(t, "vsphere_virtual_machine", vm))
}

func TestVirtualMachinePowerOnFaultNamesAddressAndMethod(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	w := newVMWorld(t, l)
	l.sim.Service().AddFaultRule(&simulator.FaultInjectionRule{
		MethodName: "PowerOnVM_Task", ObjectType: "VirtualMachine", ObjectName: "*",
		Probability: 1, FaultType: simulator.FaultTypeInsufficientResourcesFault,
		Message: "not enough CPU in the cluster", Enabled: true,
	})

	res := l.p.Apply(context.Background(), []providers.Change{{
		Addr: "vsphere_virtual_machine.mx[0]", Type: "vsphere_virtual_machine", Action: providers.Create,
		Planned: planned("vsphere_virtual_machine", w.vm("mx1")),
	}}, nil)
	require.Len(t, res, 1)
	err := res[0].Err
	require.Error(t, err)
	var perr *providers.Error
	require.ErrorAs(t, err, &perr)
	require.Equal(t, "vsphere_virtual_machine.mx[0]", perr.Addr)
	require.Equal(t, "PowerOnVM_Task", perr.Call)
	require.ErrorContains(t, err, "vsphere_virtual_machine.mx[0]")
	require.ErrorContains(t, err, "PowerOnVM_Task")
	require.ErrorContains(t, err, "not enough CPU in the cluster")
	// The VM was created before power-on failed: the result says so, powered off.
	require.NotNil(t, res[0].New)
	require.Equal(t, "off", res[0].New["power_state"])
}
