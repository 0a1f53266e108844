output "datacenter_id" {
  value = vsphere_datacenter.dc.id
}

output "cluster_id" {
  value = vsphere_compute_cluster.cluster.id
}

output "resource_pool_id" {
  description = "The cluster's root resource pool, where VMs go unless a pool says otherwise."
  value       = vsphere_compute_cluster.cluster.resource_pool_id
}

output "host_ids" {
  description = "Host ids in the order of var.hostnames."
  value       = [for h in var.hostnames : vsphere_host.esx[h].id]
}

output "switch_id" {
  value = vsphere_distributed_switch.dvs.id
}

output "port_group_ids" {
  description = "Port group name => id."
  value       = { for name, pg in vsphere_distributed_port_group.pg : name => pg.id }
}
