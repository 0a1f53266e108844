package vsphere

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/providers"
)

type vmApplier struct{}

const gib = int64(1) << 30

func (c *change) datastoreName(ctx context.Context, id string) (string, error) {
	r, err := c.moRef(ctx, "datastore_id", id, "Datastore")
	if err != nil {
		return "", err
	}
	o, err := c.inv.get(ctx, r)
	if err != nil {
		return "", c.fail("RetrievePropertiesEx", err)
	}
	if o == nil {
		return "", fmt.Errorf("%s: datastore %s does not exist", c.Addr, id)
	}
	return o.(*mo.Datastore).Name, nil
}

func (c *change) nicBacking(ctx context.Context, networkID string) (types.BaseVirtualDeviceBackingInfo, error) {
	r, err := c.moRef(ctx, "network_interface.network_id", networkID, "Network", "DistributedVirtualPortgroup", "OpaqueNetwork")
	if err != nil {
		return nil, err
	}
	nr, ok := object.NewReference(c.p.client, r).(object.NetworkReference)
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a network", c.Addr, networkID)
	}
	b, err := nr.EthernetCardBackingInfo(ctx)
	if err != nil {
		return nil, c.fail("RetrievePropertiesEx", fmt.Errorf("network %s: %w", networkID, faultError(err)))
	}
	return b, nil
}

func newDisk(d providers.Object, ctrl types.BaseVirtualController, unitNo int32, dsName string) *types.VirtualDisk {
	thin := true
	if providers.Has(d, "thin") {
		thin = providers.Bool(d, "thin")
	}
	size := providers.Int(d, "size_gb") * gib
	disk := &types.VirtualDisk{
		VirtualDevice: types.VirtualDevice{
			Key:           -1000 - unitNo,
			ControllerKey: ctrl.GetVirtualController().Key,
			UnitNumber:    &unitNo,
			Backing: &types.VirtualDiskFlatVer2BackingInfo{
				DiskMode:        string(types.VirtualDiskModePersistent),
				ThinProvisioned: &thin,
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{
					FileName: "[" + dsName + "]",
				},
			},
		},
		CapacityInBytes: size,
		CapacityInKB:    size / 1024,
	}
	return disk
}

// nextUnit skips the SCSI controller's own unit 7.
func nextUnit(u int32) int32 {
	u++
	if u == 7 {
		u++
	}
	return u
}

func (vmApplier) create(ctx context.Context, c *change) (string, error) {
	pool, err := c.poolRef(ctx, "resource_pool_id", c.planned("resource_pool_id"))
	if err != nil {
		return "", err
	}
	dc, err := c.inv.datacenterOf(ctx, pool)
	if err != nil {
		return "", c.fail("RetrievePropertiesEx", err)
	}
	folder, err := c.folderIn(ctx, dc.Value, "vm", c.planned("folder"))
	if err != nil {
		return "", err
	}
	dsName, err := c.datastoreName(ctx, c.planned("datastore_id"))
	if err != nil {
		return "", err
	}

	spec := types.VirtualMachineConfigSpec{
		Name:       c.planned("name"),
		NumCPUs:    int32(providers.Int(c.Planned, "num_cpus")),
		MemoryMB:   providers.Int(c.Planned, "memory_mb"),
		GuestId:    c.planned("guest_id"),
		Annotation: c.planned("annotation"),
		Files:      &types.VirtualMachineFileInfo{VmPathName: "[" + dsName + "]"},
	}
	var devices object.VirtualDeviceList
	disks := providers.Blocks(c.Planned, "disk")
	if len(disks) > 0 {
		scsi, err := devices.CreateSCSIController("pvscsi")
		if err != nil {
			return "", fmt.Errorf("%s: %w", c.Addr, err)
		}
		scsi.GetVirtualDevice().Key = -100
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: scsi})
		u := int32(-1)
		for _, d := range disks {
			u = nextUnit(u)
			spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation:     types.VirtualDeviceConfigSpecOperationAdd,
				FileOperation: types.VirtualDeviceConfigSpecFileOperationCreate,
				Device:        newDisk(d, scsi.(types.BaseVirtualController), u, dsName),
			})
		}
	}
	for i, n := range providers.Blocks(c.Planned, "network_interface") {
		b, err := c.nicBacking(ctx, providers.String(n, "network_id"))
		if err != nil {
			return "", err
		}
		nic, err := devices.CreateEthernetCard("vmxnet3", b)
		if err != nil {
			return "", fmt.Errorf("%s: %w", c.Addr, err)
		}
		nic.GetVirtualDevice().Key = int32(-200 - i)
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: nic})
	}

	res, err := c.run(ctx, "CreateVM_Task", func() (*object.Task, error) {
		return object.NewFolder(c.p.client, folder).CreateVM(ctx, spec, object.NewResourcePool(c.p.client, pool), nil)
	})
	if err != nil {
		return "", err
	}
	vm, ok := res.(types.ManagedObjectReference)
	if !ok {
		return "", c.fail("CreateVM_Task", fmt.Errorf("task returned %T, not a VM", res))
	}
	if c.planned("power_state") != "off" {
		if err := c.power(ctx, vm, true); err != nil {
			return vm.Value, err
		}
	}
	return vm.Value, nil
}

func (c *change) power(ctx context.Context, vm types.ManagedObjectReference, on bool) error {
	v := object.NewVirtualMachine(c.p.client, vm)
	if on {
		_, err := c.run(ctx, "PowerOnVM_Task", func() (*object.Task, error) { return v.PowerOn(ctx) })
		return err
	}
	_, err := c.run(ctx, "PowerOffVM_Task", func() (*object.Task, error) { return v.PowerOff(ctx) })
	return err
}

func (vmApplier) update(ctx context.Context, c *change) error {
	vm := ref("VirtualMachine", c.prior("id"))
	o, err := c.inv.get(ctx, vm)
	if err != nil {
		return c.fail("RetrievePropertiesEx", err)
	}
	if o == nil {
		return fmt.Errorf("%s: virtual machine %s no longer exists", c.Addr, vm.Value)
	}
	cur := o.(*mo.VirtualMachine)
	spec, err := c.reconfigSpec(ctx, cur)
	if err != nil {
		return err
	}
	if spec != nil {
		if err := c.reconfigure(ctx, cur, *spec); err != nil {
			return err
		}
	}
	if c.changed("resource_pool_id") {
		pool, err := c.poolRef(ctx, "resource_pool_id", c.planned("resource_pool_id"))
		if err != nil {
			return err
		}
		if _, err := c.run(ctx, "RelocateVM_Task", func() (*object.Task, error) {
			return object.NewVirtualMachine(c.p.client, vm).Relocate(ctx, types.VirtualMachineRelocateSpec{Pool: &pool}, types.VirtualMachineMovePriorityDefaultPriority)
		}); err != nil {
			return err
		}
	}
	if c.changed("folder") {
		dc, err := c.inv.datacenterOf(ctx, vm)
		if err != nil {
			return c.fail("RetrievePropertiesEx", err)
		}
		folder, err := c.folderIn(ctx, dc.Value, "vm", c.planned("folder"))
		if err != nil {
			return err
		}
		if _, err := c.run(ctx, "MoveIntoFolder_Task", func() (*object.Task, error) {
			return object.NewFolder(c.p.client, folder).MoveInto(ctx, []types.ManagedObjectReference{vm})
		}); err != nil {
			return err
		}
	}
	wantOn := c.planned("power_state") != "off"
	if isOn := cur.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn; wantOn != isOn {
		return c.power(ctx, vm, wantOn)
	}
	return nil
}

// reconfigSpec builds the ReconfigVM_Task spec for what changed in place; nil if nothing.
func (c *change) reconfigSpec(ctx context.Context, cur *mo.VirtualMachine) (*types.VirtualMachineConfigSpec, error) {
	spec := types.VirtualMachineConfigSpec{}
	dirty := false
	if c.changed("name") {
		spec.Name, dirty = c.planned("name"), true
	}
	if c.changed("num_cpus") {
		spec.NumCPUs, dirty = int32(providers.Int(c.Planned, "num_cpus")), true
	}
	if c.changed("memory_mb") {
		spec.MemoryMB, dirty = providers.Int(c.Planned, "memory_mb"), true
	}
	if c.changed("guest_id") {
		spec.GuestId, dirty = c.planned("guest_id"), true
	}
	if c.changed("annotation") {
		// govmomi omits an empty annotation from the spec, so notes cannot be cleared this
		// way; the next refresh shows them still there rather than pretending.
		spec.Annotation, dirty = c.planned("annotation"), true
	}
	if cur.Config == nil {
		if !dirty {
			return nil, nil
		}
		return &spec, nil
	}
	devices := object.VirtualDeviceList(cur.Config.Hardware.Device)

	// Disks: grow in place, add new ones, remove dropped ones; never shrink.
	have := vmDisks(cur.Config.Hardware.Device)
	want := providers.Blocks(c.Planned, "disk")
	for i, d := range want {
		size := providers.Int(d, "size_gb") * gib
		if i < len(have) {
			cap := have[i].CapacityInBytes
			if cap == 0 {
				cap = have[i].CapacityInKB * 1024
			}
			if b, ok := have[i].Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok && providers.Has(d, "thin") && isTrue(b.ThinProvisioned) != providers.Bool(d, "thin") {
				return nil, fmt.Errorf("%s: disk %q: thin provisioning cannot change in place; replace the VM or keep thin = %t", c.Addr, providers.String(d, "label"), isTrue(b.ThinProvisioned))
			}
			switch {
			case size > cap:
				grown := *have[i]
				grown.CapacityInBytes, grown.CapacityInKB = size, size/1024
				spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: &grown})
				dirty = true
			case size < cap:
				return nil, fmt.Errorf("%s: disk %q: shrinking from %d GiB to %d GiB is not possible in vSphere; replace the VM or grow instead", c.Addr, providers.String(d, "label"), cap/gib, size/gib)
			}
			continue
		}
		var ctrl types.BaseVirtualController
		if len(have) > 0 {
			if cc, ok := devices.FindByKey(have[0].ControllerKey).(types.BaseVirtualController); ok {
				ctrl = cc
			}
		}
		if ctrl == nil {
			scsi, err := devices.FindSCSIController("")
			if err != nil {
				return nil, fmt.Errorf("%s: disk %q: %w", c.Addr, providers.String(d, "label"), err)
			}
			ctrl = scsi
		}
		dsName, err := c.datastoreName(ctx, c.planned("datastore_id"))
		if err != nil {
			return nil, err
		}
		u := freeUnit(devices, ctrl.GetVirtualController().Key, spec.DeviceChange)
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation:     types.VirtualDeviceConfigSpecOperationAdd,
			FileOperation: types.VirtualDeviceConfigSpecFileOperationCreate,
			Device:        newDisk(d, ctrl, u, dsName),
		})
		dirty = true
	}
	for i := len(want); i < len(have); i++ {
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{
			Operation:     types.VirtualDeviceConfigSpecOperationRemove,
			FileOperation: types.VirtualDeviceConfigSpecFileOperationDestroy,
			Device:        have[i],
		})
		dirty = true
	}

	// NICs: rebind changed backings, add and remove at the end.
	var nics []types.BaseVirtualDevice
	for _, d := range cur.Config.Hardware.Device {
		if _, ok := d.(types.BaseVirtualEthernetCard); ok {
			nics = append(nics, d)
		}
	}
	wantNICs := providers.Blocks(c.Planned, "network_interface")
	for i, n := range wantNICs {
		id := providers.String(n, "network_id")
		if i < len(nics) {
			if nicNetwork(nics[i].(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()) == id {
				continue
			}
			b, err := c.nicBacking(ctx, id)
			if err != nil {
				return nil, err
			}
			nics[i].GetVirtualDevice().Backing = b
			spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: nics[i]})
			dirty = true
			continue
		}
		b, err := c.nicBacking(ctx, id)
		if err != nil {
			return nil, err
		}
		nic, err := devices.CreateEthernetCard("vmxnet3", b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Addr, err)
		}
		nic.GetVirtualDevice().Key = int32(-200 - i)
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: nic})
		dirty = true
	}
	for i := len(wantNICs); i < len(nics); i++ {
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: nics[i]})
		dirty = true
	}
	if !dirty {
		return nil, nil
	}
	return &spec, nil
}

func freeUnit(devices object.VirtualDeviceList, ctrlKey int32, pending []types.BaseVirtualDeviceConfigSpec) int32 {
	used := map[int32]bool{7: true}
	for _, d := range devices {
		v := d.GetVirtualDevice()
		if v.ControllerKey == ctrlKey && v.UnitNumber != nil {
			used[*v.UnitNumber] = true
		}
	}
	for _, s := range pending {
		v := s.GetVirtualDeviceConfigSpec().Device.GetVirtualDevice()
		if v.ControllerKey == ctrlKey && v.UnitNumber != nil {
			used[*v.UnitNumber] = true
		}
	}
	u := int32(0)
	for used[u] {
		u++
	}
	return u
}

// reconfigure applies spec; when vCenter refuses because the VM is powered on (no hot-add),
// it powers the VM off, reconfigures and powers it back on.
func (c *change) reconfigure(ctx context.Context, cur *mo.VirtualMachine, spec types.VirtualMachineConfigSpec) error {
	v := object.NewVirtualMachine(c.p.client, cur.Self)
	_, err := c.run(ctx, "ReconfigVM_Task", func() (*object.Task, error) { return v.Reconfigure(ctx, spec) })
	if err == nil || cur.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || !needsPowerOff(err) {
		return err
	}
	if c.pr != nil {
		c.pr(c.Addr, "powered on and not hot-pluggable: powering off to reconfigure")
	}
	if err := c.power(ctx, cur.Self, false); err != nil {
		return err
	}
	if _, err := c.run(ctx, "ReconfigVM_Task", func() (*object.Task, error) { return v.Reconfigure(ctx, spec) }); err != nil {
		return err
	}
	return c.power(ctx, cur.Self, true)
}

func needsPowerOff(err error) bool {
	if _, ok := asFault[*types.InvalidPowerState](err); ok {
		return true
	}
	if _, ok := asFault[*types.InvalidState](err); ok {
		return true
	}
	return false
}

func (vmApplier) delete(ctx context.Context, c *change) error {
	vm := ref("VirtualMachine", c.prior("id"))
	o, err := c.inv.get(ctx, vm)
	if err != nil {
		return c.fail("RetrievePropertiesEx", err)
	}
	if o == nil {
		return nil
	}
	if o.(*mo.VirtualMachine).Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
		if err := c.power(ctx, vm, false); err != nil {
			return err
		}
	}
	return destroy(ctx, c, vm)
}
