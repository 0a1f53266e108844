package vcsim

import (
	"context"
	"fmt"
	"github.com/vmware/govmomi/vim25/methods"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func start(t *testing.T, opts Options) *Sim {
	t.Helper()
	s, err := Start(opts)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestInventories(t *testing.T) {
	tests := []struct {
		name                     string
		opts                     Options
		dcs, clusters, hosts, vm int
	}{
		{name: "lab: an empty DC0", opts: Options{}, dcs: 1},
		{name: "lab with a cluster", opts: Options{Clusters: 1}, dcs: 1, clusters: 1, hosts: 3},
		{name: "standard VPX", opts: Options{Standard: true}, dcs: 1, clusters: 1, hosts: 4, vm: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.opts)
			require.Len(t, s.Map().All("Datacenter"), tc.dcs)
			require.Len(t, s.Map().All("ClusterComputeResource"), tc.clusters)
			require.Len(t, s.Map().All("HostSystem"), tc.hosts)
			require.Len(t, s.Map().All("VirtualMachine"), tc.vm)
			dc, err := find.NewFinder(s.Client).Datacenter(context.Background(), "DC0")
			require.NoError(t, err)
			require.Equal(t, "DC0", dc.Name())
		})
	}
}

func TestCredentialsEnforced(t *testing.T) {
	s := start(t, Options{Username: "enclave", Password: "pw"})
	ctx := context.Background()
	u := *s.URL
	u.User = url.UserPassword("enclave", "wrong")
	_, err := govmomi.NewClient(ctx, &u, true)
	require.ErrorContains(t, err, "Login failure")
	u.User = url.UserPassword("enclave", "pw")
	c, err := govmomi.NewClient(ctx, &u, true)
	require.NoError(t, err)
	require.NoError(t, c.Logout(ctx))
}

func TestRequestsCounted(t *testing.T) {
	s := start(t, Options{})
	s.ResetRequests()
	var dc mo.Folder
	require.NoError(t, object.NewRootFolder(s.Client).Properties(context.Background(), s.Client.ServiceContent.RootFolder, []string{"name"}, &dc))
	got := s.Requests()
	require.Equal(t, 1, got.Total, got.String())
	require.Equal(t, map[string]int{"RetrievePropertiesEx": 1}, got.ByMethod)
	s.ResetRequests()
	require.Zero(t, s.Requests().Total)
}

// addHosts makes a cluster with n hosts and returns their datastore systems.
func addHosts(t *testing.T, s *Sim, n int) (*object.ClusterComputeResource, []*object.HostDatastoreSystem) {
	t.Helper()
	ctx := context.Background()
	dc, err := find.NewFinder(s.Client).Datacenter(ctx, "DC0")
	require.NoError(t, err)
	folders, err := dc.Folders(ctx)
	require.NoError(t, err)
	cl, err := folders.HostFolder.CreateCluster(ctx, "hci", types.ClusterConfigSpecEx{})
	require.NoError(t, err)
	var out []*object.HostDatastoreSystem
	for i := range n {
		task, err := cl.AddHost(ctx, types.HostConnectSpec{HostName: "esx" + string(rune('1'+i)), UserName: "root", Password: "x", Force: true}, true, nil, nil)
		require.NoError(t, err)
		info, err := task.WaitForResult(ctx)
		require.NoError(t, err)
		h := object.NewHostSystem(s.Client, info.Result.(types.ManagedObjectReference))
		dss, err := h.ConfigManager().DatastoreSystem(ctx)
		require.NoError(t, err)
		out = append(out, dss)
	}
	return cl, out
}

func TestNASDatastoresMountExports(t *testing.T) {
	dir := t.TempDir()
	s := start(t, Options{Dir: dir})
	ctx := context.Background()
	_, hosts := addHosts(t, s, 2)
	spec := types.HostNasVolumeSpec{RemoteHost: "filer1", RemotePath: "/vol/mail", LocalPath: "nfs-mail", AccessMode: "readOnly", Type: "NFS41", RemoteHostNames: []string{"filer1", "filer2"}}

	ds1, err := hosts[0].CreateNasDatastore(ctx, spec)
	require.NoError(t, err)
	export := filepath.Join(dir, "nfs", "filer1", "vol", "mail")
	require.DirExists(t, export)
	ds2, err := hosts[1].CreateNasDatastore(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, ds1.Reference(), ds2.Reference(), "the second host mounts the same datastore")

	var ds mo.Datastore
	require.NoError(t, ds1.Properties(ctx, ds1.Reference(), []string{"name", "info", "host"}, &ds))
	require.Equal(t, "nfs-mail", ds.Name)
	nas := ds.Info.(*types.NasDatastoreInfo).Nas
	require.Equal(t, []string{"filer1", "filer2"}, nas.RemoteHostNames)
	require.Equal(t, "NFS41", nas.Type)
	require.Len(t, ds.Host, 2)
	for _, m := range ds.Host {
		require.Equal(t, "readOnly", m.MountInfo.AccessMode)
	}

	// Files written through the datastore land in the export.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mnt", "nfs-mail", "hello"), []byte("hi"), 0o644))
	require.FileExists(t, filepath.Join(export, "hello"))

	// Another export under the same datastore name is refused.
	_, err = hosts[0].CreateNasDatastore(ctx, types.HostNasVolumeSpec{RemoteHost: "filer9", RemotePath: "/x", LocalPath: "nfs-mail", AccessMode: "readWrite", Type: "NFS"})
	require.ErrorContains(t, err, "already mounts")

	require.NoError(t, hosts[0].Remove(ctx, ds1))
	require.NoError(t, ds1.Properties(ctx, ds1.Reference(), []string{"host"}, &ds))
	require.Len(t, ds.Host, 1)
	require.NoError(t, hosts[1].Remove(ctx, ds1))
	require.Empty(t, s.Map().All("Datastore"))
	require.NoFileExists(t, filepath.Join(dir, "mnt", "nfs-mail"))
	require.FileExists(t, filepath.Join(export, "hello"), "the filer keeps the data")

	require.Error(t, hosts[1].Remove(ctx, ds1), "not mounted any more")
}

func TestRenameDatastore(t *testing.T) {
	s := start(t, Options{})
	ctx := context.Background()
	_, hosts := addHosts(t, s, 1)
	ds, err := hosts[0].CreateNasDatastore(ctx, types.HostNasVolumeSpec{RemoteHost: "f", RemotePath: "/v", LocalPath: "a", AccessMode: "readWrite", Type: "NFS"})
	require.NoError(t, err)
	_, err = methods.RenameDatastore(ctx, s.Client, &types.RenameDatastore{This: ds.Reference(), NewName: "b"})
	require.NoError(t, err)
	var got mo.Datastore
	require.NoError(t, ds.Properties(ctx, ds.Reference(), []string{"name", "summary"}, &got))
	require.Equal(t, "b", got.Name)
	require.Equal(t, "b", got.Summary.Name)
}

func TestClusters(t *testing.T) {
	s := start(t, Options{Standard: true})
	ctx := context.Background()
	finder := find.NewFinder(s.Client)

	// A cluster keeps the HA and DRS settings it is created with, and reconfigured to.
	dc, err := finder.Datacenter(ctx, "DC0")
	require.NoError(t, err)
	folders, err := dc.Folders(ctx)
	require.NoError(t, err)
	on, off := true, false
	cl, err := folders.HostFolder.CreateCluster(ctx, "ha", types.ClusterConfigSpecEx{
		DasConfig: &types.ClusterDasConfigInfo{Enabled: &on, AdmissionControlEnabled: &on,
			AdmissionControlPolicy: &types.ClusterFailoverLevelAdmissionControlPolicy{FailoverLevel: 2}},
		DrsConfig: &types.ClusterDrsConfigInfo{Enabled: &off},
	})
	require.NoError(t, err)
	cfg := func() *types.ClusterConfigInfoEx {
		var c mo.ClusterComputeResource
		require.NoError(t, cl.Properties(ctx, cl.Reference(), []string{"configurationEx"}, &c))
		return c.ConfigurationEx.(*types.ClusterConfigInfoEx)
	}
	require.True(t, *cfg().DasConfig.Enabled)
	require.False(t, *cfg().DrsConfig.Enabled)
	require.Equal(t, int32(2), cfg().DasConfig.AdmissionControlPolicy.(*types.ClusterFailoverLevelAdmissionControlPolicy).FailoverLevel)
	task, err := cl.Reconfigure(ctx, &types.ClusterConfigSpecEx{DasConfig: &types.ClusterDasConfigInfo{
		AdmissionControlPolicy: &types.ClusterFailoverLevelAdmissionControlPolicy{FailoverLevel: 1}}}, true)
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx))
	require.Equal(t, int32(1), cfg().DasConfig.AdmissionControlPolicy.(*types.ClusterFailoverLevelAdmissionControlPolicy).FailoverLevel)

	// A cluster whose hosts run VMs is not destroyed; an empty one is, hosts and all.
	busy, err := finder.ClusterComputeResource(ctx, "DC0_C0")
	require.NoError(t, err)
	task, err = busy.Destroy(ctx)
	require.NoError(t, err)
	require.ErrorContains(t, task.Wait(ctx), "ResourceInUse")
	_, err = finder.ClusterComputeResource(ctx, "DC0_C0")
	require.NoError(t, err, "still there")
	task, err = busy.Reconfigure(ctx, &types.ClusterConfigSpecEx{}, true)
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx), "and still a working cluster")

	task, err = cl.Destroy(ctx)
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx))
	_, err = finder.ClusterComputeResource(ctx, "ha")
	require.Error(t, err)
}

func TestDistributedSwitchReconfigure(t *testing.T) {
	s := start(t, Options{Standard: true})
	ctx := context.Background()
	dvs := object.NewDistributedVirtualSwitch(s.Client, s.Map().Any("DistributedVirtualSwitch").Reference())
	var cur mo.DistributedVirtualSwitch
	require.NoError(t, dvs.Properties(ctx, dvs.Reference(), []string{"config"}, &cur))
	task, err := dvs.Reconfigure(ctx, &types.VMwareDVSConfigSpec{
		DVSConfigSpec: types.DVSConfigSpec{ConfigVersion: cur.Config.GetDVSConfigInfo().ConfigVersion, Name: "dvs-hci",
			UplinkPortPolicy: &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: []string{"u1", "u2"}}},
		MaxMtu: 9000,
	})
	require.NoError(t, err)
	require.NoError(t, task.Wait(ctx))
	require.NoError(t, dvs.Properties(ctx, dvs.Reference(), []string{"name", "config"}, &cur))
	require.Equal(t, "dvs-hci", cur.Name)
	cfg := cur.Config.(*types.VMwareDVSConfigInfo)
	require.Equal(t, int32(9000), cfg.MaxMtu)
	require.Equal(t, []string{"u1", "u2"}, cfg.UplinkPortPolicy.(*types.DVSNameArrayUplinkPortPolicy).UplinkPortName)
}

// Many NAS datastores mounted at once on the same hosts, as a parallel apply does: every
// call reaches the NFS model, none the plain simulator (which would stat a relative path).
func TestNASDatastoresConcurrentOnOneHost(t *testing.T) {
	dir := t.TempDir()
	s := start(t, Options{Dir: dir})
	ctx := context.Background()
	_, hosts := addHosts(t, s, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for i := 0; i < 12; i++ {
		for _, h := range hosts {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := h.CreateNasDatastore(ctx, types.HostNasVolumeSpec{RemoteHost: "filer1", RemotePath: fmt.Sprintf("/vol/v%d", i), LocalPath: fmt.Sprintf("v%d", i), AccessMode: "readWrite", Type: "NFS"})
				errs <- err
			}(i)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, s.Map().All("Datastore"), 12)
}

// Every SOAP call goes through the serializing handler (see serializeSOAP).
func TestSOAPCallsSerialized(t *testing.T) {
	s := start(t, Options{})
	s.ResetRequests()
	before := s.soapCalls.Load()
	_, err := methods.GetCurrentTime(context.Background(), s.Client)
	require.NoError(t, err)
	require.Greater(t, s.soapCalls.Load(), before)
}

// A call that starts a task answers once the task is done (the simulator's task goroutines
// race each other, so the lab runs them one at a time); the task still reports its progress.
func TestTasksFinishBeforeTheNextCall(t *testing.T) {
	s := start(t, Options{Standard: true})
	ctx := context.Background()
	finder := find.NewFinder(s.Client)
	vm, err := finder.VirtualMachine(ctx, "/DC0/vm/DC0_H0_VM0")
	require.NoError(t, err)
	for i := 0; i < 5; i++ {
		task, err := vm.PowerOff(ctx)
		if i%2 == 1 {
			task, err = vm.PowerOn(ctx)
		}
		require.NoError(t, err)
		var mt mo.Task
		require.NoError(t, task.Properties(ctx, task.Reference(), []string{"info.state"}, &mt))
		require.NotEqual(t, types.TaskInfoStateRunning, mt.Info.State, "task %d still running when its call answered", i)
		require.NoError(t, task.Wait(ctx))
	}
}
