package test

import (
	"context"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// The helpers here look at the gear through vCenter's own API, never through enclave, so a
// test sees what a console user would.

func (w *world) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// gear runs fn against the simulated vCenter with a deadline, holding simMu shared. fn must
// not call another gear helper (simMu is not re-entrant).
func (w *world) gear(fn func(ctx context.Context, c *vim25.Client)) {
	w.t.Helper()
	ctx, cancel := w.ctx()
	defer cancel()
	serving(func() { fn(ctx, w.lab.VSphere.Client) })
}

// retrieve reads every object of one kind with the given properties, in one container view.
func (w *world) retrieve(kind string, props []string, dst any) {
	w.t.Helper()
	w.gear(func(ctx context.Context, c *vim25.Client) {
		v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{kind}, true)
		require.NoError(w.t, err)
		defer func() { _ = v.Destroy(ctx) }()
		require.NoError(w.t, v.Retrieve(ctx, []string{kind}, props, dst))
	})
}

// vms is every virtual machine on the simulated vCenter, by name.
func (w *world) vms() map[string]mo.VirtualMachine {
	w.t.Helper()
	var vms []mo.VirtualMachine
	w.retrieve("VirtualMachine", []string{"name", "config.hardware", "runtime.powerState"}, &vms)
	out := map[string]mo.VirtualMachine{}
	for _, vm := range vms {
		out[vm.Name] = vm
	}
	return out
}

// clusters is every cluster, by name.
func (w *world) clusters() map[string]mo.ClusterComputeResource {
	w.t.Helper()
	var cs []mo.ClusterComputeResource
	w.retrieve("ClusterComputeResource", []string{"name", "configurationEx", "host"}, &cs)
	out := map[string]mo.ClusterComputeResource{}
	for _, c := range cs {
		out[c.Name] = c
	}
	return out
}

// entityNames are the names of every object of one kind; T is the kind's mo type (the
// property collector fills only the type it is given).
func entityNames[T any](w *world, kind string, name func(T) string) []string {
	w.t.Helper()
	var es []T
	w.retrieve(kind, []string{"name"}, &es)
	var out []string
	for _, e := range es {
		out = append(out, name(e))
	}
	return out
}

// reconfigure changes a VM, found by inventory path (/DC0/vm/NAME) as govc would, behind
// enclave's back, as a console user would.
func (w *world) reconfigure(path string, spec types.VirtualMachineConfigSpec) {
	w.t.Helper()
	w.gear(func(ctx context.Context, c *vim25.Client) {
		vm, err := find.NewFinder(c).VirtualMachine(ctx, path)
		require.NoError(w.t, err)
		task, err := vm.Reconfigure(ctx, spec)
		require.NoError(w.t, err)
		require.NoError(w.t, task.Wait(ctx))
	})
}

// requireLabGear checks the lab enclave's objects exist as configured, with the VMs' sizes
// given by name (cpus, memory MB).
func (w *world) requireLabGear(sizes map[string][2]int32) {
	w.t.Helper()
	cs := w.clusters()
	require.Contains(w.t, cs, "hci")
	hci := cs["hci"]
	cfg, ok := hci.ConfigurationEx.(*types.ClusterConfigInfoEx)
	require.True(w.t, ok, "cluster hci configuration is %T", hci.ConfigurationEx)
	require.NotNil(w.t, cfg.DasConfig.Enabled)
	require.True(w.t, *cfg.DasConfig.Enabled, "HA is not enabled on hci")
	require.NotNil(w.t, cfg.DrsConfig.Enabled)
	require.True(w.t, *cfg.DrsConfig.Enabled, "DRS is not enabled on hci")
	require.Equal(w.t, types.DrsBehaviorFullyAutomated, cfg.DrsConfig.DefaultVmBehavior)
	require.Len(w.t, hci.Host, 3, "hosts in cluster hci")

	require.Contains(w.t, entityNames(w, "DistributedVirtualSwitch", func(s mo.DistributedVirtualSwitch) string { return s.Name }), "hci-dvs")
	require.Contains(w.t, entityNames(w, "DistributedVirtualPortgroup", func(p mo.DistributedVirtualPortgroup) string { return p.Name }), "services")
	require.Contains(w.t, entityNames(w, "Datastore", func(d mo.Datastore) string { return d.Name }), "mail")

	vms := w.vms()
	require.Len(w.t, vms, len(sizes), "VMs on vCenter")
	for name, size := range sizes {
		vm, ok := vms[name]
		require.True(w.t, ok, "VM %s is not on vCenter", name)
		require.Equal(w.t, size[0], vm.Config.Hardware.NumCPU, "%s num_cpus", name)
		require.Equal(w.t, size[1], vm.Config.Hardware.MemoryMB, "%s memory_mb", name)
		require.Equal(w.t, types.VirtualMachinePowerStatePoweredOn, vm.Runtime.PowerState, "%s power", name)
	}
}

// labSizes is what enclaves/lab asks for.
var labSizes = map[string][2]int32{"mail1": {2, 4096}, "mail2": {2, 4096}, "ldap1": {1, 2048}}

// failPowerOn makes every PowerOnVM_Task on the named VM fail with an InsufficientResourcesFault,
// through govmomi's simulator fault injection, until clearFaults.
func (w *world) failPowerOn(vmName, message string) {
	w.lab.VSphere.Service().AddFaultRule(&simulator.FaultInjectionRule{
		MethodName: "PowerOnVM_Task", ObjectType: "VirtualMachine", ObjectName: vmName,
		Probability: 1, FaultType: simulator.FaultTypeInsufficientResourcesFault, Message: message, Enabled: true,
	})
}

func (w *world) clearFaults() { w.lab.VSphere.Service().ClearFaultRules() }
