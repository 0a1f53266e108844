// Package vsphere is the vSphere provider: it manages datacenters, clusters, hosts,
// distributed switches and port groups, NAS datastores, resource pools, folders and virtual
// machines through govmomi, one vCenter session per run.
//
// Reads are batched: a refresh or a data lookup costs one property-collector retrieval per
// object type through a container view, whatever the number of resources; apply awaits each
// vSphere task with progress and reports faults naming the resource, the method and vCenter's
// message.
//
// It must never trust a vCenter certificate that is neither signed by the configured CA nor
// pinned by thumbprint (unless the user asked for insecure, loudly), never put a password in
// an error or log, and never read one object per round trip during refresh.
package vsphere
