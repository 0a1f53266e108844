package ontap

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/enclave-dev/enclave/providers"
)

// Resource and data source type names.
const (
	typeSVM            = "ontap_svm"
	typeInterface      = "ontap_network_interface"
	typeVolume         = "ontap_volume"
	typeExportPolicy   = "ontap_export_policy"
	typeSnapshotPolicy = "ontap_snapshot_policy"
	typeSnapMirror     = "ontap_snapmirror"
	typeAggregate      = "ontap_aggregate"
)

func str0(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Optional: true, Computed: true, Description: desc}
}

func req(desc string) *providers.Attribute {
	return &providers.Attribute{Type: cty.String, Required: true, Description: desc}
}

func computed(t cty.Type, desc string) *providers.Attribute {
	return &providers.Attribute{Type: t, Computed: true, Description: desc}
}

func idAttr(desc string) *providers.Attribute { return computed(cty.String, desc) }

func providerSchema() *providers.Schema {
	return &providers.Schema{
		Description: "One ONTAP cluster, reached through its REST API.",
		Attributes: map[string]*providers.Attribute{
			"url":                 req("Cluster management address, https://host[:port]; the REST API is under /api."),
			"username":            req("REST API user (basic authentication)."),
			"password":            {Type: cty.String, Required: true, Sensitive: true, Description: "Password of username."},
			"ca_file":             {Type: cty.String, Optional: true, Description: "PEM file of the CA that signed the cluster's certificate, relative to the enclave directory."},
			"fingerprint":         {Type: cty.String, Optional: true, Description: "Pinned sha256 fingerprint of the cluster's certificate, \"sha256:HEX\"."},
			"insecure":            {Type: cty.Bool, Optional: true, Default: false, Description: "Skip certificate verification. Warned about on every run."},
			"job_timeout_seconds": {Type: cty.Number, Optional: true, Default: int64(600), Description: "Overall deadline of one write, its job included."},
			"return_timeout_seconds": {Type: cty.Number, Optional: true, Default: int64(30), Description: "How long the cluster may hold a write's answer while its job runs (ONTAP's return_timeout, 0 to 120): " +
				"jobs that take longer are then polled. 0 answers at once with the job."},
			"name": {Type: cty.String, Optional: true, Description: "Label for messages (default: the url's host)."},
		},
	}
}

func resourceSchemas() map[string]*providers.ResourceSchema {
	return map[string]*providers.ResourceSchema{
		typeSVM: {
			ImportHelp: "the SVM name",
			Schema: providers.Schema{
				Description: "A storage virtual machine (vserver).",
				Attributes: map[string]*providers.Attribute{
					"id":         idAttr("The SVM's uuid."),
					"name":       req("SVM name; renamed in place."),
					"aggregates": {Type: cty.Set(cty.String), Optional: true, Computed: true, Description: "Aggregates the SVM may create volumes on."},
					"protocols":  {Type: cty.Set(cty.String), Optional: true, Computed: true, Description: "Enabled protocols: nfs, cifs, iscsi, fcp, nvme."},
					"comment":    str0("Free text."),
				},
			},
		},
		typeInterface: {
			ImportHelp: "svm:interface",
			Schema: providers.Schema{
				Description: "An IP data interface (LIF) of an SVM.",
				Attributes: map[string]*providers.Attribute{
					"id":             idAttr("The interface's uuid."),
					"name":           req("Interface name; renamed in place."),
					"svm":            {Type: cty.String, Required: true, ForceNew: true, Description: "Owning SVM name."},
					"address":        req("IP address."),
					"netmask":        str0("Netmask, as a prefix length (24) or dotted (255.255.255.0); reported as a prefix length."),
					"home_node":      str0("Home node name."),
					"home_port":      str0("Home port name (e0d, a0a-100)."),
					"service_policy": str0("Service policy (default-data-files, default-data-blocks, ...)."),
				},
			},
		},
		typeVolume: {
			Destructive: true,
			ImportHelp:  "svm:volume",
			Schema: providers.Schema{
				Description: "A FlexVol volume. Deleting or replacing one destroys its data.",
				Attributes: map[string]*providers.Attribute{
					"id":        idAttr("The volume's uuid."),
					"name":      req("Volume name; renamed in place."),
					"svm":       {Type: cty.String, Required: true, ForceNew: true, Description: "Owning SVM name."},
					"aggregate": {Type: cty.String, Required: true, ForceNew: true, Description: "Aggregate the volume is created on."},
					"size": {Type: cty.String, Required: true, Description: "Size in bytes (536870912000) or with a unit (\"500GiB\", \"20MB\", \"1TiB\"; units are powers of 1024). " +
						"Normalized to bytes as a decimal string; resized in place."},
					"type":            {Type: cty.String, Optional: true, Default: "rw", ForceNew: true, OneOf: []string{"rw", "dp"}, Description: "rw, or dp for a SnapMirror destination."},
					"junction_path":   str0("NAS mount path (/vol1); \"\" unmounts."),
					"export_policy":   str0("NFS export policy name."),
					"snapshot_policy": str0("Snapshot policy name."),
					"guarantee":       {Type: cty.String, Optional: true, Computed: true, OneOf: []string{"volume", "none"}, Description: "Space guarantee: volume (thick) or none (thin)."},
					"autosize":        {Type: cty.String, Optional: true, Computed: true, OneOf: []string{"grow", "grow_shrink", "off"}, Description: "Autosize mode."},
					"efficiency": {Type: cty.String, Optional: true, Computed: true, OneOf: []string{"none", "inline", "background", "both", "mixed"},
						Description: "Storage efficiency, applied to both compression and deduplication; reported as mixed when the two differ."},
					"state":   {Type: cty.String, Optional: true, Computed: true, OneOf: []string{"online", "offline", "restricted"}, Description: "online, offline or restricted."},
					"comment": str0("Free text."),
				},
			},
		},
		typeExportPolicy: {
			ImportHelp: "svm:policy",
			Schema: providers.Schema{
				Description: "An NFS export policy and its ordered rules.",
				Attributes: map[string]*providers.Attribute{
					"id":   idAttr("The policy's numeric id."),
					"name": req("Policy name; renamed in place."),
					"svm":  {Type: cty.String, Required: true, ForceNew: true, Description: "Owning SVM name."},
				},
				Blocks: map[string]*providers.Block{
					"rule": {
						Nesting: providers.NestingList,
						Ordered: true,
						Schema: providers.Schema{
							Description: "One rule; rules are evaluated in order.",
							Attributes: map[string]*providers.Attribute{
								"clients":   {Type: cty.List(cty.String), Required: true, Description: "Client matches: hosts, subnets (10.0.0.0/24), netgroups (@ng), domains."},
								"protocols": {Type: cty.List(cty.String), Optional: true, Default: []any{"any"}, Description: "any, nfs, nfs3, nfs4, cifs."},
								"ro_rule":   {Type: cty.List(cty.String), Required: true, Description: "Security flavors for read-only access: any, none, never, sys, krb5, krb5i, krb5p."},
								"rw_rule":   {Type: cty.List(cty.String), Required: true, Description: "Security flavors for read-write access."},
								"superuser": {Type: cty.List(cty.String), Optional: true, Default: []any{"none"}, Description: "Security flavors granted superuser access."},
							},
						},
					},
				},
			},
		},
		typeSnapshotPolicy: {
			ImportHelp: "svm:policy, or policy for a cluster-wide one",
			Schema: providers.Schema{
				Description: "A snapshot policy: how many copies to keep per schedule.",
				Attributes: map[string]*providers.Attribute{
					"id":      idAttr("The policy's uuid."),
					"name":    {Type: cty.String, Required: true, ForceNew: true, Description: "Policy name."},
					"svm":     {Type: cty.String, Optional: true, ForceNew: true, Description: "Owning SVM name; unset for a cluster-wide policy."},
					"enabled": {Type: cty.Bool, Optional: true, Default: true, Description: "Whether the policy takes snapshots."},
					"comment": str0("Free text."),
				},
				Blocks: map[string]*providers.Block{
					"copies": {
						Nesting:  providers.NestingList,
						MinItems: 1,
						Ordered:  false,
						ForceNew: true,
						Schema: providers.Schema{
							Attributes: map[string]*providers.Attribute{
								"schedule": req("Cron schedule name (hourly, daily, weekly, 5min, ...)."),
								"count":    {Type: cty.Number, Required: true, Description: "Snapshots to keep."},
								"prefix":   str0("Snapshot name prefix (default: the schedule name)."),
							},
						},
					},
				},
			},
		},
		typeSVMPeer: {
			ImportHelp: "svm:peer_svm",
			Schema: providers.Schema{
				Description: "An SVM peer relationship, made on the destination cluster's provider before SnapMirror relationships between the two SVMs (the clusters must be peered).",
				Attributes: map[string]*providers.Attribute{
					"id":           idAttr("The peer relationship's uuid."),
					"svm":          {Type: cty.String, Required: true, ForceNew: true, Description: "Local SVM."},
					"peer_svm":     {Type: cty.String, Required: true, ForceNew: true, Description: "SVM on the peer cluster."},
					"peer_cluster": {Type: cty.String, Required: true, ForceNew: true, Description: "Peer cluster name."},
					"applications": {Type: cty.Set(cty.String), Optional: true, Computed: true, Description: "Peering applications (default snapmirror)."},
					"state":        computed(cty.String, "peered, pending, ..."),
				},
			},
		},
		typeSnapMirror: {
			ImportHelp: "the destination path, svm:volume",
			Schema: providers.Schema{
				Description: "A SnapMirror relationship, managed on the destination cluster's provider; created, then initialized until snapmirrored.",
				Attributes: map[string]*providers.Attribute{
					"id":               idAttr("The relationship's uuid."),
					"source_path":      {Type: cty.String, Required: true, ForceNew: true, Description: "Source, svm:volume (on a peered cluster)."},
					"destination_path": {Type: cty.String, Required: true, ForceNew: true, Description: "Destination, svm:volume, a dp volume on this cluster."},
					"policy":           str0("SnapMirror policy (MirrorAllSnapshots, MirrorAndVault, Asynchronous, ...)."),
					"schedule":         str0("Transfer schedule name (hourly, daily, ...); \"\" for none."),
					"state": {Type: cty.String, Optional: true, Computed: true, OneOf: []string{"snapmirrored", "broken_off", "paused"},
						Description: "Relationship state. Unset: whatever ONTAP reports. snapmirrored (resync after a break), broken_off (fail over: the destination becomes writable), paused (quiesce)."},
					"lag":     computed(cty.String, "Time since the last transfer, ISO 8601 (PT5M12S)."),
					"healthy": computed(cty.Bool, "Whether ONTAP reports the relationship healthy."),
				},
			},
		},
	}
}

func dataSchemas() map[string]*providers.Schema {
	return map[string]*providers.Schema{
		typeAggregate: {
			Description: "An aggregate, looked up by name.",
			Attributes: map[string]*providers.Attribute{
				"name":            req("Aggregate name."),
				"id":              computed(cty.String, "The aggregate's uuid."),
				"node":            computed(cty.String, "Owning node."),
				"state":           computed(cty.String, "online, offline, ..."),
				"size_bytes":      computed(cty.Number, "Usable size."),
				"used_bytes":      computed(cty.Number, "Used space."),
				"available_bytes": computed(cty.Number, "Available space."),
			},
		},
		typeSVM: {
			Description: "An SVM, looked up by name.",
			Attributes: map[string]*providers.Attribute{
				"name":       req("SVM name."),
				"id":         computed(cty.String, "The SVM's uuid."),
				"state":      computed(cty.String, "running, stopped, ..."),
				"aggregates": computed(cty.Set(cty.String), "Aggregates the SVM may use."),
				"protocols":  computed(cty.Set(cty.String), "Enabled protocols."),
				"comment":    computed(cty.String, "Comment."),
			},
		},
	}
}
