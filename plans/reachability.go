package plans

import (
	"slices"
	"strings"
)

// DeviceReachability is what a plan does to the traffic one Junos device lets through: the
// flows its security policies deny now and permit after the plan is applied (Opens), and the
// reverse (Closes). The engine computes it from the configuration alone, exactly, for every
// device whose security zones, address books, applications or policies the plan changes (see
// docs/reachability.md and internal/reach); a device whose change leaves every decision as it
// was has none.
type DeviceReachability struct {
	// Device is the provider instance: "junos.srx".
	Device string `json:"device"`
	Opens  []Flow `json:"opens,omitempty"`
	Closes []Flow `json:"closes,omitempty"`
	// NotComputed, when set, says why the difference could not be computed (a value known only
	// after apply, a name that does not resolve). Rules keyed on reachability then apply, since
	// nothing shows that they should not.
	NotComputed string `json:"not_computed,omitempty"`
}

// Flow is a set of flows of one zone pair: every combination of a source in Sources, a
// destination in Destinations, a protocol in Protocols, a destination port in Ports and a
// source port in SourcePorts. For ICMP, Ports are ICMP types and SourcePorts codes; for
// protocols without ports both cover everything.
type Flow struct {
	FromZone string `json:"from_zone"`
	ToZone   string `json:"to_zone"`
	// Sources and Destinations are IPv4 prefixes, the fewest that cover the set; 0.0.0.0/0
	// is every address.
	Sources      []string `json:"sources"`
	Destinations []string `json:"destinations"`
	// Protocols are IP protocol numbers (0-255 is every protocol), ascending.
	Protocols   []NumberRange `json:"protocols"`
	Ports       []NumberRange `json:"ports"`
	SourcePorts []NumberRange `json:"source_ports"`
	// Service is the protocols and ports as the text plan shows them: "tcp/443", "any".
	Service string `json:"service"`
	// AnyToAny marks a flow that is part of a service the zone pair permits, after the
	// change, from every source to every destination, and did not before (such a service may
	// be spread over several flows).
	AnyToAny bool `json:"any_to_any"`
	// Text is the flow on one line: "core -> hci: 10.1.0.0/24 -> 10.20.0.0/24 tcp/443".
	Text string `json:"text"`
}

// NumberRange is an inclusive range of protocol numbers or ports.
type NumberRange struct {
	First int `json:"first"`
	Last  int `json:"last"`
}

// ReachChanged reports whether the plan opens or closes anything on any device, or could not
// tell for one.
func (p *Plan) ReachChanged() bool {
	for _, d := range p.Reachability {
		if len(d.Opens) > 0 || len(d.Closes) > 0 || d.NotComputed != "" {
			return true
		}
	}
	return false
}

// hasReachCondition reports whether a rule applies only to plans whose reachability matches.
func (r Rule) hasReachCondition() bool { return len(r.OpensInto) > 0 || len(r.OpensFrom) > 0 }

// reachMatches reports whether the plan opens a flow the rule names: into one of OpensInto
// (or any zone when empty) and from one of OpensFrom (or any zone when empty), both on the
// same flow. A device whose reachability could not be computed matches: nothing shows that
// its change opens nothing.
func reachMatches(r Rule, reach []DeviceReachability) bool {
	for _, d := range reach {
		if d.NotComputed != "" {
			return true
		}
		for _, f := range d.Opens {
			if (len(r.OpensInto) == 0 || slices.Contains(r.OpensInto, f.ToZone)) &&
				(len(r.OpensFrom) == 0 || slices.Contains(r.OpensFrom, f.FromZone)) {
				return true
			}
		}
	}
	return false
}

// reachScope describes a rule's reachability condition: "opens from core into hci".
func reachScope(r Rule) string {
	if !r.hasReachCondition() {
		return ""
	}
	s := "opens"
	if len(r.OpensFrom) > 0 {
		s += " from " + strings.Join(r.OpensFrom, ", ")
	}
	if len(r.OpensInto) > 0 {
		s += " into " + strings.Join(r.OpensInto, ", ")
	}
	return s
}
