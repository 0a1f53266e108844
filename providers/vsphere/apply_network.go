package vsphere

import (
	"context"
	"fmt"
	"slices"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/providers"
)

type switchApplier struct{}

func hostMembers(ids []string, op types.ConfigSpecOperation) []types.DistributedVirtualSwitchHostMemberConfigSpec {
	var out []types.DistributedVirtualSwitchHostMemberConfigSpec
	for _, id := range ids {
		out = append(out, types.DistributedVirtualSwitchHostMemberConfigSpec{
			Operation: string(op),
			Host:      ref("HostSystem", id),
			Backing:   &types.DistributedVirtualSwitchHostMemberPnicBacking{},
		})
	}
	return out
}

func (switchApplier) create(ctx context.Context, c *change) (string, error) {
	dc, err := c.datacenter(ctx, c.planned("datacenter_id"))
	if err != nil {
		return "", err
	}
	spec := &types.VMwareDVSConfigSpec{
		// Hosts join in a reconfigure after creation, as govc does: vCenter accepts both, the
		// simulator only the latter.
		DVSConfigSpec: types.DVSConfigSpec{Name: c.planned("name")},
		MaxMtu:        int32(providers.Int(c.Planned, "mtu")),
	}
	if up := providers.Strings(c.Planned, "uplinks"); len(up) > 0 {
		spec.UplinkPortPolicy = &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: up}
	}
	res, err := c.run(ctx, "CreateDVS_Task", func() (*object.Task, error) {
		return object.NewFolder(c.p.client, dc.NetworkFolder).CreateDVS(ctx, types.DVSCreateSpec{ConfigSpec: spec})
	})
	if err != nil {
		return "", err
	}
	r, ok := res.(types.ManagedObjectReference)
	if !ok {
		return "", c.fail("CreateDVS_Task", fmt.Errorf("task returned %T, not a switch", res))
	}
	if hosts := providers.Strings(c.Planned, "host_ids"); len(hosts) > 0 {
		if err := c.reconfigureSwitch(ctx, r, func(spec *types.VMwareDVSConfigSpec) {
			spec.Host = hostMembers(hosts, types.ConfigSpecOperationAdd)
		}); err != nil {
			return r.Value, err
		}
	}
	return r.Value, nil
}

// reconfigureSwitch reads the switch's config version (vCenter rejects stale specs) and
// applies the spec edit makes.
func (c *change) reconfigureSwitch(ctx context.Context, r types.ManagedObjectReference, edit func(*types.VMwareDVSConfigSpec)) error {
	var cur mo.DistributedVirtualSwitch
	// "config" whole: its type is abstract, so a sub-path cannot be decoded.
	if err := object.NewCommon(c.p.client, r).Properties(ctx, r, []string{"config"}, &cur); err != nil {
		return c.fail("RetrievePropertiesEx", err)
	}
	if cur.Config == nil {
		return c.fail("RetrievePropertiesEx", fmt.Errorf("switch %s has no config", r.Value))
	}
	spec := &types.VMwareDVSConfigSpec{DVSConfigSpec: types.DVSConfigSpec{ConfigVersion: cur.Config.GetDVSConfigInfo().ConfigVersion}}
	edit(spec)
	_, err := c.run(ctx, "ReconfigureDvs_Task", func() (*object.Task, error) {
		return object.NewDistributedVirtualSwitch(c.p.client, r).Reconfigure(ctx, spec)
	})
	return err
}

func (switchApplier) update(ctx context.Context, c *change) error {
	r, err := c.moRef(ctx, "id", c.prior("id"))
	if err != nil {
		return err
	}
	return c.reconfigureSwitch(ctx, r, func(spec *types.VMwareDVSConfigSpec) {
		if c.changed("name") {
			spec.Name = c.planned("name")
		}
		if c.changed("mtu") {
			spec.MaxMtu = int32(providers.Int(c.Planned, "mtu"))
		}
		// uplinks is optional and computed: left unset, vCenter's names stay.
		if providers.Has(c.Planned, "uplinks") && c.changed("uplinks") {
			spec.UplinkPortPolicy = &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: providers.Strings(c.Planned, "uplinks")}
		}
		oldHosts, newHosts := providers.Strings(c.Prior, "host_ids"), providers.Strings(c.Planned, "host_ids")
		var add, remove []string
		for _, h := range newHosts {
			if !slices.Contains(oldHosts, h) {
				add = append(add, h)
			}
		}
		for _, h := range oldHosts {
			if !slices.Contains(newHosts, h) {
				remove = append(remove, h)
			}
		}
		spec.Host = append(hostMembers(add, types.ConfigSpecOperationAdd), hostMembers(remove, types.ConfigSpecOperationRemove)...)
	})
}

func (switchApplier) delete(ctx context.Context, c *change) error {
	r, err := c.moRef(ctx, "id", c.prior("id"))
	if err != nil {
		return err
	}
	return destroy(ctx, c, r)
}

type portGroupApplier struct{}

func vlanSetting(o providers.Object) *types.VMwareDVSPortSetting {
	return &types.VMwareDVSPortSetting{
		Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: int32(providers.Int(o, "vlan_id"))},
	}
}

func (portGroupApplier) create(ctx context.Context, c *change) (string, error) {
	sw, err := c.moRef(ctx, "switch_id", c.planned("switch_id"), "DistributedVirtualSwitch")
	if err != nil {
		return "", err
	}
	name := c.planned("name")
	if _, err := c.run(ctx, "AddDVPortgroup_Task", func() (*object.Task, error) {
		return object.NewDistributedVirtualSwitch(c.p.client, sw).AddPortgroup(ctx, []types.DVPortgroupConfigSpec{{
			Name:              name,
			Type:              string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
			NumPorts:          8,
			AutoExpand:        types.NewBool(true),
			DefaultPortConfig: vlanSetting(c.Planned),
		}})
	}); err != nil {
		return "", err
	}
	// AddDVPortgroup_Task returns nothing: find the new port group by name on the switch.
	var s mo.DistributedVirtualSwitch
	if err := object.NewCommon(c.p.client, sw).Properties(ctx, sw, []string{"portgroup"}, &s); err != nil {
		return "", c.fail("RetrievePropertiesEx", err)
	}
	var pgs []mo.DistributedVirtualPortgroup
	if len(s.Portgroup) > 0 {
		if err := c.p.collector().Retrieve(ctx, s.Portgroup, []string{"name"}, &pgs); err != nil {
			return "", c.fail("RetrievePropertiesEx", err)
		}
	}
	for _, pg := range pgs {
		if pg.Name == name {
			return pg.Self.Value, nil
		}
	}
	return "", c.fail("AddDVPortgroup_Task", fmt.Errorf("port group %q not found on %s after creation", name, sw.Value))
}

func (portGroupApplier) update(ctx context.Context, c *change) error {
	r := ref("DistributedVirtualPortgroup", c.prior("id"))
	var cur mo.DistributedVirtualPortgroup
	if err := object.NewCommon(c.p.client, r).Properties(ctx, r, []string{"config.configVersion"}, &cur); err != nil {
		return c.fail("RetrievePropertiesEx", err)
	}
	spec := types.DVPortgroupConfigSpec{ConfigVersion: cur.Config.ConfigVersion}
	if c.changed("name") {
		spec.Name = c.planned("name")
	}
	if c.changed("vlan_id") {
		spec.DefaultPortConfig = vlanSetting(c.Planned)
	}
	_, err := c.run(ctx, "ReconfigureDVPortgroup_Task", func() (*object.Task, error) {
		return object.NewDistributedVirtualPortgroup(c.p.client, r).Reconfigure(ctx, spec)
	})
	return err
}

func (portGroupApplier) delete(ctx context.Context, c *change) error {
	return destroy(ctx, c, ref("DistributedVirtualPortgroup", c.prior("id")))
}

type nasApplier struct{}

func nasSpec(o providers.Object) types.HostNasVolumeSpec {
	remotes := providers.Strings(o, "remote_hosts")
	spec := types.HostNasVolumeSpec{
		RemotePath: providers.String(o, "remote_path"),
		LocalPath:  providers.String(o, "name"),
		AccessMode: providers.String(o, "access_mode"),
		Type:       providers.String(o, "type"),
	}
	if spec.AccessMode == "" {
		spec.AccessMode = string(types.HostMountModeReadWrite)
	}
	if len(remotes) > 0 {
		spec.RemoteHost = remotes[0]
	}
	if spec.Type == string(types.HostFileSystemVolumeFileSystemTypeNFS41) {
		spec.RemoteHostNames = remotes
	}
	return spec
}

func (c *change) datastoreSystem(ctx context.Context, hostID string) (*object.HostDatastoreSystem, error) {
	h := object.NewHostSystem(c.p.client, ref("HostSystem", hostID))
	dss, err := h.ConfigManager().DatastoreSystem(ctx)
	if err != nil {
		return nil, c.fail("RetrievePropertiesEx", fmt.Errorf("host %s: %w", hostID, err))
	}
	return dss, nil
}

func (c *change) mount(ctx context.Context, hostID string, spec types.HostNasVolumeSpec) (string, error) {
	dss, err := c.datastoreSystem(ctx, hostID)
	if err != nil {
		return "", err
	}
	ds, err := dss.CreateNasDatastore(ctx, spec)
	if err != nil {
		return "", c.fail("CreateNasDatastore", fmt.Errorf("host %s: %w", hostID, faultError(err)))
	}
	return ds.Reference().Value, nil
}

func (c *change) unmount(ctx context.Context, hostID, dsID string) error {
	dss, err := c.datastoreSystem(ctx, hostID)
	if err != nil {
		return err
	}
	if err := dss.Remove(ctx, object.NewDatastore(c.p.client, ref("Datastore", dsID))); err != nil {
		return c.fail("RemoveDatastore", fmt.Errorf("host %s: %w", hostID, faultError(err)))
	}
	return nil
}

func (nasApplier) create(ctx context.Context, c *change) (string, error) {
	hosts := providers.Strings(c.Planned, "host_ids")
	if len(hosts) == 0 {
		return "", fmt.Errorf("%s: host_ids is empty: a NAS datastore is mounted on hosts", c.Addr)
	}
	spec := nasSpec(c.Planned)
	id := ""
	for _, h := range hosts {
		ds, err := c.mount(ctx, h, spec)
		if err != nil {
			return id, err // mounted on the hosts before this one: read back as it is
		}
		if id == "" {
			id = ds
		}
	}
	return id, nil
}

func (nasApplier) update(ctx context.Context, c *change) error {
	id := c.prior("id")
	if c.changed("name") {
		if _, err := methods.RenameDatastore(ctx, c.p.client, &types.RenameDatastore{This: ref("Datastore", id), NewName: c.planned("name")}); err != nil {
			return c.fail("RenameDatastore", err)
		}
	}
	oldHosts, newHosts := providers.Strings(c.Prior, "host_ids"), providers.Strings(c.Planned, "host_ids")
	spec := nasSpec(c.Planned)
	for _, h := range newHosts {
		if !slices.Contains(oldHosts, h) {
			if _, err := c.mount(ctx, h, spec); err != nil {
				return err
			}
		}
	}
	for _, h := range oldHosts {
		if !slices.Contains(newHosts, h) {
			if err := c.unmount(ctx, h, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (nasApplier) delete(ctx context.Context, c *change) error {
	id := c.prior("id")
	o, err := c.inv.get(ctx, ref("Datastore", id))
	if err != nil {
		return c.fail("RetrievePropertiesEx", err)
	}
	if o == nil {
		return nil
	}
	for _, m := range o.(*mo.Datastore).Host {
		if err := c.unmount(ctx, m.Key.Value, id); err != nil {
			return err
		}
	}
	return nil
}
