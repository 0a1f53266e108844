package test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/internal/state"
)

// Plan-time collisions (issue 15): a plan that would create a VM, a volume or a security
// zone whose name is already taken on the device names each with the import command and is
// not saved; importing them makes the next plan clean of collisions.
func TestPlanNamesCollisions(t *testing.T) {
	t.Parallel()
	w := kmWorld(t)
	w.converge("base.plan")
	st, err := state.Decode(w.stateBytes())
	require.NoError(t, err)
	pool := st.Resource("vsphere_compute_cluster.km").Attributes["resource_pool_id"].(string)
	dsID := st.Resource("vsphere_nas_datastore.data").Attributes["id"].(string)

	// Made behind enclave's back: a VM, a volume and a zone of the names the next change uses.
	var vmID string
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	serving(func() {
		c := w.lab.VSphere.Client
		dsName, err := object.NewDatastore(c, types.ManagedObjectReference{Type: "Datastore", Value: dsID}).ObjectName(ctx)
		require.NoError(t, err)
		folder, err := object.NewSearchIndex(c).FindByInventoryPath(ctx, "/DC0/vm")
		require.NoError(t, err)
		task, err := object.NewFolder(c, folder.Reference()).CreateVM(ctx, types.VirtualMachineConfigSpec{
			Name: "km-vm2", GuestId: "otherLinux64Guest", NumCPUs: 1, MemoryMB: 1024,
			Files: &types.VirtualMachineFileInfo{VmPathName: "[" + dsName + "]"},
		}, object.NewResourcePool(c, types.ManagedObjectReference{Type: "ResourcePool", Value: pool}), nil)
		require.NoError(t, err)
		info, err := task.WaitForResult(ctx)
		require.NoError(t, err)
		vmID = info.Result.(types.ManagedObjectReference).Value
	})
	code, _ := liOntapREST(t, w, "phx1", http.MethodPost, "/api/storage/volumes?return_timeout=30",
		map[string]any{"name": "km_data2", "svm": map[string]any{"name": "km"}, "aggregates": []any{map[string]any{"name": "aggr1"}}, "size": 1 << 30})
	require.Contains(t, []int{201, 202}, code)
	volID := ""
	for _, v := range w.lab.Ontap["phx1"].Volumes() {
		if v.Name == "km_data2" {
			volID = v.UUID
		}
	}
	require.NotEmpty(t, volID)
	require.NoError(t, w.lab.Junos["srx-a"].LoadSet("set security zones security-zone km-extra"))

	extra := `
resource "vsphere_virtual_machine" "vm2" {
  name             = "km-vm2"
  resource_pool_id = vsphere_compute_cluster.km.resource_pool_id
  datastore_id     = vsphere_nas_datastore.data.id
  num_cpus         = 1
  memory_mb        = 1024
  guest_id         = "otherLinux64Guest"
}

resource "ontap_volume" "data2" {
  name      = "km_data2"
  svm       = ontap_svm.km.name
  aggregate = "aggr1"
  size      = "1GiB"
}

resource "junos_security_zone" "extra" {
  provider = junos.srx
  name     = "km-extra"
}
`
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "extra.hcl"), []byte(extra), 0o644))
	file := w.path("collide.plan")
	r := w.run(w.planArgs("--out", file)...)
	require.Equal(t, 1, r.code, "%s", r)
	require.NoFileExists(t, file, "a plan that would collide is not saved")
	require.Contains(t, r.stderr, "the plan was not saved: 3 changes would create what already exists on the device")
	for addr, id := range map[string]string{"vsphere_virtual_machine.vm2": vmID, "ontap_volume.data2": volID, "junos_security_zone.extra": "km-extra"} {
		require.Contains(t, r.stdout, addr+" will be created")
		require.Contains(t, r.stderr, addr+" already exists on the device (id "+id+")")
		require.Contains(t, r.stderr, "`enclave import "+addr+" "+id+"`")
	}

	// The import commands the plan printed work as printed.
	for _, line := range strings.Split(r.stderr, "\n") {
		i := strings.Index(line, "`enclave import ")
		if i < 0 {
			continue
		}
		cmd := strings.Fields(strings.Trim(line[i:strings.LastIndex(line, "`")], "`"))
		args := append(cmd[1:], "--dir", w.dir, "--var-file", w.vars)
		w.expect(0, args...)
	}
	r = w.run(w.planArgs("--out", file)...)
	require.Contains(t, []int{0, 2}, r.code, "%s", r)
	require.NotContains(t, r.stderr, "already exists on the device")
	require.FileExists(t, file)
}
