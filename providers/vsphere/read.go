package vsphere

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/providers"
)

// readKinds are the kinds a resource type's reader looks at besides its own, preloaded by a
// batch read so that walking parents costs no extra round trip per resource.
var readKinds = map[string][]string{
	"vsphere_compute_cluster":    {"Folder", "Datacenter"},
	"vsphere_distributed_switch": {"Folder", "Datacenter"},
	"vsphere_folder":             {"Folder", "Datacenter"},
	"vsphere_resource_pool":      {"ClusterComputeResource"},
	"vsphere_virtual_machine":    {"Folder", "Datacenter", "Datastore", "ClusterComputeResource"},
}

// read returns the current object of a resource type, nil when it no longer exists. Prior
// supplies what vSphere never reports back (host credentials, disk labels).
func (p *Provider) read(ctx context.Context, inv *inventory, typ, id string, prior providers.Object) (providers.Object, error) {
	kind, ok := kindFor[typ]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %s", typ)
	}
	r := types.ManagedObjectReference{Type: kind, Value: id}
	if kind == "DistributedVirtualSwitch" {
		dvs, err := p.switchRef(ctx, inv, id)
		if err != nil || dvs == nil {
			return nil, err
		}
		r = *dvs
	}
	o, err := inv.get(ctx, r)
	if err != nil || o == nil {
		return nil, err
	}
	switch v := o.(type) {
	case *mo.Datacenter:
		return providers.Object{"id": id, "name": v.Name}, nil
	case *mo.ClusterComputeResource:
		return readCluster(ctx, inv, v)
	case *mo.HostSystem:
		return readHost(v, prior), nil
	case *mo.DistributedVirtualSwitch:
		return readSwitch(ctx, inv, v)
	case *mo.VmwareDistributedVirtualSwitch:
		return readSwitch(ctx, inv, &v.DistributedVirtualSwitch)
	case *mo.DistributedVirtualPortgroup:
		return readPortGroup(v), nil
	case *mo.Datastore:
		return readDatastore(v), nil
	case *mo.ResourcePool:
		return readResourcePool(ctx, inv, v, prior)
	case *mo.Folder:
		return readFolder(ctx, inv, v)
	case *mo.VirtualMachine:
		return readVM(ctx, inv, v, prior)
	}
	return nil, fmt.Errorf("%s: unexpected object %T", id, o)
}

// switchRef finds a distributed switch's typed reference by id (vCenter types them
// VmwareDistributedVirtualSwitch, the simulator DistributedVirtualSwitch).
func (p *Provider) switchRef(ctx context.Context, inv *inventory, id string) (*types.ManagedObjectReference, error) {
	all, err := inv.all(ctx, "DistributedVirtualSwitch")
	if err != nil {
		return nil, err
	}
	for _, o := range all {
		if r := o.(mo.Reference).Reference(); r.Value == id {
			return &r, nil
		}
	}
	return nil, nil
}

func readCluster(ctx context.Context, inv *inventory, c *mo.ClusterComputeResource) (providers.Object, error) {
	dc, err := inv.datacenterOf(ctx, c.Self)
	if err != nil {
		return nil, err
	}
	o := providers.Object{
		"id": c.Self.Value, "name": c.Name, "datacenter_id": dc.Value,
		"ha_enabled": false, "ha_admission_control": false, "ha_host_failures_tolerated": int64(1),
		"drs_enabled": false, "drs_automation_level": "manual",
	}
	if c.ResourcePool != nil {
		o["resource_pool_id"] = c.ResourcePool.Value
	}
	if cfg, ok := c.ConfigurationEx.(*types.ClusterConfigInfoEx); ok {
		o["ha_enabled"] = isTrue(cfg.DasConfig.Enabled)
		o["ha_admission_control"] = isTrue(cfg.DasConfig.AdmissionControlEnabled)
		if pol, ok := cfg.DasConfig.AdmissionControlPolicy.(*types.ClusterFailoverLevelAdmissionControlPolicy); ok {
			o["ha_host_failures_tolerated"] = int64(pol.FailoverLevel)
		}
		o["drs_enabled"] = isTrue(cfg.DrsConfig.Enabled)
		if cfg.DrsConfig.DefaultVmBehavior != "" {
			o["drs_automation_level"] = string(cfg.DrsConfig.DefaultVmBehavior)
		}
	}
	return o, nil
}

func isTrue(b *bool) bool { return b != nil && *b }

func readHost(h *mo.HostSystem, prior providers.Object) providers.Object {
	o := providers.Object{"id": h.Self.Value, "hostname": h.Name, "maintenance_mode": h.Runtime.InMaintenanceMode}
	if h.Parent != nil && h.Parent.Type == "ClusterComputeResource" {
		o["cluster_id"] = h.Parent.Value
	} else {
		o["cluster_id"] = ""
	}
	if hw := h.Summary.Hardware; hw != nil {
		o["cpu_cores"] = int64(hw.NumCpuCores)
		o["memory_mb"] = hw.MemorySize / (1 << 20)
	}
	// vCenter never reports the credentials it connected with: keep what was applied.
	for _, k := range []string{"username", "password", "thumbprint"} {
		if providers.Has(prior, k) {
			o[k] = prior[k]
		}
	}
	return o
}

func readSwitch(ctx context.Context, inv *inventory, s *mo.DistributedVirtualSwitch) (providers.Object, error) {
	dc, err := inv.datacenterOf(ctx, s.Self)
	if err != nil {
		return nil, err
	}
	o := providers.Object{"id": s.Self.Value, "name": s.Name, "datacenter_id": dc.Value, "host_ids": []any{}, "uplinks": []any{}}
	if s.Config == nil {
		return o, nil
	}
	cfg := s.Config.GetDVSConfigInfo()
	var hosts []string
	for _, h := range s.Summary.HostMember {
		hosts = append(hosts, h.Value)
	}
	o["host_ids"] = providers.SortedStringList(hosts)
	if up, ok := cfg.UplinkPortPolicy.(*types.DVSNameArrayUplinkPortPolicy); ok {
		o["uplinks"] = providers.StringList(up.UplinkPortName)
	}
	if v, ok := s.Config.(*types.VMwareDVSConfigInfo); ok {
		o["mtu"] = int64(v.MaxMtu)
	}
	if m, _ := providers.AsInt(o["mtu"]); m == 0 {
		o["mtu"] = int64(1500) // vCenter's default when none was set
	}
	return o, nil
}

func readPortGroup(pg *mo.DistributedVirtualPortgroup) providers.Object {
	o := providers.Object{"id": pg.Self.Value, "name": pg.Name, "key": pg.Key, "vlan_id": int64(0)}
	if pg.Config.DistributedVirtualSwitch != nil {
		o["switch_id"] = pg.Config.DistributedVirtualSwitch.Value
	}
	if s, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
		if v, ok := s.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok {
			o["vlan_id"] = int64(v.VlanId)
		}
	}
	return o
}

func readDatastore(ds *mo.Datastore) providers.Object {
	o := providers.Object{"id": ds.Self.Value, "name": ds.Name, "type": ds.Summary.Type}
	var hosts []string
	mode := ""
	for _, m := range ds.Host {
		hosts = append(hosts, m.Key.Value)
		if mode == "" {
			mode = m.MountInfo.AccessMode
		}
	}
	o["host_ids"] = providers.SortedStringList(hosts)
	if mode != "" {
		o["access_mode"] = mode
	}
	if nas, ok := ds.Info.(*types.NasDatastoreInfo); ok && nas.Nas != nil {
		remotes := nas.Nas.RemoteHostNames
		if len(remotes) == 0 && nas.Nas.RemoteHost != "" {
			remotes = []string{nas.Nas.RemoteHost}
		}
		o["remote_hosts"] = providers.StringList(remotes)
		o["remote_path"] = nas.Nas.RemotePath
		if nas.Nas.Type != "" {
			o["type"] = nas.Nas.Type
		}
	}
	return o
}

func readResourcePool(ctx context.Context, inv *inventory, rp *mo.ResourcePool, prior providers.Object) (providers.Object, error) {
	o := providers.Object{"id": rp.Self.Value, "name": rp.Name}
	if rp.Parent != nil {
		o["parent_id"] = poolAsWritten(ctx, inv, providers.String(prior, "parent_id"), *rp.Parent)
	}
	alloc := func(prefix, unit string, a *types.ResourceAllocationInfo) {
		o[prefix+"_shares"] = "normal"
		if a.Shares != nil && a.Shares.Level != "" {
			o[prefix+"_shares"] = string(a.Shares.Level)
		}
		o[prefix+"_reservation"+unit] = ptrInt(a.Reservation, 0)
		o[prefix+"_limit"+unit] = ptrInt(a.Limit, -1)
		o[prefix+"_expandable"] = a.ExpandableReservation == nil || *a.ExpandableReservation
	}
	if rp.Config.CpuAllocation.Shares != nil || rp.Config.CpuAllocation.Limit != nil {
		alloc("cpu", "", &rp.Config.CpuAllocation)
	}
	if rp.Config.MemoryAllocation.Shares != nil || rp.Config.MemoryAllocation.Limit != nil {
		alloc("memory", "_mb", &rp.Config.MemoryAllocation)
	}
	return o, nil
}

// poolAsWritten reports a resource pool the way the configuration names it: an object placed
// "in a cluster" sits in the cluster's root pool, and reporting the pool's id instead of the
// cluster's would show a change that is not there.
func poolAsWritten(ctx context.Context, inv *inventory, written string, pool types.ManagedObjectReference) string {
	if written == "" || written == pool.Value || typeFromID(written) != "ClusterComputeResource" {
		return pool.Value
	}
	c, err := inv.get(ctx, ref("ClusterComputeResource", written))
	if err != nil || c == nil {
		return pool.Value
	}
	if cc := c.(*mo.ClusterComputeResource); cc.ResourcePool != nil && *cc.ResourcePool == pool {
		return written
	}
	return pool.Value
}

func ptrInt(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

var folderTypes = map[string]string{
	"VirtualMachine":  "vm",
	"ComputeResource": "host",
	"Datastore":       "datastore",
	"Network":         "network",
}

func folderType(f *mo.Folder) string {
	for _, t := range f.ChildType {
		if ft, ok := folderTypes[t]; ok {
			return ft
		}
	}
	return ""
}

func readFolder(ctx context.Context, inv *inventory, f *mo.Folder) (providers.Object, error) {
	path, dc, err := inv.folderPath(ctx, f.Self)
	if err != nil {
		return nil, err
	}
	return providers.Object{"id": f.Self.Value, "path": path, "type": folderType(f), "datacenter_id": dc.Value}, nil
}

func readVM(ctx context.Context, inv *inventory, vm *mo.VirtualMachine, prior providers.Object) (providers.Object, error) {
	o := providers.Object{"id": vm.Self.Value, "name": vm.Name, "folder": ""}
	if vm.Parent != nil {
		path, _, err := inv.folderPath(ctx, *vm.Parent)
		if err != nil {
			return nil, err
		}
		o["folder"] = path
	}
	if vm.ResourcePool != nil {
		o["resource_pool_id"] = poolAsWritten(ctx, inv, providers.String(prior, "resource_pool_id"), *vm.ResourcePool)
	}
	if ds, err := vmDatastore(ctx, inv, vm); err != nil {
		return nil, err
	} else if ds != "" {
		o["datastore_id"] = ds
	}
	switch vm.Runtime.PowerState {
	case types.VirtualMachinePowerStatePoweredOn:
		o["power_state"] = "on"
	case types.VirtualMachinePowerStatePoweredOff:
		o["power_state"] = "off"
	default:
		o["power_state"] = string(vm.Runtime.PowerState)
	}
	if vm.Config == nil {
		return o, nil
	}
	o["num_cpus"] = int64(vm.Config.Hardware.NumCPU)
	o["memory_mb"] = int64(vm.Config.Hardware.MemoryMB)
	o["guest_id"] = vm.Config.GuestId
	o["annotation"] = vm.Config.Annotation
	o["uuid"] = vm.Config.Uuid

	priorDisks := providers.Blocks(prior, "disk")
	var disks, nics []any
	for _, d := range vmDisks(vm.Config.Hardware.Device) {
		disk := providers.Object{
			"label":   d.DeviceInfo.GetDescription().Label,
			"size_gb": diskGB(d),
			"thin":    false,
		}
		if i := len(disks); i < len(priorDisks) && providers.String(priorDisks[i], "label") != "" {
			disk["label"] = providers.String(priorDisks[i], "label")
		}
		if b, ok := d.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
			disk["thin"] = isTrue(b.ThinProvisioned)
		}
		disks = append(disks, disk)
	}
	for _, dev := range vm.Config.Hardware.Device {
		card, ok := dev.(types.BaseVirtualEthernetCard)
		if !ok {
			continue
		}
		nics = append(nics, providers.Object{"network_id": nicNetwork(card.GetVirtualEthernetCard())})
	}
	if disks == nil {
		disks = []any{}
	}
	if nics == nil {
		nics = []any{}
	}
	o["disk"], o["network_interface"] = disks, nics
	return o, nil
}

// vmDatastore is the datastore holding the VM's configuration file: the one datastore_id
// names, even when disks were added on others (the datastore list has no order).
func vmDatastore(ctx context.Context, inv *inventory, vm *mo.VirtualMachine) (string, error) {
	if vm.Config != nil && len(vm.Datastore) > 1 {
		var p object.DatastorePath
		if p.FromString(vm.Config.Files.VmPathName) {
			for _, r := range vm.Datastore {
				o, err := inv.get(ctx, r)
				if err != nil {
					return "", err
				}
				if ds, ok := o.(*mo.Datastore); ok && ds.Name == p.Datastore {
					return r.Value, nil
				}
			}
		}
	}
	if len(vm.Datastore) > 0 {
		return vm.Datastore[0].Value, nil
	}
	return "", nil
}

// vmDisks are the VM's disks in controller and unit order, the order disk blocks are in.
func vmDisks(devs []types.BaseVirtualDevice) []*types.VirtualDisk {
	var out []*types.VirtualDisk
	for _, d := range devs {
		if disk, ok := d.(*types.VirtualDisk); ok {
			out = append(out, disk)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ControllerKey != out[j].ControllerKey {
			return out[i].ControllerKey < out[j].ControllerKey
		}
		return unit(out[i].UnitNumber) < unit(out[j].UnitNumber)
	})
	return out
}

func unit(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

func diskGB(d *types.VirtualDisk) int64 {
	if d.CapacityInBytes > 0 {
		return d.CapacityInBytes / (1 << 30)
	}
	return d.CapacityInKB / (1 << 20)
}

func nicNetwork(card *types.VirtualEthernetCard) string {
	switch b := card.Backing.(type) {
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		// vCenter keys port groups by their managed object id.
		return b.Port.PortgroupKey
	case *types.VirtualEthernetCardNetworkBackingInfo:
		if b.Network != nil {
			return b.Network.Value
		}
		return b.DeviceName
	case *types.VirtualEthernetCardOpaqueNetworkBackingInfo:
		return b.OpaqueNetworkId
	}
	return ""
}

func trimSlashes(s string) string { return strings.Trim(s, "/") }
