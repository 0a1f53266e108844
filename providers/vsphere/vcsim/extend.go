package vcsim

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// extensions fill the gaps between govmomi's simulator and a real vCenter that the provider
// depends on. The simulator dispatches an authenticated call to the object in its registry,
// so, as govmomi's example_extend_test.go does, an extension puts a wrapper with the missing
// method in the registry; here only for the duration of the one call that needs it (other
// simulator code type-asserts registry objects), so objects created later (hosts added to a
// cluster) are covered too. Settings the simulator drops are applied before the call or when
// the object is registered.
type extensions struct {
	dir string

	mu       sync.Mutex
	clusters map[string]*types.ClusterConfigSpecEx // "folder/name" -> spec of a CreateClusterEx in flight

	// Tasks running in the simulator (see waitTasks).
	taskMu   sync.Mutex
	taskCond *sync.Cond
	running  map[string]bool
}

func newExtensions(dir string) *extensions {
	e := &extensions{dir: dir, clusters: map[string]*types.ClusterConfigSpecEx{}, running: map[string]bool{}}
	e.taskCond = sync.NewCond(&e.taskMu)
	return e
}

// waitTasks returns once no simulator task is running (or after a minute, so a stuck task
// cannot hang the lab).
func (e *extensions) waitTasks() {
	deadline := time.Now().Add(time.Minute)
	stop := time.AfterFunc(time.Minute, func() {
		e.taskMu.Lock()
		e.taskCond.Broadcast()
		e.taskMu.Unlock()
	})
	defer stop.Stop()
	e.taskMu.Lock()
	defer e.taskMu.Unlock()
	for len(e.running) > 0 && time.Now().Before(deadline) {
		e.taskCond.Wait()
	}
}

func (e *extensions) before(ctx *simulator.Context, method *simulator.Method) {
	if ctx.Session == nil {
		return // refused before dispatch: a swapped-in wrapper would never be swapped out
	}
	switch method.This.Type + "." + method.Name {
	case "Folder.CreateClusterEx":
		if req, ok := method.Body.(*types.CreateClusterEx); ok {
			e.mu.Lock()
			e.clusters[method.This.Value+"/"+req.Name] = &req.Spec
			e.mu.Unlock()
		}
	case "ClusterComputeResource.ReconfigureComputeResource_Task":
		req, ok := method.Body.(*types.ReconfigureComputeResource_Task)
		c, isCluster := ctx.Map.Get(method.This).(*simulator.ClusterComputeResource)
		if !ok || !isCluster {
			return
		}
		if spec, isEx := req.Spec.(*types.ClusterConfigSpecEx); isEx {
			ctx.WithLock(c, func() { mergeClusterSpec(c, spec) })
		}
	case "ClusterComputeResource.Destroy_Task":
		if c, ok := ctx.Map.Get(method.This).(*simulator.ClusterComputeResource); ok {
			ctx.Map.Put(&cluster{c})
		}
	case "HostDatastoreSystem.CreateNasDatastore", "HostDatastoreSystem.RemoveDatastore":
		// Concurrent calls on one host share the wrapper: it is counted in here and out by
		// the call, and swapped back only when the last call is done. (Swapping per call let
		// one call put the plain system back while another was about to be dispatched to it.)
		e.mu.Lock()
		switch dss := ctx.Map.Get(method.This).(type) {
		case *nasDatastoreSystem:
			dss.calls++
		case *simulator.HostDatastoreSystem:
			ctx.Map.Put(&nasDatastoreSystem{HostDatastoreSystem: dss, dir: e.dir, ext: e, calls: 1})
		}
		e.mu.Unlock()
	case "DistributedVirtualSwitch.ReconfigureDvs_Task", "VmwareDistributedVirtualSwitch.ReconfigureDvs_Task":
		req, ok := method.Body.(*types.ReconfigureDvs_Task)
		if s, isDVS := ctx.Map.Get(method.This).(*simulator.DistributedVirtualSwitch); ok && isDVS {
			ctx.WithLock(s, func() { reconfigureSwitch(ctx, s, req.Spec) })
		}
	case "DistributedVirtualPortgroup.ReconfigureDVPortgroup_Task":
		req, ok := method.Body.(*types.ReconfigureDVPortgroup_Task)
		if pg, isPG := ctx.Map.Get(method.This).(*simulator.DistributedVirtualPortgroup); ok && isPG {
			ctx.WithLock(pg, func() { mergePortgroupSpec(ctx, pg, &req.Spec) })
		}
	case "Datastore.RenameDatastore":
		if ds, ok := ctx.Map.Get(method.This).(*simulator.Datastore); ok {
			ctx.Map.Put(&renamableDatastore{ds})
		}
	}
}

// Reference, PutObject, UpdateObject and RemoveObject make extensions a registry handler:
// a cluster being registered gets the HA and DRS settings its CreateClusterEx asked for
// (the simulator starts every cluster with defaults).
func (e *extensions) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "EnclaveLabExtensions", Value: "extensions"}
}

func (e *extensions) PutObject(_ *simulator.Context, obj mo.Reference) {
	c, ok := obj.(*simulator.ClusterComputeResource)
	if !ok || c.Parent == nil {
		return
	}
	key := c.Parent.Value + "/" + c.Name
	e.mu.Lock()
	spec := e.clusters[key]
	delete(e.clusters, key)
	e.mu.Unlock()
	if spec != nil {
		mergeClusterSpec(c, spec)
	}
}

// UpdateObject follows tasks from running to done, for waitTasks.
func (e *extensions) UpdateObject(_ *simulator.Context, obj mo.Reference, changes []types.PropertyChange) {
	ref := obj.Reference()
	if ref.Type != "Task" {
		return
	}
	for _, c := range changes {
		if c.Name != "info.state" {
			continue
		}
		st, _ := c.Val.(types.TaskInfoState)
		e.taskMu.Lock()
		switch st {
		case types.TaskInfoStateRunning, types.TaskInfoStateQueued:
			e.running[ref.Value] = true
		default:
			delete(e.running, ref.Value)
			e.taskCond.Broadcast()
		}
		e.taskMu.Unlock()
	}
}
func (e *extensions) RemoveObject(*simulator.Context, types.ManagedObjectReference) {}

// nasDatastoreSystem models NFS the way an ESX host sees it: an export is a directory on the
// NFS server (Dir/nfs/<remote_host>/<remote_path>), created on first mount as a filer would
// have it, and the datastore is a mount of it named by the spec's LocalPath.
type nasDatastoreSystem struct {
	*simulator.HostDatastoreSystem
	dir   string
	ext   *extensions
	calls int // calls in flight (under ext.mu)
}

// done ends one call; the last one puts the plain system back.
func (dss *nasDatastoreSystem) done(ctx *simulator.Context) {
	dss.ext.mu.Lock()
	defer dss.ext.mu.Unlock()
	dss.calls--
	if dss.calls == 0 {
		ctx.Map.Put(dss.HostDatastoreSystem)
	}
}

func (dss *nasDatastoreSystem) CreateNasDatastore(ctx *simulator.Context, req *types.CreateNasDatastore) soap.HasFault {
	defer dss.done(ctx)
	spec := req.Spec
	name := path.Base(spec.LocalPath)
	if spec.RemoteHost == "" || spec.RemotePath == "" || name == "" || name == "." || name == "/" {
		// The simulator reports the missing argument itself.
		return dss.HostDatastoreSystem.CreateNasDatastore(ctx, req)
	}
	export := filepath.Join(dss.dir, "nfs", filepath.FromSlash(spec.RemoteHost), filepath.FromSlash(path.Clean("/"+spec.RemotePath)))
	mount := filepath.Join(dss.dir, "mnt", name)
	if err := os.MkdirAll(export, 0o755); err != nil {
		return &methods.CreateNasDatastoreBody{Fault_: simulator.Fault(err.Error(), &types.HostConfigFault{})}
	}
	if err := os.MkdirAll(filepath.Dir(mount), 0o755); err != nil {
		return &methods.CreateNasDatastoreBody{Fault_: simulator.Fault(err.Error(), &types.HostConfigFault{})}
	}
	if target, err := os.Readlink(mount); err == nil {
		if target != export {
			msg := fmt.Sprintf("datastore %q already mounts %s, not %s:%s", name, target, spec.RemoteHost, spec.RemotePath)
			return &methods.CreateNasDatastoreBody{Fault_: simulator.Fault(msg, &types.DuplicateName{Name: name})}
		}
	} else if err := os.Symlink(export, mount); err != nil {
		return &methods.CreateNasDatastoreBody{Fault_: simulator.Fault(err.Error(), &types.HostConfigFault{})}
	}

	local := *req
	local.Spec.LocalPath = mount
	res := dss.HostDatastoreSystem.CreateNasDatastore(ctx, &local)
	body, ok := res.(*methods.CreateNasDatastoreBody)
	if !ok || body.Res == nil {
		return res
	}
	if body.Res.Returnval.Value == "" {
		// Mounting an existing datastore on another host: the simulator answers with an empty
		// reference where vCenter returns the datastore.
		if ds := ctx.Map.FindByName(name, dss.Datastore); ds != nil {
			body.Res.Returnval = ds.Reference()
		}
	}
	// The simulator keeps only RemoteHost and mounts read-write; a real host keeps what
	// the spec asked for.
	if ds, ok := ctx.Map.Get(body.Res.Returnval).(*simulator.Datastore); ok {
		ctx.WithLock(ds, func() {
			if nas, ok := ds.Info.(*types.NasDatastoreInfo); ok && nas.Nas != nil {
				nas.Nas.RemoteHostNames = spec.RemoteHostNames
				if len(nas.Nas.RemoteHostNames) == 0 {
					nas.Nas.RemoteHostNames = []string{spec.RemoteHost}
				}
				if spec.Type != "" {
					nas.Nas.Type = spec.Type
					ds.Summary.Type = spec.Type
				}
			}
			for i := range ds.Host {
				if ds.Host[i].Key == dss.Host.Self && spec.AccessMode != "" {
					ds.Host[i].MountInfo.AccessMode = spec.AccessMode
				}
			}
		})
	}
	return res
}

// RemoveDatastore unmounts a datastore from this host; the last unmount removes the
// datastore from the inventory (the export and its files stay on the NFS server).
func (dss *nasDatastoreSystem) RemoveDatastore(ctx *simulator.Context, req *types.RemoveDatastore) soap.HasFault {
	defer dss.done(ctx)
	body := &methods.RemoveDatastoreBody{}
	ds, ok := ctx.Map.Get(req.Datastore).(*simulator.Datastore)
	if !ok || !slices.Contains(dss.Datastore, req.Datastore) {
		body.Fault_ = simulator.Fault("datastore not mounted on this host", &types.NotFound{})
		return body
	}
	host := dss.Host.Self
	var fault types.BaseMethodFault
	last := false
	ctx.WithLock(ds, func() {
		for _, vm := range ds.Vm {
			if v, ok := ctx.Map.Get(vm).(*simulator.VirtualMachine); ok && v.Runtime.Host != nil && *v.Runtime.Host == host {
				fault = &types.ResourceInUse{Type: "VirtualMachine", Name: v.Name}
				return
			}
		}
		last = len(ds.Host) == 1
		if !last {
			ds.Host = slices.DeleteFunc(ds.Host, func(m types.DatastoreHostMount) bool { return m.Key == host })
		}
	})
	if fault != nil {
		body.Fault_ = simulator.Fault("", fault)
		return body
	}
	if last {
		res := ds.DestroyTask(ctx, &types.Destroy_Task{This: ds.Self}).(*methods.Destroy_TaskBody)
		task := ctx.Map.Get(res.Res.Returnval).(*simulator.Task)
		task.Wait()
		if task.Info.Error != nil {
			body.Fault_ = simulator.Fault(task.Info.Error.LocalizedMessage, task.Info.Error.Fault)
			return body
		}
		if nas, ok := ds.Info.(*types.NasDatastoreInfo); ok {
			if fi, err := os.Lstat(nas.Url); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				_ = os.Remove(nas.Url)
			}
		}
	} else if h, ok := ctx.Map.Get(host).(*simulator.HostSystem); ok {
		ctx.Map.RemoveReference(ctx, h, &h.Datastore, ds.Self)
	}
	dss.Datastore = slices.DeleteFunc(dss.Datastore, func(r types.ManagedObjectReference) bool { return r == ds.Self })
	body.Res = &types.RemoveDatastoreResponse{}
	return body
}

func mergeClusterSpec(c *simulator.ClusterComputeResource, spec *types.ClusterConfigSpecEx) {
	cfg, ok := c.ConfigurationEx.(*types.ClusterConfigInfoEx)
	if !ok {
		return
	}
	if d := spec.DasConfig; d != nil {
		if d.Enabled != nil {
			cfg.DasConfig.Enabled = d.Enabled
		}
		if d.AdmissionControlEnabled != nil {
			cfg.DasConfig.AdmissionControlEnabled = d.AdmissionControlEnabled
		}
		if d.AdmissionControlPolicy != nil {
			cfg.DasConfig.AdmissionControlPolicy = d.AdmissionControlPolicy
		}
	}
	if d := spec.DrsConfig; d != nil {
		if d.Enabled != nil {
			cfg.DrsConfig.Enabled = d.Enabled
		}
		if d.DefaultVmBehavior != "" {
			cfg.DrsConfig.DefaultVmBehavior = d.DefaultVmBehavior
		}
	}
}

// cluster adds Destroy_Task, which a real vCenter's clusters have: it refuses while any host
// runs VMs, and removes the hosts and the root resource pool with the cluster.
type cluster struct {
	*simulator.ClusterComputeResource
}

func (c *cluster) DestroyTask(ctx *simulator.Context, req *types.Destroy_Task) soap.HasFault {
	task := simulator.CreateTask(c, "destroy", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		for _, ref := range c.Host {
			if h, ok := ctx.Map.Get(ref).(*simulator.HostSystem); ok && len(h.Vm) > 0 {
				ctx.Map.Put(c.ClusterComputeResource)
				return nil, &types.ResourceInUse{Type: "HostSystem", Name: h.Name}
			}
		}
		for _, ref := range c.Host {
			ctx.Map.Remove(ctx, ref)
		}
		if c.ResourcePool != nil {
			ctx.Map.Remove(ctx, *c.ResourcePool)
		}
		if c.Parent != nil {
			if f, ok := ctx.Map.Get(*c.Parent).(*simulator.Folder); ok {
				ctx.WithLock(f, func() {
					ctx.Map.RemoveReference(ctx, f, &f.ChildEntity, c.Self)
				})
			}
		}
		ctx.Map.Remove(ctx, c.Self)
		return nil, nil
	})
	return &methods.Destroy_TaskBody{Res: &types.Destroy_TaskResponse{Returnval: task.Run(ctx)}}
}

// renamableDatastore adds RenameDatastore, which the simulator lacks.
type renamableDatastore struct {
	*simulator.Datastore
}

func (ds *renamableDatastore) RenameDatastore(ctx *simulator.Context, req *types.RenameDatastore) soap.HasFault {
	defer ctx.Map.Put(ds.Datastore)
	body := &methods.RenameDatastoreBody{}
	if p, ok := ctx.Map.Get(*ds.Parent).(*simulator.Folder); ok {
		if other := ctx.Map.FindByName(req.NewName, p.ChildEntity); other != nil && other.Reference() != ds.Self {
			body.Fault_ = simulator.Fault("", &types.DuplicateName{Name: req.NewName, Object: other.Reference()})
			return body
		}
	}
	ctx.Map.Update(ctx, ds.Datastore, []types.PropertyChange{
		{Name: "name", Val: req.NewName},
		{Name: "summary.name", Val: req.NewName},
	})
	body.Res = &types.RenameDatastoreResponse{}
	return body
}

// reconfigureSwitch applies what the simulator's ReconfigureDvs_Task ignores (it handles host
// membership only): the name, the MTU and the uplink names.
func reconfigureSwitch(ctx *simulator.Context, s *simulator.DistributedVirtualSwitch, spec types.BaseDVSConfigSpec) {
	cfg, ok := s.Config.(*types.VMwareDVSConfigInfo)
	if !ok || spec == nil {
		return
	}
	base := spec.GetDVSConfigSpec()
	if base.Name != "" && base.Name != s.Name {
		cfg.Name = base.Name
		ctx.Map.Update(ctx, s, []types.PropertyChange{{Name: "name", Val: base.Name}})
	}
	if base.UplinkPortPolicy != nil {
		cfg.UplinkPortPolicy = base.UplinkPortPolicy
	}
	if v, ok := spec.(*types.VMwareDVSConfigSpec); ok && v.MaxMtu != 0 {
		cfg.MaxMtu = v.MaxMtu
	}
	cfg.ConfigVersion = nextVersion(cfg.ConfigVersion)
}

func nextVersion(v string) string {
	n := 0
	fmt.Sscan(v, &n)
	return fmt.Sprint(n + 1)
}

// mergePortgroupSpec makes the simulator's ReconfigureDVPortgroup_Task, which replaces the
// whole config with the spec, behave like vCenter's, which changes only what the spec sets,
// and renames the port group when the spec says so.
func mergePortgroupSpec(ctx *simulator.Context, pg *simulator.DistributedVirtualPortgroup, spec *types.DVPortgroupConfigSpec) {
	cur := pg.Config
	if spec.DefaultPortConfig == nil {
		spec.DefaultPortConfig = cur.DefaultPortConfig
	}
	if spec.NumPorts == 0 {
		spec.NumPorts = cur.NumPorts
	}
	if spec.AutoExpand == nil {
		spec.AutoExpand = cur.AutoExpand
	}
	if spec.Type == "" {
		spec.Type = cur.Type
	}
	if spec.Description == "" {
		spec.Description = cur.Description
	}
	if spec.Policy == nil {
		spec.Policy = cur.Policy
	}
	if spec.Name == "" {
		spec.Name = cur.Name
	} else if spec.Name != pg.Name {
		ctx.Map.Update(ctx, pg, []types.PropertyChange{{Name: "name", Val: spec.Name}})
	}
}
