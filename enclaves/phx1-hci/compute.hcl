# The five-node ESXi cluster and the service VMs.

module "esx" {
  source        = "../../modules/esx-cluster"
  datacenter    = "PHX1"
  cluster       = "hci"
  hostnames     = local.esx_hosts
  host_password = var.vsphere_password
  switch_name   = "hci-dvs"
  port_groups   = { for k, n in local.networks : k => n.vlan_id }
  tags          = { site = local.site }
}

locals {
  # VM classes. Sized so that every VM still fits with one host failed (policy
  # memory-fits-n-minus-1): HA admission control alone reserves capacity but does not stop us
  # from planning more VMs than the cluster can restart.
  vm_classes = {
    mailbox  = { cpus = 8, memory_gb = 64, disk_gb = 100 }
    ldap     = { cpus = 4, memory_gb = 16, disk_gb = 40 }
    proxy    = { cpus = 4, memory_gb = 16, disk_gb = 40 }
    calendar = { cpus = 4, memory_gb = 32, disk_gb = 60 }
    monitor  = { cpus = 4, memory_gb = 16, disk_gb = 200 }
  }

  # Each mailbox server on its own mail store; the rest on the datastore of their service.
  vms = merge(
    { for name, v in module.catalog.volumes : replace(name, "mail", "mbox") => { class = "mailbox", datastore = name } if v.service == "mailbox" },
    {
      ldap1  = { class = "ldap", datastore = "ldap" }
      ldap2  = { class = "ldap", datastore = "ldap" }
      proxy1 = { class = "proxy", datastore = "infra" }
      proxy2 = { class = "proxy", datastore = "infra" }
      cal1   = { class = "calendar", datastore = "calendar" }
      cal2   = { class = "calendar", datastore = "calendar" }
      mon1   = { class = "monitor", datastore = "infra" }
    },
  )
}

# VM folders per class, so permissions and reports follow the service.
resource "vsphere_folder" "hci" {
  path          = "hci"
  type          = "vm"
  datacenter_id = module.esx.datacenter_id
}

resource "vsphere_folder" "class" {
  for_each      = local.vm_classes
  path          = "${vsphere_folder.hci.path}/${each.key}"
  type          = "vm"
  datacenter_id = module.esx.datacenter_id
}

resource "vsphere_virtual_machine" "svc" {
  for_each         = local.vms
  name             = each.key
  resource_pool_id = module.esx.resource_pool_id
  datastore_id     = module.datastores.datastore_ids[each.value.datastore]
  num_cpus         = local.vm_classes[each.value.class].cpus
  memory_mb        = local.vm_classes[each.value.class].memory_gb * 1024
  guest_id         = "rhel6_64Guest"
  folder           = vsphere_folder.class[each.value.class].path
  annotation       = "HCI ${each.value.class}; managed by enclave phx1-hci"

  disk {
    label   = "disk0"
    size_gb = local.vm_classes[each.value.class].disk_gb
  }

  network_interface {
    network_id = module.esx.port_group_ids["services"]
  }

  # The datastore's name, known at plan time: the policy no-vm-on-unreplicated-datastore
  # checks it before ids exist.
  tags = { service = each.value.class, datastore = each.value.datastore }
}

output "vm_ids" {
  value = { for k, vm in vsphere_virtual_machine.svc : k => vm.id }
}
