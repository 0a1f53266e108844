package junossim

import (
	"fmt"
	"strings"
	"time"
)

// The hardware the simulator claims to be. The "srx" personality is a two-node SRX345
// chassis cluster (cluster-id 1, node0 primary of every redundancy group, the NETCONF
// session on node0), the shape of the project's reference firewall; the "ex" personality is
// a standalone EX4300-48T with one routing engine. Operational answers (show version, show
// chassis hardware, show chassis routing-engine, show chassis cluster status) come from here.

type hardware struct {
	model     string // product-model and hardware-model, as Junos prints it: srx345
	chassis   string // the chassis description in `show chassis hardware`: SRX345
	reModel   string // the routing engine's model: RE-SRX345
	rePart    string // the routing engine's part number
	osName    string // os-name (the "Family:" of show system information)
	clusterID int    // 0 for a standalone device
	nodes     []hwNode
}

// hwNode is one chassis: a cluster node, or the device itself when standalone.
type hwNode struct {
	name   string // node0, node1; "" when standalone
	serial string
}

// clustered reports whether the device is a chassis cluster (its operational answers are
// then per node, inside <multi-routing-engine-results>).
func (h *hardware) clustered() bool { return h.clusterID != 0 }

func newHardware(personality string) *hardware {
	if personality == "ex" {
		return &hardware{
			model: "ex4300-48t", chassis: "EX4300-48T", reModel: "EX4300-48T", rePart: "650-044930",
			osName: "junos-ex",
			nodes:  []hwNode{{serial: "JNSIMEX00001"}},
		}
	}
	return &hardware{
		model: "srx345", chassis: "SRX345", reModel: "RE-SRX345", rePart: "650-065042",
		osName: "junos-es", clusterID: 1,
		nodes: []hwNode{{name: "node0", serial: "JNSIMSRX0001"}, {name: "node1", serial: "JNSIMSRX0002"}},
	}
}

// local is the chassis the NETCONF session runs on (node0, the primary, on a cluster).
func (h *hardware) local() hwNode { return h.nodes[0] }

// iriAddresses are the addresses of the routing engine's internal interface in the
// __juniper_private1__ routing instance: on a standalone device the single-chassis
// 128.0.0.x names of /etc/hosts.junos (master, re0); on an SRX cluster node the em0 control
// link addresses, whose second octet is the cluster id shifted by four and whose first
// says the node (129 node0, 130 node1) plus 143 for the primary (PyEZ's current_re.py
// decodes them the same way).
func (h *hardware) iriAddresses() (ifName string, addrs []string) {
	if !h.clustered() {
		return "lo0.16385", []string{"128.0.0.1", "128.0.0.4"}
	}
	oct := h.clusterID << 4
	return "em0.0", []string{fmt.Sprintf("129.%d.0.1/2", oct), fmt.Sprintf("143.%d.0.1/2", oct)}
}

// hostsJunos is the head of /etc/hosts.junos: the internal routing instance's names for a
// single chassis (the full file also lists multichassis names the simulator never uses).
const hostsJunos = `#
# File mapping AF_INET/AF_INET6 hostnames for REs on Single and Multichassis
# systems
#
# The IP addresses in this file are only used for communication between REs
# over the Internal Routing Instances
#

#
# Single Chassis Hostnames
#

128.0.0.1        master
128.0.0.1        node
128.0.0.1        fwdd
128.0.0.1        member
128.0.0.1        pfem
128.0.0.4        re0
128.0.0.5        re1
128.0.0.6        backup
`

// upTime writes a duration as Junos does in show chassis routing-engine:
// "3 days, 21 hours, 24 minutes, 38 seconds", leading zero units left out.
func upTime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	parts := []struct {
		n    int64
		unit string
	}{{s / 86400, "day"}, {s % 86400 / 3600, "hour"}, {s % 3600 / 60, "minute"}, {s % 60, "second"}}
	var out []string
	for i, p := range parts {
		if p.n == 0 && len(out) == 0 && i < len(parts)-1 {
			continue
		}
		u := p.unit
		if p.n != 1 {
			u += "s"
		}
		out = append(out, fmt.Sprintf("%d %s", p.n, u))
	}
	return strings.Join(out, ", ")
}
