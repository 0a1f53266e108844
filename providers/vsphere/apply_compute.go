package vsphere

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/providers"
)

func rename(ctx context.Context, c *change, r types.ManagedObjectReference, name string) error {
	_, err := c.run(ctx, "Rename_Task", func() (*object.Task, error) {
		return object.NewCommon(c.p.client, r).Rename(ctx, name)
	})
	return err
}

func destroy(ctx context.Context, c *change, r types.ManagedObjectReference) error {
	_, err := c.run(ctx, "Destroy_Task", func() (*object.Task, error) {
		return object.NewCommon(c.p.client, r).Destroy(ctx)
	})
	return err
}

type datacenterApplier struct{}

func (datacenterApplier) create(ctx context.Context, c *change) (string, error) {
	dc, err := object.NewRootFolder(c.p.client).CreateDatacenter(ctx, c.planned("name"))
	if err != nil {
		return "", c.fail("CreateDatacenter", err)
	}
	return dc.Reference().Value, nil
}

func (datacenterApplier) update(ctx context.Context, c *change) error {
	if c.changed("name") {
		return rename(ctx, c, ref("Datacenter", c.prior("id")), c.planned("name"))
	}
	return nil
}

func (datacenterApplier) delete(ctx context.Context, c *change) error {
	return destroy(ctx, c, ref("Datacenter", c.prior("id")))
}

// datacenter reads a datacenter's root folders.
func (c *change) datacenter(ctx context.Context, id string) (*mo.Datacenter, error) {
	r, err := c.moRef(ctx, "datacenter_id", id, "Datacenter")
	if err != nil {
		return nil, err
	}
	o, err := c.inv.get(ctx, r)
	if err != nil {
		return nil, c.fail("RetrievePropertiesEx", err)
	}
	if o == nil {
		return nil, fmt.Errorf("%s: datacenter %s does not exist", c.Addr, id)
	}
	return o.(*mo.Datacenter), nil
}

type clusterApplier struct{}

func clusterSpec(o providers.Object) *types.ClusterConfigSpecEx {
	ha, drs := providers.Bool(o, "ha_enabled"), providers.Bool(o, "drs_enabled")
	ac := providers.Bool(o, "ha_admission_control")
	level := providers.String(o, "drs_automation_level")
	if level == "" {
		level = string(types.DrsBehaviorManual)
	}
	return &types.ClusterConfigSpecEx{
		DasConfig: &types.ClusterDasConfigInfo{
			Enabled:                 &ha,
			AdmissionControlEnabled: &ac,
			AdmissionControlPolicy: &types.ClusterFailoverLevelAdmissionControlPolicy{
				FailoverLevel: int32(providers.Int(o, "ha_host_failures_tolerated")),
			},
		},
		DrsConfig: &types.ClusterDrsConfigInfo{
			Enabled:           &drs,
			DefaultVmBehavior: types.DrsBehavior(level),
		},
	}
}

func (clusterApplier) create(ctx context.Context, c *change) (string, error) {
	dc, err := c.datacenter(ctx, c.planned("datacenter_id"))
	if err != nil {
		return "", err
	}
	cl, err := object.NewFolder(c.p.client, dc.HostFolder).CreateCluster(ctx, c.planned("name"), *clusterSpec(c.Planned))
	if err != nil {
		return "", c.fail("CreateClusterEx", err)
	}
	return cl.Reference().Value, nil
}

func (clusterApplier) update(ctx context.Context, c *change) error {
	r := ref("ClusterComputeResource", c.prior("id"))
	if c.changed("name") {
		if err := rename(ctx, c, r, c.planned("name")); err != nil {
			return err
		}
	}
	for _, k := range []string{"ha_enabled", "ha_host_failures_tolerated", "ha_admission_control", "drs_enabled", "drs_automation_level"} {
		if c.changed(k) {
			_, err := c.run(ctx, "ReconfigureComputeResource_Task", func() (*object.Task, error) {
				return object.NewClusterComputeResource(c.p.client, r).Reconfigure(ctx, clusterSpec(c.Planned), true)
			})
			return err
		}
	}
	return nil
}

func (clusterApplier) delete(ctx context.Context, c *change) error {
	return destroy(ctx, c, ref("ClusterComputeResource", c.prior("id")))
}

type hostApplier struct{}

func hostConnectSpec(o providers.Object) *types.HostConnectSpec {
	return &types.HostConnectSpec{
		HostName:      providers.String(o, "hostname"),
		UserName:      providers.String(o, "username"),
		Password:      providers.String(o, "password"),
		SslThumbprint: providers.String(o, "thumbprint"),
		Force:         true,
	}
}

func (hostApplier) create(ctx context.Context, c *change) (string, error) {
	cl, err := c.moRef(ctx, "cluster_id", c.planned("cluster_id"), "ClusterComputeResource")
	if err != nil {
		return "", err
	}
	res, err := c.run(ctx, "AddHost_Task", func() (*object.Task, error) {
		return object.NewClusterComputeResource(c.p.client, cl).AddHost(ctx, *hostConnectSpec(c.Planned), true, nil, nil)
	})
	if err != nil {
		return "", err
	}
	h, ok := res.(types.ManagedObjectReference)
	if !ok {
		return "", c.fail("AddHost_Task", fmt.Errorf("task returned %T, not a host", res))
	}
	if providers.Bool(c.Planned, "maintenance_mode") {
		return h.Value, setMaintenance(ctx, c, h, true)
	}
	return h.Value, nil
}

func setMaintenance(ctx context.Context, c *change, h types.ManagedObjectReference, on bool) error {
	host := object.NewHostSystem(c.p.client, h)
	if on {
		_, err := c.run(ctx, "EnterMaintenanceMode_Task", func() (*object.Task, error) {
			return host.EnterMaintenanceMode(ctx, 0, false, nil)
		})
		return err
	}
	_, err := c.run(ctx, "ExitMaintenanceMode_Task", func() (*object.Task, error) {
		return host.ExitMaintenanceMode(ctx, 0)
	})
	return err
}

func (hostApplier) update(ctx context.Context, c *change) error {
	h := ref("HostSystem", c.prior("id"))
	inMaintenance := providers.Bool(c.Prior, "maintenance_mode")
	if c.changed("cluster_id") {
		// vCenter moves only hosts in maintenance mode between clusters.
		if !inMaintenance {
			if err := setMaintenance(ctx, c, h, true); err != nil {
				return err
			}
			inMaintenance = true
		}
		cl, err := c.moRef(ctx, "cluster_id", c.planned("cluster_id"), "ClusterComputeResource")
		if err != nil {
			return err
		}
		if _, err := c.run(ctx, "MoveInto_Task", func() (*object.Task, error) {
			return object.NewClusterComputeResource(c.p.client, cl).MoveInto(ctx, object.NewHostSystem(c.p.client, h))
		}); err != nil {
			return err
		}
	}
	if c.changed("username") || c.changed("password") || c.changed("thumbprint") {
		if _, err := c.run(ctx, "ReconnectHost_Task", func() (*object.Task, error) {
			return object.NewHostSystem(c.p.client, h).Reconnect(ctx, hostConnectSpec(c.Planned), nil)
		}); err != nil {
			return err
		}
	}
	if want := providers.Bool(c.Planned, "maintenance_mode"); want != inMaintenance {
		return setMaintenance(ctx, c, h, want)
	}
	return nil
}

func (hostApplier) delete(ctx context.Context, c *change) error {
	h := ref("HostSystem", c.prior("id"))
	// vCenter removes only hosts in maintenance mode.
	o, err := c.inv.get(ctx, h)
	if err != nil {
		return c.fail("RetrievePropertiesEx", err)
	}
	if o == nil {
		return nil
	}
	if !o.(*mo.HostSystem).Runtime.InMaintenanceMode {
		if err := setMaintenance(ctx, c, h, true); err != nil {
			return err
		}
	}
	return destroy(ctx, c, h)
}

type poolApplier struct{}

func allocation(o providers.Object, prefix, unit string) *types.ResourceAllocationInfo {
	level := providers.String(o, prefix+"_shares")
	if level == "" {
		level = "normal"
	}
	res, limit := providers.Int(o, prefix+"_reservation"+unit), int64(-1)
	if providers.Has(o, prefix+"_limit"+unit) {
		limit = providers.Int(o, prefix+"_limit"+unit)
	}
	exp := true
	if providers.Has(o, prefix+"_expandable") {
		exp = providers.Bool(o, prefix+"_expandable")
	}
	return &types.ResourceAllocationInfo{
		Reservation:           &res,
		ExpandableReservation: &exp,
		Limit:                 &limit,
		Shares:                &types.SharesInfo{Level: types.SharesLevel(level)},
	}
}

func poolSpec(o providers.Object) types.ResourceConfigSpec {
	return types.ResourceConfigSpec{
		CpuAllocation:    *allocation(o, "cpu", ""),
		MemoryAllocation: *allocation(o, "memory", "_mb"),
	}
}

// poolRef accepts a resource pool id or a cluster id (meaning the cluster's root pool).
func (c *change) poolRef(ctx context.Context, attr, id string) (types.ManagedObjectReference, error) {
	r, err := c.moRef(ctx, attr, id, "ResourcePool", "ClusterComputeResource", "ComputeResource")
	if err != nil || r.Type == "ResourcePool" {
		return r, err
	}
	o, err := c.inv.get(ctx, r)
	if err != nil {
		return r, c.fail("RetrievePropertiesEx", err)
	}
	var pool *types.ManagedObjectReference
	switch v := o.(type) {
	case *mo.ClusterComputeResource:
		pool = v.ResourcePool
	case *mo.ComputeResource:
		pool = v.ResourcePool
	}
	if pool == nil {
		return r, fmt.Errorf("%s: %s = %q: no such cluster", c.Addr, attr, id)
	}
	return *pool, nil
}

func (poolApplier) create(ctx context.Context, c *change) (string, error) {
	parent, err := c.poolRef(ctx, "parent_id", c.planned("parent_id"))
	if err != nil {
		return "", err
	}
	rp, err := object.NewResourcePool(c.p.client, parent).Create(ctx, c.planned("name"), poolSpec(c.Planned))
	if err != nil {
		return "", c.fail("CreateResourcePool", err)
	}
	return rp.Reference().Value, nil
}

func (poolApplier) update(ctx context.Context, c *change) error {
	spec := poolSpec(c.Planned)
	if err := object.NewResourcePool(c.p.client, ref("ResourcePool", c.prior("id"))).UpdateConfig(ctx, c.planned("name"), &spec); err != nil {
		return c.fail("UpdateConfig", err)
	}
	return nil
}

func (poolApplier) delete(ctx context.Context, c *change) error {
	return destroy(ctx, c, ref("ResourcePool", c.prior("id")))
}

type folderApplier struct{}

// rootFolder is the datacenter's folder of a type (vm, host, datastore, network).
func rootFolder(dc *mo.Datacenter, typ string) (types.ManagedObjectReference, error) {
	switch typ {
	case "vm":
		return dc.VmFolder, nil
	case "host":
		return dc.HostFolder, nil
	case "datastore":
		return dc.DatastoreFolder, nil
	case "network":
		return dc.NetworkFolder, nil
	}
	return types.ManagedObjectReference{}, fmt.Errorf("folder type %q is not vm, host, datastore or network", typ)
}

// findFolder walks path below root; ok is false when a component does not exist.
func (c *change) findFolder(ctx context.Context, root types.ManagedObjectReference, p string) (types.ManagedObjectReference, bool, error) {
	cur := root
	p = trimSlashes(p)
	if p == "" || p == "." {
		return cur, true, nil
	}
	folders, err := c.inv.all(ctx, "Folder")
	if err != nil {
		return cur, false, c.fail("RetrievePropertiesEx", err)
	}
	for _, name := range strings.Split(p, "/") {
		found := false
		for _, o := range folders {
			f := o.(*mo.Folder)
			if f.Parent != nil && *f.Parent == cur && f.Name == name {
				cur, found = f.Self, true
				break
			}
		}
		if !found {
			return cur, false, nil
		}
	}
	return cur, true, nil
}

// folderIn resolves a folder path below a datacenter's root folder of a type.
func (c *change) folderIn(ctx context.Context, dcID, typ, p string) (types.ManagedObjectReference, error) {
	dc, err := c.datacenter(ctx, dcID)
	if err != nil {
		return types.ManagedObjectReference{}, err
	}
	root, err := rootFolder(dc, typ)
	if err != nil {
		return root, fmt.Errorf("%s: %w", c.Addr, err)
	}
	f, ok, err := c.findFolder(ctx, root, p)
	if err != nil {
		return f, err
	}
	if !ok {
		return f, fmt.Errorf("%s: folder %q does not exist in the %s folders of %s", c.Addr, p, typ, dcID)
	}
	return f, nil
}

func (folderApplier) create(ctx context.Context, c *change) (string, error) {
	p := trimSlashes(c.planned("path"))
	parent, err := c.folderIn(ctx, c.planned("datacenter_id"), c.planned("type"), path.Dir(p))
	if err != nil {
		return "", err
	}
	f, err := object.NewFolder(c.p.client, parent).CreateFolder(ctx, path.Base(p))
	if err != nil {
		return "", c.fail("CreateFolder", err)
	}
	return f.Reference().Value, nil
}

func (folderApplier) update(ctx context.Context, c *change) error {
	if !c.changed("path") {
		return nil
	}
	self := ref("Folder", c.prior("id"))
	oldPath, newPath := trimSlashes(c.prior("path")), trimSlashes(c.planned("path"))
	if path.Dir(oldPath) != path.Dir(newPath) {
		parent, err := c.folderIn(ctx, c.planned("datacenter_id"), c.planned("type"), path.Dir(newPath))
		if err != nil {
			return err
		}
		if _, err := c.run(ctx, "MoveIntoFolder_Task", func() (*object.Task, error) {
			return object.NewFolder(c.p.client, parent).MoveInto(ctx, []types.ManagedObjectReference{self})
		}); err != nil {
			return err
		}
	}
	if path.Base(oldPath) != path.Base(newPath) {
		return rename(ctx, c, self, path.Base(newPath))
	}
	return nil
}

func (folderApplier) delete(ctx context.Context, c *change) error {
	self := ref("Folder", c.prior("id"))
	var f mo.Folder
	if err := object.NewFolder(c.p.client, self).Properties(ctx, self, []string{"childEntity"}, &f); err != nil {
		if isNotFound(err) {
			return nil
		}
		return c.fail("RetrievePropertiesEx", err)
	}
	// Destroying a folder destroys everything in it: refuse unless it is empty.
	if len(f.ChildEntity) > 0 {
		return c.fail("Destroy_Task", fmt.Errorf("folder %s still holds %d objects; move or delete them first", c.prior("path"), len(f.ChildEntity)))
	}
	return destroy(ctx, c, self)
}
