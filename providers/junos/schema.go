package junos

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/enclave-dev/enclave/providers"
)

func str(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Optional: true, Description: desc}
}

func reqStr(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Required: true, Description: desc}
}

func key(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Required: true, ForceNew: true, Description: desc}
}

func num(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.Number, Optional: true, Description: desc}
}

func boolAttr(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.Bool, Optional: true, Default: false, Description: desc}
}

func strList(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.List(cty.String), Optional: true, Description: desc}
}

func strSet(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.Set(cty.String), Optional: true, Description: desc}
}

func idAttr(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Computed: true, Description: desc}
}

func attrs(m map[string]*providers.Attribute) map[string]*providers.Attribute { return m }

func listBlock(desc string, a map[string]*providers.Attribute, blocks map[string]*providers.Block) *providers.Block {
	return &providers.Block{Nesting: providers.NestingList, Schema: providers.Schema{Description: desc, Attributes: a, Blocks: blocks}}
}

// providerSchema is the provider block.
func providerSchema() *providers.Schema {
	return &providers.Schema{
		Description: "One Junos device (SRX or EX) reached over NETCONF on SSH.",
		Attributes: attrs(map[string]*providers.Attribute{
			"host":     reqStr("Device address or name."),
			"port":     {Type: cty.Number, Optional: true, Default: int64(830), Description: "NETCONF over SSH port."},
			"username": reqStr("SSH user."),
			"private_key_file": str("SSH private key (unencrypted); \"~\" is expanded, relative paths are " +
				"relative to the enclave directory."),
			"password":         {Type: cty.String, Optional: true, Sensitive: true, Description: "SSH password (alternative to private_key_file)."},
			"known_hosts_file": str("known_hosts file holding the device's host key (default ~/.ssh/known_hosts). Host keys are always verified."),
			"host_key":         str("The device's public host key line (\"ssh-ed25519 AAAA...\"), pinned instead of known_hosts_file."),
			"commit_confirm_minutes": {Type: cty.Number, Optional: true, Default: int64(5),
				Description: "Minutes the device waits for the confirming commit before rolling itself back."},
			"timeout_seconds": {Type: cty.Number, Optional: true, Default: int64(30),
				Description: "Deadline for connecting and for each RPC, commits included; a device that does not answer in time " +
					"is an error and the session is closed. A large chassis cluster can take over a minute to commit: raise it there."},
		}),
	}
}

// resourceSchemas declares every Junos resource type. Every type's id is its natural key.
func resourceSchemas() map[string]*providers.ResourceSchema {
	unit := listBlock("A logical unit.", attrs(map[string]*providers.Attribute{
		"id":          {Type: cty.Number, Required: true, Description: "Unit number."},
		"vlan_id":     num("802.1Q tag; the interface gets vlan-tagging when any unit has one."),
		"description": str("Unit description."),
		"addresses":   strList("Addresses with prefix length (family inet, or inet6 for IPv6); IPv4 are listed before IPv6."),
	}), map[string]*providers.Block{
		"switching": {Nesting: providers.NestingSingle, Schema: providers.Schema{
			Description: "family ethernet-switching (EX).",
			Attributes: attrs(map[string]*providers.Attribute{
				"mode":  {Type: cty.String, Optional: true, OneOf: []string{"access", "trunk"}, Description: "interface-mode."},
				"vlans": strSet("VLAN names (vlan members)."),
			}),
		}},
	})
	address := listBlock("An address-book address.", attrs(map[string]*providers.Attribute{
		"name":   reqStr("Address name."),
		"prefix": reqStr("IP prefix, e.g. 10.0.0.0/24."),
	}), nil)
	addressSet := listBlock("An address set.", attrs(map[string]*providers.Attribute{
		"name":      reqStr("Set name."),
		"addresses": strSet("Member address names."),
	}), nil)
	policy := listBlock("A policy; order is evaluation order.", attrs(map[string]*providers.Attribute{
		"name":                reqStr("Policy name."),
		"source_address":      {Type: cty.List(cty.String), Required: true, Description: "match source-address (\"any\" for all)."},
		"destination_address": {Type: cty.List(cty.String), Required: true, Description: "match destination-address."},
		"application":         {Type: cty.List(cty.String), Required: true, Description: "match application (e.g. junos-ssh, any)."},
		"action":              {Type: cty.String, Required: true, OneOf: []string{"permit", "deny", "reject"}, Description: "then action."},
		"log":                 boolAttr("Log at session close."),
	}), nil)
	policy.Ordered = true

	return map[string]*providers.ResourceSchema{
		TypeInterface: {ImportHelp: "the interface name, e.g. reth1 or ge-0/0/3", Schema: providers.Schema{
			Description: "An interface stanza ([edit interfaces NAME]), replaced whole on every change.",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":               idAttr("The interface name."),
				"name":             key("ge-0/0/0, reth0, ae0, irb, ..."),
				"description":      str("Interface description."),
				"mtu":              num("MTU."),
				"redundancy_group": num("reth only: chassis cluster redundancy group."),
				"lacp":             {Type: cty.String, Optional: true, OneOf: []string{"active", "passive"}, Description: "ae/reth only: LACP mode."},
				"member_of":        str("Parent bundle: a reth (gigether-options redundant-parent) or an ae (ether-options 802.3ad)."),
			}),
			Blocks: map[string]*providers.Block{"unit": unit},
		}},
		TypeChassisCluster: {ImportHelp: "chassis-cluster", Schema: providers.Schema{
			Description: "SRX chassis cluster settings ([edit chassis cluster]); one per device.",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":         idAttr("Always \"chassis-cluster\"."),
				"reth_count": num("Number of redundant Ethernet interfaces."),
			}),
			Blocks: map[string]*providers.Block{"redundancy_group": listBlock("A redundancy group.", attrs(map[string]*providers.Attribute{
				"id":             {Type: cty.Number, Required: true, Description: "Group number (0 is the control plane)."},
				"node0_priority": num("Priority of node 0."),
				"node1_priority": num("Priority of node 1."),
				"preempt":        boolAttr("Preempt: the higher priority node takes over when it comes back."),
			}), nil)},
		}},
		TypeSecurityZone: {ImportHelp: "the zone name", Schema: providers.Schema{
			Description: "A security zone ([edit security zones security-zone NAME]) with its address book.",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":              idAttr("The zone name."),
				"name":            key("Zone name."),
				"interfaces":      strSet("Logical interfaces in the zone (ge-0/0/3.0)."),
				"system_services": strSet("host-inbound-traffic system-services (ssh, ping, all, ...)."),
				"protocols":       strSet("host-inbound-traffic protocols (bgp, ospf, ...)."),
			}),
			Blocks: map[string]*providers.Block{"address": address, "address_set": addressSet},
		}},
		TypeAddressBook: {ImportHelp: "the address book name, e.g. global", Schema: providers.Schema{
			Description: "A global address book ([edit security address-book NAME]).",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":   idAttr("The address book name."),
				"name": key("Address book name (global)."),
			}),
			Blocks: map[string]*providers.Block{"address": address, "address_set": addressSet},
		}},
		TypeApplication: {ImportHelp: "the application name", Schema: providers.Schema{
			Description: "A custom application ([edit applications application NAME]).",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":                 idAttr("The application name."),
				"name":               key("Application name."),
				"protocol":           str("tcp, udp, icmp or a protocol number."),
				"destination_port":   str("Port, range (1000-1010) or name."),
				"source_port":        str("Port, range or name."),
				"inactivity_timeout": num("Seconds."),
			}),
		}},
		TypeSecurityPolicies: {ImportHelp: "FROM>TO, e.g. trust>untrust", Schema: providers.Schema{
			Description: "All policies of one zone pair ([edit security policies from-zone F to-zone T]), in order.",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":        idAttr("FROM>TO."),
				"from_zone": key("From zone."),
				"to_zone":   key("To zone."),
			}),
			Blocks: map[string]*providers.Block{"policy": policy},
		}},
		TypeVLAN: {ImportHelp: "the VLAN name", Schema: providers.Schema{
			Description: "An EX VLAN ([edit vlans NAME]).",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":           idAttr("The VLAN name."),
				"name":         key("VLAN name."),
				"vlan_id":      num("802.1Q tag."),
				"l3_interface": str("irb unit, e.g. irb.120."),
				"description":  str("Description."),
			}),
		}},
		TypeStaticRoute: {ImportHelp: "DESTINATION, or INSTANCE/DESTINATION for a routing instance", Schema: providers.Schema{
			Description: "A static route ([edit routing-options static route D] or in a routing instance).",
			Attributes: attrs(map[string]*providers.Attribute{
				"id":               idAttr("DESTINATION or INSTANCE/DESTINATION."),
				"destination":      key("Destination prefix."),
				"next_hops":        {Type: cty.List(cty.String), Required: true, Description: "Next-hop addresses."},
				"routing_instance": {Type: cty.String, Optional: true, ForceNew: true, Description: "Routing instance (default: the master instance)."},
			}),
		}},
	}
}
