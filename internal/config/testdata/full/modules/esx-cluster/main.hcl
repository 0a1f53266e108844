resource "vsphere_host" "host" {
  count    = length(var.hosts)
  hostname = var.hosts[count.index]
  annotation = file("annotation.txt")
}

output "host_ids" { value = vsphere_host.host[*].id }
