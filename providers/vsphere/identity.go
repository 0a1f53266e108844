package vsphere

import (
	"context"
	"fmt"
	"path"

	"github.com/vmware/govmomi/vim25/mo"

	"github.com/enclave-dev/enclave/providers"
)

// identityAttrs are, per type, the attributes that make an object the one a create of those
// values makes: its name and where it lives. A lookup by identity (a refresh request with no
// id) finds an object whose identity attributes all match the planned values that are set.
var identityAttrs = map[string][]string{
	"vsphere_datacenter":             {"name"},
	"vsphere_compute_cluster":        {"name", "datacenter_id"},
	"vsphere_host":                   {"hostname"},
	"vsphere_distributed_switch":     {"name", "datacenter_id"},
	"vsphere_distributed_port_group": {"name", "switch_id"},
	"vsphere_nas_datastore":          {"name"},
	"vsphere_resource_pool":          {"name", "parent_id"},
	"vsphere_folder":                 {"path", "type", "datacenter_id"},
	"vsphere_virtual_machine":        {"name", "resource_pool_id"},
}

// findByIdentity looks, in the run's inventory (already loaded for the refresh: no further
// round trip per object), for the one object of typ that planned would create. Candidates are
// the objects of that kind bearing the name; each is read and its identity attributes
// compared. nil when there is none; an error when several match.
func (p *Provider) findByIdentity(ctx context.Context, inv *inventory, typ string, planned providers.Object) (providers.Object, error) {
	kind, ok := kindFor[typ]
	if !ok {
		return nil, fmt.Errorf("unknown resource type %s", typ)
	}
	name := providers.String(planned, "name")
	switch typ {
	case "vsphere_host":
		name = providers.String(planned, "hostname")
	case "vsphere_folder":
		name = path.Base(providers.String(planned, "path"))
	}
	if name == "" {
		return nil, nil
	}
	all, err := inv.all(ctx, kind)
	if err != nil {
		return nil, err
	}
	var found providers.Object
	for _, o := range all {
		e, ok := o.(mo.Entity)
		if !ok || e.Entity().Name != name {
			continue
		}
		cur, err := p.read(ctx, inv, typ, e.Reference().Value, planned)
		if err != nil || cur == nil {
			continue
		}
		if !sameIdentity(typ, planned, cur) {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("more than one %s is named %q there", kind, name)
		}
		found = cur
	}
	return found, nil
}

func sameIdentity(typ string, planned, cur providers.Object) bool {
	for _, a := range identityAttrs[typ] {
		want, ok := planned[a]
		if !ok || want == nil {
			continue
		}
		if fmt.Sprint(want) != fmt.Sprint(cur[a]) {
			return false
		}
	}
	return true
}
