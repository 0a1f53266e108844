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

// Refresh reads every requested object with one retrieval per managed object type (plus the
// folder and datacenter skeleton the readers walk), whatever the number of resources.
func (p *Provider) Refresh(ctx context.Context, reqs []providers.RefreshRequest) ([]providers.RefreshResult, error) {
	if err := p.connected(); err != nil {
		return nil, err
	}
	// A refresh that only looks objects up by identity (the plan's collision check) searches
	// what this run's refresh already read; Apply drops that, as the world then changed.
	var inv *inventory
	if providers.LookupsOnly(reqs) {
		p.mu.Lock()
		inv = p.inv
		p.mu.Unlock()
	}
	if inv == nil {
		inv = newInventory(p.client)
	}
	defer func() { _ = inv.close(context.WithoutCancel(ctx)) }()

	kinds := map[string]bool{}
	for _, r := range reqs {
		k, ok := kindFor[r.Type]
		if !ok {
			return nil, fmt.Errorf("%s: unknown resource type %s", r.Addr, r.Type)
		}
		kinds[k] = true
		for _, extra := range readKinds[r.Type] {
			kinds[extra] = true
		}
	}
	if err := inv.preload(ctx, sortedKeys(kinds)...); err != nil {
		return nil, fmt.Errorf("%s: %w", p.device, err)
	}

	out := make([]providers.RefreshResult, 0, len(reqs))
	for _, r := range reqs {
		if r.ID == "" {
			// By identity, in what was just retrieved: an object an interrupted apply may
			// have created, or one a planned create would collide with.
			cur, err := p.findByIdentity(ctx, inv, r.Type, r.Prior)
			if err != nil {
				return nil, &providers.Error{Addr: r.Addr, Device: p.device, Call: "RetrievePropertiesEx", Err: fmt.Errorf("%s: %w", r.Addr, err)}
			}
			out = append(out, providers.RefreshResult{Addr: r.Addr, Current: cur})
			continue
		}
		cur, err := p.read(ctx, inv, r.Type, r.ID, r.Prior)
		if err != nil {
			return nil, &providers.Error{Addr: r.Addr, Device: p.device, Call: "RetrievePropertiesEx", Err: fmt.Errorf("%s: %w", r.Addr, err)}
		}
		out = append(out, providers.RefreshResult{Addr: r.Addr, Current: cur})
	}
	p.mu.Lock()
	p.inv = inv
	p.mu.Unlock()
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dataKinds are the kinds searched per data source.
var dataKinds = map[string][]string{
	"vsphere_datacenter":      {"Datacenter"},
	"vsphere_compute_cluster": {"ClusterComputeResource"},
	"vsphere_host":            {"HostSystem"},
	"vsphere_datastore":       {"Datastore"},
	"vsphere_network":         {"Network", "DistributedVirtualPortgroup", "OpaqueNetwork"},
}

// ReadData answers lookups from the run's inventory: N lookups of one type cost one retrieval.
func (p *Provider) ReadData(ctx context.Context, reqs []providers.DataRequest) ([]providers.DataResult, error) {
	if err := p.connected(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.inv == nil {
		p.inv = newInventory(p.client)
	}
	inv := p.inv
	p.mu.Unlock()
	defer func() { _ = inv.close(context.WithoutCancel(ctx)) }()

	kinds := map[string]bool{}
	for _, r := range reqs {
		ks, ok := dataKinds[r.Type]
		if !ok {
			return nil, fmt.Errorf("%s: unknown data source %s", r.Addr, r.Type)
		}
		for _, k := range ks {
			kinds[k] = true
		}
		if providers.String(r.Args, "datacenter_id") != "" {
			kinds["Folder"], kinds["Datacenter"] = true, true
			if r.Type == "vsphere_host" {
				kinds["ClusterComputeResource"], kinds["ComputeResource"] = true, true
			}
		}
	}
	if err := inv.preload(ctx, sortedKeys(kinds)...); err != nil {
		return nil, fmt.Errorf("%s: %w", p.device, err)
	}
	out := make([]providers.DataResult, 0, len(reqs))
	for _, r := range reqs {
		res, err := p.lookup(ctx, inv, r)
		if err != nil {
			err = &providers.Error{Addr: r.Addr, Device: p.device, Call: "RetrievePropertiesEx", Err: fmt.Errorf("%s: %w", r.Addr, err)}
		}
		out = append(out, providers.DataResult{Addr: r.Addr, Result: res, Err: err})
	}
	return out, nil
}

func (p *Provider) lookup(ctx context.Context, inv *inventory, r providers.DataRequest) (providers.Object, error) {
	name := providers.String(r.Args, "name")
	dcID := providers.String(r.Args, "datacenter_id")
	var found []any
	seen := map[string]bool{} // vCenter's Network kind includes port groups
	for _, kind := range dataKinds[r.Type] {
		all, err := inv.all(ctx, kind)
		if err != nil {
			return nil, err
		}
		for _, o := range all {
			e := o.(mo.Entity).Entity()
			if entityName(o) != name || seen[e.Self.Value] {
				continue
			}
			if dcID != "" {
				dc, err := inv.datacenterOf(ctx, e.Self)
				if err != nil || dc.Value != dcID {
					continue
				}
			}
			seen[e.Self.Value] = true
			found = append(found, o)
		}
	}
	where := ""
	if dcID != "" {
		where = " in datacenter " + dcID
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no %s named %q%s", dataKinds[r.Type][0], name, where)
	case 1:
	default:
		var ids []string
		for _, o := range found {
			ids = append(ids, o.(mo.Entity).Entity().Self.Value)
		}
		hint := ""
		if dcID == "" {
			hint = "; set datacenter_id"
		}
		return nil, fmt.Errorf("%d objects named %q%s (%v)%s", len(found), name, where, ids, hint)
	}
	e := found[0].(mo.Entity).Entity()
	res := providers.Object{"id": e.Self.Value, "name": entityName(found[0])}
	if dcID != "" {
		res["datacenter_id"] = dcID
	}
	switch v := found[0].(type) {
	case *mo.ClusterComputeResource:
		if v.ResourcePool != nil {
			res["resource_pool_id"] = v.ResourcePool.Value
		}
	case *mo.HostSystem:
		h := readHost(v, nil)
		for _, k := range []string{"cluster_id", "cpu_cores", "memory_mb"} {
			if providers.Has(h, k) {
				res[k] = h[k]
			}
		}
	case *mo.Datastore:
		res["type"] = v.Summary.Type
	case *mo.Network, *mo.DistributedVirtualPortgroup, *mo.OpaqueNetwork:
		res["type"] = e.Self.Type
	}
	return res, nil
}

// Import finds an object by inventory path ("/DC0/vm/mail/mx1") and reads it.
func (p *Provider) Import(ctx context.Context, typ, path string) (providers.Object, error) {
	if err := p.connected(); err != nil {
		return nil, err
	}
	kind, ok := kindFor[typ]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %s", typ)
	}
	var found types.ManagedObjectReference
	if t := typeFromID(path); t != "" && !strings.Contains(path, "/") {
		// A managed object reference ("vm-42"), as a plan names an object it found.
		found = moref(path)
		if t == "DistributedVirtualSwitch" {
			inv := newInventory(p.client)
			ref, err := p.switchRef(ctx, inv, path)
			_ = inv.close(context.WithoutCancel(ctx))
			if err != nil || ref == nil {
				return nil, &providers.Error{Device: p.device, Call: "RetrievePropertiesEx", Err: fmt.Errorf("%s: no such switch", path)}
			}
			found = *ref
		}
	} else {
		r, err := object.NewSearchIndex(p.client).FindByInventoryPath(ctx, path)
		if err != nil {
			return nil, &providers.Error{Device: p.device, Call: "FindByInventoryPath", Err: fmt.Errorf("%s: %w", path, faultError(err))}
		}
		if r == nil {
			return nil, &providers.Error{Device: p.device, Call: "FindByInventoryPath", Err: fmt.Errorf("%s: no such inventory path", path)}
		}
		found = r.Reference()
	}
	if kindOf(found.Type) != kind {
		return nil, fmt.Errorf("%s: %s is a %s, not a %s (%s)", p.device, path, found.Type, kind, typ)
	}
	inv := newInventory(p.client)
	defer func() { _ = inv.close(context.WithoutCancel(ctx)) }()
	o, err := p.read(ctx, inv, typ, found.Value, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", p.device, path, err)
	}
	if o == nil {
		return nil, fmt.Errorf("%s: %s: gone while importing", p.device, path)
	}
	return o, nil
}

// entityName is an object's name: networks carry their own name field, which shadows the
// managed entity's when properties are decoded.
func entityName(o any) string {
	switch v := o.(type) {
	case *mo.Network:
		return v.Name
	case *mo.DistributedVirtualPortgroup:
		return v.Name
	case *mo.OpaqueNetwork:
		return v.Name
	case mo.Entity:
		return v.Entity().Name
	}
	return ""
}
