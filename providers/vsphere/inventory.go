package vsphere

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// kindProps are the properties read per managed object type: only what the provider diffs or
// needs to place an object (name and parent for every entity, to walk inventory paths).
var kindProps = map[string][]string{
	"Folder":                      {"name", "parent", "childType"},
	"Datacenter":                  {"name", "parent", "vmFolder", "hostFolder", "datastoreFolder", "networkFolder"},
	"ClusterComputeResource":      {"name", "parent", "resourcePool", "configurationEx"},
	"ComputeResource":             {"name", "parent", "resourcePool"},
	"HostSystem":                  {"name", "parent", "runtime.inMaintenanceMode", "summary.hardware"},
	"DistributedVirtualSwitch":    {"name", "parent", "config", "summary.hostMember"},
	"DistributedVirtualPortgroup": {"name", "parent", "key", "config.distributedVirtualSwitch", "config.defaultPortConfig"},
	"Datastore":                   {"name", "parent", "info", "host", "summary.type"},
	"ResourcePool":                {"name", "parent", "config.cpuAllocation", "config.memoryAllocation"},
	"Network":                     {"name", "parent"},
	"OpaqueNetwork":               {"name", "parent"},
	"VirtualMachine": {"name", "parent", "resourcePool", "datastore", "config.hardware", "config.guestId",
		"config.annotation", "config.uuid", "config.files.vmPathName", "runtime.powerState"},
}

// The simulator matches container view types exactly while vCenter includes subtypes; the
// kinds above are concrete in both except DistributedVirtualSwitch, whose vCenter objects are
// VmwareDistributedVirtualSwitch (a subtype, so included).
var viewKinds = func() []string {
	out := make([]string, 0, len(kindProps))
	for k := range kindProps {
		out = append(out, k)
	}
	return out
}()

// kindOf maps a reference's type to the kind it is read as.
func kindOf(refType string) string {
	if refType == "VmwareDistributedVirtualSwitch" {
		return "DistributedVirtualSwitch"
	}
	return refType
}

// inventory is one consistent read of vCenter: each kind is retrieved at most once, through a
// single container view on the root folder, however many objects are looked up in it.
type inventory struct {
	c *vim25.Client

	mu     sync.Mutex
	view   *view.ContainerView
	loaded map[string]bool           // kind -> fully retrieved
	objs   map[string]map[string]any // kind -> ref value -> *mo.X
	order  map[string][]string       // kind -> ref values in retrieval order
}

func newInventory(c *vim25.Client) *inventory {
	return &inventory{c: c, loaded: map[string]bool{}, objs: map[string]map[string]any{}, order: map[string][]string{}}
}

// close destroys the container view; what was read stays usable.
func (inv *inventory) close(ctx context.Context) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.view == nil {
		return nil
	}
	err := inv.view.Destroy(ctx)
	inv.view = nil
	return err
}

// all returns every object of a kind, retrieving the kind once.
func (inv *inventory) all(ctx context.Context, kind string) ([]any, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if err := inv.loadLocked(ctx, kind); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(inv.order[kind]))
	for _, v := range inv.order[kind] {
		out = append(out, inv.objs[kind][v])
	}
	return out, nil
}

// preload retrieves kinds ahead of lookups so that per-object lookups hit the cache.
func (inv *inventory) preload(ctx context.Context, kinds ...string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for _, k := range kinds {
		if err := inv.loadLocked(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func (inv *inventory) loadLocked(ctx context.Context, kind string) error {
	if inv.loaded[kind] {
		return nil
	}
	props, ok := kindProps[kind]
	if !ok {
		return fmt.Errorf("inventory: unknown kind %s", kind)
	}
	if inv.view == nil {
		v, err := view.NewManager(inv.c).CreateContainerView(ctx, inv.c.ServiceContent.RootFolder, viewKinds, true)
		if err != nil {
			return fmt.Errorf("CreateContainerView: %w", faultError(err))
		}
		inv.view = v
	}
	var content []types.ObjectContent
	if err := inv.view.Retrieve(ctx, []string{kind}, props, &content); err != nil {
		return fmt.Errorf("RetrievePropertiesEx %s: %w", kind, faultError(err))
	}
	m := map[string]any{}
	order := make([]string, 0, len(content))
	for _, oc := range content {
		obj, err := mo.ObjectContentToType(oc, true)
		if err != nil {
			return fmt.Errorf("decode %s %s: %w", kind, oc.Obj.Value, err)
		}
		if _, dup := m[oc.Obj.Value]; !dup {
			order = append(order, oc.Obj.Value)
		}
		m[oc.Obj.Value] = obj
	}
	inv.objs[kind], inv.order[kind], inv.loaded[kind] = m, order, true
	return nil
}

// get returns the object for ref, from the kind's retrieval when it was made, otherwise with
// one retrieval of that object alone (apply reads back single objects this way). Nil when the
// object does not exist.
func (inv *inventory) get(ctx context.Context, ref types.ManagedObjectReference) (any, error) {
	kind := kindOf(ref.Type)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if o, ok := inv.objs[kind][ref.Value]; ok {
		return o, nil
	}
	if inv.loaded[kind] {
		return nil, nil
	}
	props, ok := kindProps[kind]
	if !ok {
		return nil, fmt.Errorf("inventory: unknown kind %s", kind)
	}
	var content []types.ObjectContent
	err := property.DefaultCollector(inv.c).Retrieve(ctx, []types.ManagedObjectReference{ref}, props, &content)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("RetrievePropertiesEx %s: %w", ref.Value, faultError(err))
	}
	if len(content) == 0 {
		return nil, nil
	}
	obj, err := mo.ObjectContentToType(content[0], true)
	if err != nil {
		return nil, err
	}
	if inv.objs[kind] == nil {
		inv.objs[kind] = map[string]any{}
	}
	inv.objs[kind][ref.Value] = obj
	return obj, nil
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	if f, ok := asFault[*types.ManagedObjectNotFound](err); ok && f != nil {
		return true
	}
	return strings.Contains(err.Error(), "ManagedObjectNotFound") || strings.Contains(err.Error(), "has already been deleted")
}

// entity returns the managed entity part (name, parent) of ref.
func (inv *inventory) entity(ctx context.Context, ref types.ManagedObjectReference) (*mo.ManagedEntity, error) {
	o, err := inv.get(ctx, ref)
	if err != nil || o == nil {
		return nil, err
	}
	e, ok := o.(mo.Entity)
	if !ok {
		return nil, fmt.Errorf("%s is not an inventory entity", ref)
	}
	return e.Entity(), nil
}

// datacenterOf walks parents up to the datacenter holding ref.
func (inv *inventory) datacenterOf(ctx context.Context, ref types.ManagedObjectReference) (types.ManagedObjectReference, error) {
	cur := ref
	for range 64 {
		if cur.Type == "Datacenter" {
			return cur, nil
		}
		e, err := inv.entity(ctx, cur)
		if err != nil {
			return types.ManagedObjectReference{}, err
		}
		if e == nil || e.Parent == nil {
			break
		}
		cur = *e.Parent
	}
	return types.ManagedObjectReference{}, fmt.Errorf("%s is not inside a datacenter", ref.Value)
}

// folderPath is the path of ref's parent folder below the datacenter's root folder of its
// type ("" directly in it), and that datacenter.
func (inv *inventory) folderPath(ctx context.Context, folder types.ManagedObjectReference) (string, types.ManagedObjectReference, error) {
	var names []string
	cur := folder
	for range 64 {
		e, err := inv.entity(ctx, cur)
		if err != nil {
			return "", types.ManagedObjectReference{}, err
		}
		if e == nil || e.Parent == nil {
			break
		}
		if e.Parent.Type == "Datacenter" {
			// cur is the datacenter's vm/host/datastore/network folder: not part of the path.
			for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
				names[i], names[j] = names[j], names[i]
			}
			return strings.Join(names, "/"), *e.Parent, nil
		}
		names = append(names, e.Name)
		cur = *e.Parent
	}
	return "", types.ManagedObjectReference{}, fmt.Errorf("%s is not inside a datacenter", folder.Value)
}

func ref(typ, value string) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: typ, Value: value}
}
