package vsphere

import (
	"context"
	"errors"
	"fmt"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/enclave-dev/enclave/providers"
)

// Apply makes one change (vSphere is not transactional) and reads the object back. When a
// create fails after the object came to exist (a VM created but not powered on), the result
// carries both the object as it now is and the error, so state tells the truth.
func (p *Provider) Apply(ctx context.Context, changes []providers.Change, pr providers.Progress) []providers.ChangeResult {
	out := make([]providers.ChangeResult, len(changes))
	for i, ch := range changes {
		out[i] = p.apply(ctx, ch, pr)
		// Every failure names the vCenter, even one found before any call was made.
		var perr *providers.Error
		if err := out[i].Err; err != nil && !errors.As(err, &perr) {
			out[i].Err = &providers.Error{Addr: ch.Addr, Device: p.device, Err: err}
		}
	}
	p.mu.Lock()
	p.inv = nil // the world changed: later lookups must read again
	p.mu.Unlock()
	return out
}

// change is one Change being applied, with the shared lookups it needs.
type change struct {
	providers.Change
	p   *Provider
	inv *inventory
	pr  providers.Progress
}

func (c *change) planned(k string) string { return providers.String(c.Planned, k) }
func (c *change) prior(k string) string   { return providers.String(c.Prior, k) }

// changed reports whether attribute k differs between prior and planned.
func (c *change) changed(k string) bool {
	return fmt.Sprint(c.Prior[k]) != fmt.Sprint(c.Planned[k])
}

func (c *change) run(ctx context.Context, call string, start func() (*object.Task, error)) (types.AnyType, error) {
	return c.p.run(ctx, c.Addr, call, c.pr, start)
}

func (c *change) fail(call string, err error) error { return c.p.callError(c.Addr, call, err) }

type applier interface {
	create(ctx context.Context, c *change) (string, error)
	update(ctx context.Context, c *change) error
	delete(ctx context.Context, c *change) error
}

var appliers = map[string]applier{
	"vsphere_datacenter":             datacenterApplier{},
	"vsphere_compute_cluster":        clusterApplier{},
	"vsphere_host":                   hostApplier{},
	"vsphere_distributed_switch":     switchApplier{},
	"vsphere_distributed_port_group": portGroupApplier{},
	"vsphere_nas_datastore":          nasApplier{},
	"vsphere_resource_pool":          poolApplier{},
	"vsphere_folder":                 folderApplier{},
	"vsphere_virtual_machine":        vmApplier{},
}

func (p *Provider) apply(ctx context.Context, ch providers.Change, pr providers.Progress) providers.ChangeResult {
	res := providers.ChangeResult{Addr: ch.Addr}
	if err := p.connected(); err != nil {
		res.Err = err
		return res
	}
	a, ok := appliers[ch.Type]
	if !ok {
		res.Err = fmt.Errorf("%s: unknown resource type %s", ch.Addr, ch.Type)
		return res
	}
	inv := newInventory(p.client)
	defer func() { _ = inv.close(context.WithoutCancel(ctx)) }()
	c := &change{Change: ch, p: p, inv: inv, pr: pr}

	var id string
	var err error
	switch ch.Action {
	case providers.Create:
		id, err = a.create(ctx, c)
	case providers.Update:
		id = c.prior("id")
		err = a.update(ctx, c)
	case providers.Delete:
		if err := a.delete(ctx, c); err != nil {
			res.New, res.Err = ch.Prior, err
			return res
		}
		return res
	default:
		res.Err = fmt.Errorf("%s: vsphere applies %s as delete then create", ch.Addr, ch.Action)
		return res
	}
	if id == "" {
		res.Err = err
		return res
	}
	// Read back what vCenter now has, from a fresh look (the inventory above may hold
	// objects as they were before the change).
	back := newInventory(p.client)
	defer func() { _ = back.close(context.WithoutCancel(ctx)) }()
	cur, rerr := p.read(ctx, back, ch.Type, id, ch.Planned)
	switch {
	case rerr != nil:
		res.New, res.Uncertain = ch.Prior, true
		if res.New == nil {
			res.New = providers.Object{"id": id}
		}
		if err == nil {
			err = &providers.Error{Addr: ch.Addr, Device: p.device, Call: "RetrievePropertiesEx", Err: fmt.Errorf("%s: read back: %w", ch.Addr, rerr)}
		}
	case cur == nil && err == nil:
		err = &providers.Error{Addr: ch.Addr, Device: p.device, Call: "RetrievePropertiesEx", Err: fmt.Errorf("%s: %s vanished right after %s", ch.Addr, id, ch.Action)}
	default:
		res.New = cur
	}
	res.Err = err
	return res
}

// moRef turns an id from configuration into a typed reference, checking the type.
func (c *change) moRef(ctx context.Context, attr, id string, want ...string) (types.ManagedObjectReference, error) {
	if id == "" {
		return types.ManagedObjectReference{}, fmt.Errorf("%s: %s is empty", c.Addr, attr)
	}
	r := moref(id)
	if r.Type == "DistributedVirtualSwitch" {
		dvs, err := c.p.switchRef(ctx, c.inv, id)
		if err != nil {
			return r, err
		}
		if dvs == nil {
			return r, fmt.Errorf("%s: %s: no distributed switch %s", c.Addr, attr, id)
		}
		r = *dvs
	}
	for _, w := range want {
		if kindOf(r.Type) == w {
			return r, nil
		}
	}
	if len(want) > 0 {
		return r, fmt.Errorf("%s: %s = %q is not the id of a %v", c.Addr, attr, id, want)
	}
	return r, nil
}
