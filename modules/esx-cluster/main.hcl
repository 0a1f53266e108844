# One vSphere datacenter with an HA/DRS cluster of ESXi hosts, and a distributed switch that
# carries every port group the enclave's VMs attach to.

resource "vsphere_datacenter" "dc" {
  name = var.datacenter
  tags = var.tags
}

resource "vsphere_compute_cluster" "cluster" {
  name          = var.cluster
  datacenter_id = vsphere_datacenter.dc.id

  # Admission control keeps enough capacity in reserve that the VMs of a failed host restart
  # elsewhere; the enclave's own policies check that the VM memory actually fits.
  ha_enabled                 = true
  ha_admission_control       = true
  ha_host_failures_tolerated = var.host_failures_tolerated
  drs_enabled                = true
  drs_automation_level       = "fullyAutomated"

  lifecycle {
    prevent_destroy = true
  }

  tags = var.tags
}

# Keyed by hostname, not by position: taking a host out of the middle of the list must not
# renumber (and so replace) the hosts after it.
resource "vsphere_host" "esx" {
  for_each   = toset(var.hostnames)
  hostname   = each.key
  cluster_id = vsphere_compute_cluster.cluster.id
  username   = var.host_user
  password   = var.host_password
  thumbprint = try(var.host_thumbprints[each.key], null)
  tags       = merge(var.tags, { role = "esx" })
}

resource "vsphere_distributed_switch" "dvs" {
  name          = var.switch_name
  datacenter_id = vsphere_datacenter.dc.id
  host_ids      = [for h in var.hostnames : vsphere_host.esx[h].id]
  uplinks       = var.uplinks
  mtu           = var.mtu
  tags          = var.tags
}

resource "vsphere_distributed_port_group" "pg" {
  for_each  = var.port_groups
  name      = each.key
  switch_id = vsphere_distributed_switch.dvs.id
  vlan_id   = each.value
  tags      = merge(var.tags, { vlan = tostring(each.value) })
}
