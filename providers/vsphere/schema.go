package vsphere

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/enclave-dev/enclave/providers"
)

// Name is the provider type name used in provider blocks.
const Name = "vsphere"

func str(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Optional: true, Description: desc}
}

func reqStr(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Required: true, Description: desc}
}

func computedStr(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Computed: true, Description: desc}
}

func forceNew(a *providers.Attribute) *providers.Attribute { a.ForceNew = true; return a }

func withDefault(a *providers.Attribute, v any) *providers.Attribute { a.Default = v; return a }

func oneOf(a *providers.Attribute, vals ...string) *providers.Attribute { a.OneOf = vals; return a }

func num(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.Number, Optional: true, Description: desc}
}

func boolean(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.Bool, Optional: true, Description: desc}
}

var idAttr = computedStr("managed object reference of the object (e.g. domain-c7, vm-42)")

var sharesLevels = []string{"low", "normal", "high"}

func providerSchema() *providers.Schema {
	return &providers.Schema{
		Description: "a vCenter Server reached over its SOAP SDK",
		Attributes: map[string]*providers.Attribute{
			"url":        reqStr("SDK endpoint, e.g. https://vcenter.example/sdk"),
			"username":   reqStr("vCenter user"),
			"password":   {Type: cty.String, Required: true, Sensitive: true, Description: "vCenter password"},
			"ca_file":    str("PEM file of the CA that signed vCenter's certificate (relative to the enclave directory)"),
			"thumbprint": str(`pinned SHA-256 fingerprint of vCenter's certificate, "sha256:HEX" or colon-separated hex`),
			"insecure":   withDefault(boolean("skip certificate verification (loud opt-in, warned on every run)"), false),
		},
	}
}

func resourceSchemas() map[string]*providers.ResourceSchema {
	return map[string]*providers.ResourceSchema{
		"vsphere_datacenter": {
			ImportHelp: "inventory path, e.g. /DC0",
			Schema: providers.Schema{
				Description: "a datacenter",
				Attributes: map[string]*providers.Attribute{
					"id":   idAttr,
					"name": reqStr("datacenter name (renamed in place)"),
				},
			},
		},
		"vsphere_compute_cluster": {
			ImportHelp: "inventory path, e.g. /DC0/host/hci",
			Schema: providers.Schema{
				Description: "a host cluster with HA and DRS settings",
				Attributes: map[string]*providers.Attribute{
					"id":                         idAttr,
					"name":                       reqStr("cluster name (renamed in place)"),
					"datacenter_id":              forceNew(reqStr("datacenter id")),
					"ha_enabled":                 withDefault(boolean("vSphere HA"), false),
					"ha_host_failures_tolerated": withDefault(num("HA admission control: host failures the cluster tolerates"), int64(1)),
					"ha_admission_control":       withDefault(boolean("HA admission control enabled"), true),
					"drs_enabled":                withDefault(boolean("vSphere DRS"), false),
					"drs_automation_level": oneOf(withDefault(str("DRS automation level"), "manual"),
						"manual", "partiallyAutomated", "fullyAutomated"),
					"resource_pool_id": computedStr("the cluster's root resource pool"),
				},
			},
		},
		"vsphere_host": {
			ImportHelp: "inventory path, e.g. /DC0/host/hci/esx1.example",
			Schema: providers.Schema{
				Description: "an ESXi host added to a cluster",
				Attributes: map[string]*providers.Attribute{
					"id":               idAttr,
					"hostname":         forceNew(reqStr("host name or address vCenter connects to")),
					"cluster_id":       reqStr("cluster the host belongs to (moved in place)"),
					"username":         reqStr("ESXi user vCenter connects as"),
					"password":         {Type: cty.String, Required: true, Sensitive: true, Description: "ESXi password"},
					"thumbprint":       str("SSL thumbprint of the host's certificate"),
					"maintenance_mode": withDefault(boolean("host in maintenance mode"), false),
					"cpu_cores":        {Type: cty.Number, Computed: true, Description: "physical CPU cores"},
					"memory_mb":        {Type: cty.Number, Computed: true, Description: "physical memory in MiB"},
				},
			},
		},
		"vsphere_distributed_switch": {
			ImportHelp: "inventory path, e.g. /DC0/network/dvs-hci",
			Schema: providers.Schema{
				Description: "a vSphere distributed switch",
				Attributes: map[string]*providers.Attribute{
					"id":            idAttr,
					"name":          reqStr("switch name (renamed in place)"),
					"datacenter_id": forceNew(reqStr("datacenter id")),
					"host_ids":      {Type: cty.Set(cty.String), Optional: true, Description: "member hosts"},
					"uplinks":       {Type: cty.List(cty.String), Optional: true, Computed: true, Description: "uplink port names"},
					"mtu":           withDefault(num("maximum MTU"), int64(1500)),
				},
			},
		},
		"vsphere_distributed_port_group": {
			ImportHelp: "inventory path, e.g. /DC0/network/pg-mail",
			Schema: providers.Schema{
				Description: "a distributed port group",
				Attributes: map[string]*providers.Attribute{
					"id":        idAttr,
					"name":      reqStr("port group name (renamed in place)"),
					"switch_id": forceNew(reqStr("distributed switch id")),
					"vlan_id":   withDefault(num("access VLAN (0: none)"), int64(0)),
					"key":       computedStr("port group key, as VM network backings name it"),
				},
			},
		},
		"vsphere_nas_datastore": {
			Destructive: true,
			ImportHelp:  "inventory path, e.g. /DC0/datastore/nfs-mail",
			Schema: providers.Schema{
				Description: "an NFS datastore mounted on hosts",
				Attributes: map[string]*providers.Attribute{
					"id":           idAttr,
					"name":         reqStr("datastore name (renamed in place)"),
					"host_ids":     {Type: cty.Set(cty.String), Required: true, Description: "hosts that mount it (mounted and unmounted in place)"},
					"remote_hosts": {Type: cty.List(cty.String), Required: true, ForceNew: true, Description: "NFS servers"},
					"remote_path":  forceNew(reqStr("exported path")),
					"type":         forceNew(oneOf(withDefault(str("NFS version"), "NFS"), "NFS", "NFS41")),
					"access_mode":  forceNew(oneOf(withDefault(str("mount access mode"), "readWrite"), "readWrite", "readOnly")),
				},
			},
		},
		"vsphere_resource_pool": {
			ImportHelp: "inventory path, e.g. /DC0/host/hci/Resources/mail",
			Schema: providers.Schema{
				Description: "a resource pool; allocations change in place",
				Attributes: map[string]*providers.Attribute{
					"id":                    idAttr,
					"name":                  reqStr("pool name (renamed in place)"),
					"parent_id":             forceNew(reqStr("parent resource pool id or cluster id")),
					"cpu_shares":            oneOf(withDefault(str("CPU shares level"), "normal"), sharesLevels...),
					"cpu_reservation":       withDefault(num("CPU reservation in MHz"), int64(0)),
					"cpu_expandable":        withDefault(boolean("CPU reservation may grow from the parent"), true),
					"cpu_limit":             withDefault(num("CPU limit in MHz (-1: unlimited)"), int64(-1)),
					"memory_shares":         oneOf(withDefault(str("memory shares level"), "normal"), sharesLevels...),
					"memory_reservation_mb": withDefault(num("memory reservation in MiB"), int64(0)),
					"memory_expandable":     withDefault(boolean("memory reservation may grow from the parent"), true),
					"memory_limit_mb":       withDefault(num("memory limit in MiB (-1: unlimited)"), int64(-1)),
				},
			},
		},
		"vsphere_folder": {
			ImportHelp: "inventory path, e.g. /DC0/vm/mail",
			Schema: providers.Schema{
				Description: "an inventory folder",
				Attributes: map[string]*providers.Attribute{
					"id":            idAttr,
					"path":          reqStr("path below the datacenter's root folder of this type, e.g. mail/prod (renamed or moved in place)"),
					"type":          forceNew(oneOf(reqStr("folder type"), "vm", "host", "datastore", "network")),
					"datacenter_id": forceNew(reqStr("datacenter id")),
				},
			},
		},
		"vsphere_virtual_machine": {
			Destructive: true,
			ImportHelp:  "inventory path, e.g. /DC0/vm/mail/mx1",
			Schema: providers.Schema{
				Description: "a virtual machine; CPU, memory, disks growing, NICs and power change in place",
				Attributes: map[string]*providers.Attribute{
					"id":               idAttr,
					"name":             reqStr("VM name (renamed in place)"),
					"resource_pool_id": reqStr("resource pool (moved in place)"),
					"datastore_id":     forceNew(reqStr("datastore of the VM's files and disks")),
					"folder":           withDefault(str("VM folder path below the datacenter's vm folder (moved in place)"), ""),
					"num_cpus":         withDefault(num("virtual CPUs"), int64(1)),
					"memory_mb":        withDefault(num("memory in MiB"), int64(1024)),
					"guest_id":         withDefault(str("guest OS identifier"), "otherGuest64"),
					"power_state":      oneOf(withDefault(str("power state"), "on"), "on", "off"),
					"annotation":       withDefault(str("notes"), ""),
					"uuid":             computedStr("BIOS UUID"),
				},
				Blocks: map[string]*providers.Block{
					"disk": {
						Nesting: providers.NestingList,
						Ordered: true,
						Schema: providers.Schema{
							Description: "a virtual disk, in unit order; grows in place, never shrinks",
							Attributes: map[string]*providers.Attribute{
								"label":   reqStr("name for the disk (kept in state)"),
								"size_gb": {Type: cty.Number, Required: true, Description: "size in GiB"},
								"thin":    withDefault(boolean("thin provisioned (fixed once the disk exists)"), true),
							},
						},
					},
					"network_interface": {
						Nesting: providers.NestingList,
						Ordered: true,
						Schema: providers.Schema{
							Description: "a vmxnet3 NIC on a port group or standard network",
							Attributes: map[string]*providers.Attribute{
								"network_id": reqStr("port group or network id"),
							},
						},
					},
				},
			},
		},
	}
}

func lookupSchema(desc string, dc bool, extra map[string]*providers.Attribute) *providers.Schema {
	s := &providers.Schema{
		Description: desc,
		Attributes: map[string]*providers.Attribute{
			"id":   idAttr,
			"name": reqStr("name to look up"),
		},
	}
	if dc {
		s.Attributes["datacenter_id"] = str("datacenter to search (required when the name is not unique)")
	}
	for k, v := range extra {
		s.Attributes[k] = v
	}
	return s
}

func dataSchemas() map[string]*providers.Schema {
	return map[string]*providers.Schema{
		"vsphere_datacenter": lookupSchema("a datacenter by name", false, nil),
		"vsphere_compute_cluster": lookupSchema("a cluster by name", true, map[string]*providers.Attribute{
			"resource_pool_id": computedStr("the cluster's root resource pool"),
		}),
		"vsphere_host": lookupSchema("a host by name", true, map[string]*providers.Attribute{
			"cluster_id": computedStr("the host's cluster (empty for standalone hosts)"),
			"cpu_cores":  {Type: cty.Number, Computed: true},
			"memory_mb":  {Type: cty.Number, Computed: true},
		}),
		"vsphere_datastore": lookupSchema("a datastore by name", true, map[string]*providers.Attribute{
			"type": computedStr("datastore type (VMFS, NFS, NFS41, vsan)"),
		}),
		"vsphere_network": lookupSchema("a standard network or distributed port group by name", true, map[string]*providers.Attribute{
			"type": computedStr("Network, DistributedVirtualPortgroup or OpaqueNetwork"),
		}),
	}
}
