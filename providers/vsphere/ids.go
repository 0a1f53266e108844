package vsphere

import (
	"errors"
	"strings"

	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// kindFor maps resource types to the managed object type they are read as.
var kindFor = map[string]string{
	"vsphere_datacenter":             "Datacenter",
	"vsphere_compute_cluster":        "ClusterComputeResource",
	"vsphere_host":                   "HostSystem",
	"vsphere_distributed_switch":     "DistributedVirtualSwitch",
	"vsphere_distributed_port_group": "DistributedVirtualPortgroup",
	"vsphere_nas_datastore":          "Datastore",
	"vsphere_resource_pool":          "ResourcePool",
	"vsphere_folder":                 "Folder",
	"vsphere_virtual_machine":        "VirtualMachine",
}

// idPrefixes are the value prefixes vCenter (and govmomi's simulator) give each type, so that
// an id a user passes ("domain-c7") can be turned back into a typed reference.
var idPrefixes = []struct{ prefix, typ string }{
	{"domain-c", "ClusterComputeResource"},
	{"domain-s", "ComputeResource"},
	{"dvportgroup-", "DistributedVirtualPortgroup"},
	{"datacenter-", "Datacenter"},
	{"datastore-", "Datastore"},
	{"resgroup-v", "VirtualApp"},
	{"resgroup-", "ResourcePool"},
	{"network-", "Network"},
	{"host-", "HostSystem"},
	{"group-p", "StoragePod"},
	{"group-", "Folder"},
	{"vm-", "VirtualMachine"},
	{"dvs-", "DistributedVirtualSwitch"},
}

// typeFromID guesses the managed object type of an id; dvs- ids are resolved by lookup
// because vCenter's switches are VmwareDistributedVirtualSwitch.
func typeFromID(id string) string {
	for _, p := range idPrefixes {
		if strings.HasPrefix(id, p.prefix) {
			return p.typ
		}
	}
	return ""
}

func moref(id string) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: typeFromID(id), Value: id}
}

// asFault extracts a typed vSphere fault from a SOAP or task error.
func asFault[T types.BaseMethodFault](err error) (T, bool) {
	var zero T
	if err == nil {
		return zero, false
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if soap.IsSoapFault(e) {
			if f, ok := soap.ToSoapFault(e).VimFault().(T); ok {
				return f, true
			}
		}
		if soap.IsVimFault(e) {
			if f, ok := soap.ToVimFault(e).(T); ok {
				return f, true
			}
		}
	}
	var te task.Error
	if errors.As(err, &te) && te.LocalizedMethodFault != nil {
		if f, ok := te.Fault().(T); ok {
			return f, true
		}
	}
	return zero, false
}
