package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/enclave-dev/enclave/internal/reach"
	"github.com/enclave-dev/enclave/plans"
	"github.com/zclconf/go-cty/cty"
)

// reachAttrs are, per resource type, the attributes that decide what an SRX lets through.
// Another attribute of these types (interfaces, log, inactivity_timeout) changes no decision.
var reachAttrs = map[string][]string{
	"junos_security_zone":     {"name", "address", "address_set"},
	"junos_address_book":      {"name", "address", "address_set"},
	"junos_application":       {"name", "protocol", "destination_port", "source_port"},
	"junos_security_policies": {"from_zone", "to_zone", "policy"},
}

// planReachability computes, for every Junos provider instance whose security zones, address
// books, applications or policies the plan changes, the flows the plan newly permits and
// newly denies (internal/reach). all holds every instance the plan looked at (no-ops
// included); kept is what the plan will apply (after --target). Both sides are taken from the
// plan's own records, never from a device: before is what refresh read (Before), after is
// what the plan makes of it (After for the changes it applies, Before for those it leaves),
// so re-deriving a plan from its file gives the same result. A device whose change alters no
// decision is left out.
func planReachability(all map[string]*plans.ResourceChange, kept []plans.ResourceChange) []plans.DeviceReachability {
	applied := map[string]bool{}
	devices := map[string]bool{}
	for _, c := range kept {
		if _, ok := reachAttrs[c.Type]; ok && c.Mode == "managed" {
			applied[c.Addr] = true
			if c.Action != plans.NoOp && c.Action != plans.Read {
				devices[c.Provider] = true
			}
		}
	}
	var out []plans.DeviceReachability
	for _, dev := range keysOf(devices) {
		var addrs []string
		for addr, c := range all {
			if _, ok := reachAttrs[c.Type]; ok && c.Mode == "managed" && c.Provider == dev {
				addrs = append(addrs, addr)
			}
		}
		sort.Strings(addrs)
		var before, after []reach.Resource
		var unknown []string
		for _, addr := range addrs {
			c := all[addr]
			if c.Before != nil {
				before = append(before, reach.Resource{Type: c.Type, Values: c.Before})
			}
			switch {
			case !applied[addr]:
				if c.Before != nil {
					after = append(after, reach.Resource{Type: c.Type, Values: c.Before})
				}
			case c.Action == plans.NoOp:
				after = append(after, reach.Resource{Type: c.Type, Values: c.Before})
			case c.After != nil:
				for _, a := range c.AfterUnknown {
					if slices.Contains(reachAttrs[c.Type], a) {
						unknown = append(unknown, addr+"."+a)
					}
				}
				after = append(after, reach.Resource{Type: c.Type, Values: c.After})
			}
		}
		d := plans.DeviceReachability{Device: dev}
		if len(unknown) > 0 {
			d.NotComputed = strings.Join(unknown, ", ") + " known only after apply"
			out = append(out, d)
			continue
		}
		res, err := deviceDiff(before, after)
		if err != nil {
			d.NotComputed = err.Error()
			out = append(out, d)
			continue
		}
		if !res.Changed() {
			continue
		}
		anyToAny := res.OpensAnyToAny()
		for _, b := range res.Opens {
			d.Opens = append(d.Opens, flowOf(b, anyToAny))
		}
		for _, b := range res.Closes {
			d.Closes = append(d.Closes, flowOf(b, nil))
		}
		out = append(out, d)
	}
	return out
}

func deviceDiff(before, after []reach.Resource) (reach.Result, error) {
	cb, err := reach.FromResources(before)
	if err != nil {
		return reach.Result{}, fmt.Errorf("before: %w", err)
	}
	ca, err := reach.FromResources(after)
	if err != nil {
		return reach.Result{}, fmt.Errorf("after: %w", err)
	}
	return reach.Diff(cb, ca)
}

// flowOf is a box as plans record it. It is marked any-to-any when its service overlaps one
// that its zone pair permits from every source to every destination after the change and
// not before (reach.Result.OpensAnyToAny): then some of its flows are part of that opening.
func flowOf(b reach.Box, anyToAny []reach.Box) plans.Flow {
	f := plans.Flow{
		FromZone: b.From, ToZone: b.To,
		Protocols: numberRanges(b.Protocols), Ports: numberRanges(b.DestinationPorts), SourcePorts: numberRanges(b.SourcePorts),
		Service: b.Service(), Text: b.String(),
	}
	for _, p := range b.Sources {
		f.Sources = append(f.Sources, p.String())
	}
	for _, p := range b.Destinations {
		f.Destinations = append(f.Destinations, p.String())
	}
	for _, a := range anyToAny {
		if a.From == b.From && a.To == b.To && overlap(a.Protocols, b.Protocols) &&
			overlap(a.DestinationPorts, b.DestinationPorts) && overlap(a.SourcePorts, b.SourcePorts) {
			f.AnyToAny = true
		}
	}
	return f
}

func numberRanges(rs []reach.Range) []plans.NumberRange {
	out := make([]plans.NumberRange, len(rs))
	for i, r := range rs {
		out[i] = plans.NumberRange{First: int(r.First), Last: int(r.Last)}
	}
	return out
}

// overlap reports whether two ascending range lists share a value.
func overlap(a, b []reach.Range) bool {
	for _, x := range a {
		for _, y := range b {
			if x.First <= y.Last && y.First <= x.Last {
				return true
			}
		}
	}
	return false
}

// The reachability object policies see (docs/reachability.md):
//
//	reachability.opens    every flow the plan newly permits, on every device
//	reachability.closes   every flow it newly denies
//	reachability.devices  by device ("junos.srx"): { opens, closes }
//
// Each flow is an object: device, from_zone, to_zone, sources, destinations (IPv4 prefixes,
// 0.0.0.0/0 for any), protocols, ports, source_ports (lists of {first, last}), service,
// any_to_any and text. When a device's reachability could not be computed, its lists and the
// plan-wide ones are unknown, so a policy that reads them is not decided.
var (
	rangeType = cty.Object(map[string]cty.Type{"first": cty.Number, "last": cty.Number})
	flowType  = cty.Object(map[string]cty.Type{
		"device": cty.String, "from_zone": cty.String, "to_zone": cty.String,
		"sources": cty.List(cty.String), "destinations": cty.List(cty.String),
		"protocols": cty.List(rangeType), "ports": cty.List(rangeType), "source_ports": cty.List(rangeType),
		"service": cty.String, "any_to_any": cty.Bool, "text": cty.String,
	})
	deviceReachType = cty.Object(map[string]cty.Type{"opens": cty.List(flowType), "closes": cty.List(flowType)})
)

// reachabilityValue is the plan's reachability as policies see it.
func reachabilityValue(rs []plans.DeviceReachability) cty.Value {
	flows := func(dev string, fs []plans.Flow) []cty.Value {
		var out []cty.Value
		for _, f := range fs {
			out = append(out, flowValue(dev, f))
		}
		return out
	}
	list := func(vs []cty.Value) cty.Value {
		if len(vs) == 0 {
			return cty.ListValEmpty(flowType)
		}
		return cty.ListVal(vs)
	}
	var opens, closes []cty.Value
	devices := map[string]cty.Value{}
	known := true
	for _, d := range rs {
		if d.NotComputed != "" {
			known = false
			devices[d.Device] = cty.ObjectVal(map[string]cty.Value{"opens": cty.UnknownVal(cty.List(flowType)), "closes": cty.UnknownVal(cty.List(flowType))})
			continue
		}
		o, c := flows(d.Device, d.Opens), flows(d.Device, d.Closes)
		opens, closes = append(opens, o...), append(closes, c...)
		devices[d.Device] = cty.ObjectVal(map[string]cty.Value{"opens": list(o), "closes": list(c)})
	}
	ov, cv := list(opens), list(closes)
	if !known {
		ov, cv = cty.UnknownVal(cty.List(flowType)), cty.UnknownVal(cty.List(flowType))
	}
	dv := cty.MapValEmpty(deviceReachType)
	if len(devices) > 0 {
		dv = cty.MapVal(devices)
	}
	return cty.ObjectVal(map[string]cty.Value{"opens": ov, "closes": cv, "devices": dv})
}

func flowValue(dev string, f plans.Flow) cty.Value {
	strs := func(ss []string) cty.Value {
		if len(ss) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		vs := make([]cty.Value, len(ss))
		for i, s := range ss {
			vs[i] = cty.StringVal(s)
		}
		return cty.ListVal(vs)
	}
	ranges := func(rs []plans.NumberRange) cty.Value {
		if len(rs) == 0 {
			return cty.ListValEmpty(rangeType)
		}
		vs := make([]cty.Value, len(rs))
		for i, r := range rs {
			vs[i] = cty.ObjectVal(map[string]cty.Value{"first": cty.NumberIntVal(int64(r.First)), "last": cty.NumberIntVal(int64(r.Last))})
		}
		return cty.ListVal(vs)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"device": cty.StringVal(dev), "from_zone": cty.StringVal(f.FromZone), "to_zone": cty.StringVal(f.ToZone),
		"sources": strs(f.Sources), "destinations": strs(f.Destinations),
		"protocols": ranges(f.Protocols), "ports": ranges(f.Ports), "source_ports": ranges(f.SourcePorts),
		"service": cty.StringVal(f.Service), "any_to_any": cty.BoolVal(f.AnyToAny), "text": cty.StringVal(f.Text),
	})
}

// reachNotComputed names the devices whose reachability could not be computed, and why.
func reachNotComputed(rs []plans.DeviceReachability) string {
	var parts []string
	for _, d := range rs {
		if d.NotComputed != "" {
			parts = append(parts, d.Device+": "+d.NotComputed)
		}
	}
	return strings.Join(parts, "; ")
}

// securityZones are the zone names the plan's Junos security resources name, before or after:
// the zones an approval rule's opens_into and opens_from can mean.
func securityZones(changes map[string]*plans.ResourceChange) map[string]bool {
	out := map[string]bool{}
	for _, c := range changes {
		for _, v := range []map[string]any{c.Before, c.After} {
			switch c.Type {
			case "junos_security_zone":
				if s, ok := v["name"].(string); ok {
					out[s] = true
				}
			case "junos_security_policies":
				for _, k := range []string{"from_zone", "to_zone"} {
					if s, ok := v[k].(string); ok {
						out[s] = true
					}
				}
			}
		}
	}
	return out
}
