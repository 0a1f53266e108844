# A small vSphere enclave for the lab: one cluster of three hosts, a distributed switch with
# the service network, an NFS datastore, and three service VMs. `enclave lab demo` runs it.

enclave "lab" {
  description = "A small vSphere enclave for the bundled lab"
}

variable "vsphere_url" {
  type        = string
  description = "vCenter SDK endpoint"
}

variable "vsphere_user" {
  type = string
}

variable "vsphere_password" {
  type      = string
  sensitive = true
}

variable "ca_file" {
  type        = string
  description = "the CA that signed vCenter's certificate"
}

variable "services" {
  type = map(object({ cpus = number, memory_mb = number }))
  default = {
    mail1 = { cpus = 2, memory_mb = 4096 }
    mail2 = { cpus = 2, memory_mb = 4096 }
    ldap1 = { cpus = 1, memory_mb = 2048 }
  }
}

locals {
  hosts = ["esx1.lab.example", "esx2.lab.example", "esx3.lab.example"]
}

provider "vsphere" {
  url      = var.vsphere_url
  username = var.vsphere_user
  password = var.vsphere_password
  ca_file  = var.ca_file
}

data "vsphere_datacenter" "dc" {
  name = "DC0"
}

resource "vsphere_compute_cluster" "hci" {
  name                       = "hci"
  datacenter_id              = data.vsphere_datacenter.dc.id
  ha_enabled                 = true
  ha_host_failures_tolerated = 1
  drs_enabled                = true
  drs_automation_level       = "fullyAutomated"
}

resource "vsphere_host" "esx" {
  count      = length(local.hosts)
  hostname   = local.hosts[count.index]
  cluster_id = vsphere_compute_cluster.hci.id
  username   = "root"
  password   = var.vsphere_password
  tags       = { role = "esx" }
}

resource "vsphere_distributed_switch" "dvs" {
  name          = "hci-dvs"
  datacenter_id = data.vsphere_datacenter.dc.id
  host_ids      = vsphere_host.esx[*].id
  mtu           = 9000
}

resource "vsphere_distributed_port_group" "services" {
  name      = "services"
  switch_id = vsphere_distributed_switch.dvs.id
  vlan_id   = 120
}

resource "vsphere_nas_datastore" "mail" {
  name         = "mail"
  host_ids     = vsphere_host.esx[*].id
  remote_hosts = ["filer.lab.example"]
  remote_path  = "/mail"
  type         = "NFS"
}

resource "vsphere_virtual_machine" "svc" {
  for_each         = var.services
  name             = each.key
  resource_pool_id = vsphere_compute_cluster.hci.resource_pool_id
  datastore_id     = vsphere_nas_datastore.mail.id
  num_cpus         = each.value.cpus
  memory_mb        = each.value.memory_mb
  guest_id         = "otherLinux64Guest"

  disk {
    label   = "disk0"
    size_gb = 20
  }

  network_interface {
    network_id = vsphere_distributed_port_group.services.id
  }

  tags = { service = each.key }
}

policy "memory-fits-with-one-host-down" {
  condition = sum([for vm in vsphere_virtual_machine : vm.memory_mb]) <= 64 * 1024 * (length(local.hosts) - 1)
  message   = "the service VMs' memory must fit on the cluster with one host failed"
}

approval {
  required = 2
  max_age  = "24h"
  approver "alice" { key = file("reviewers/alice.pub") }
  approver "bob" { key = file("reviewers/bob.pub") }
  approver "carol" { key = file("reviewers/carol.pub") }
  rule "destroys-data" {
    actions        = ["delete", "replace"]
    resource_types = ["vsphere_nas_datastore", "vsphere_virtual_machine"]
    required       = 3
  }
}

output "vm_ids" {
  value = { for k, vm in vsphere_virtual_machine.svc : k => vm.id }
}
