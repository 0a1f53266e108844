# HCI, PHX1: the Hyper Critical Infrastructure enclave for mail (Zimbra), LDAP and calendars.
# Its only tie to the rest of production is two 10GbE uplinks from the core into the SRX
# cluster. Everything that holds data is snapshotted here and mirrored to SCL3 (enclaves/scl3-dr).

enclave "phx1-hci" {
  description = "Hyper Critical Infrastructure, PHX1"
  state {
    backend = "local"
  }
}

locals {
  site = "phx1"

  esx_hosts = [for i in range(1, 6) : format("esx%d.hci.phx1.example", i)]

  # Service networks. storage and vmotion stay on the EX switches and are never routed; the
  # SRX is the gateway of the others.
  networks = {
    mgmt     = { vlan_id = 10, prefix = "10.20.10.0/24", routed = true, zone = "mgmt" }
    services = { vlan_id = 120, prefix = "10.20.120.0/24", routed = true, zone = "hci" }
    storage  = { vlan_id = 30, prefix = "10.20.30.0/24", routed = false, zone = "" }
    vmotion  = { vlan_id = 40, prefix = "10.20.40.0/24", routed = false, zone = "" }
  }

  # The hosts' NFS vmkernel addresses, .11 to .15 on the storage network; the filer's data
  # LIF is .5.
  esx_nfs_addresses = [for i in range(length(local.esx_hosts)) : cidrhost(local.networks.storage.prefix, 11 + i)]
  nfs_lif_address   = cidrhost(local.networks.storage.prefix, 5)
}

provider "vsphere" {
  url      = var.vsphere_url
  username = var.vsphere_user
  password = var.vsphere_password
  ca_file  = var.vsphere_ca_file
}

# The SRX 1400 chassis cluster: two nodes, one management endpoint.
provider "junos" {
  alias            = "srx"
  host             = var.junos_srx_phx1_host
  port             = var.junos_srx_phx1_port
  username         = var.junos_user
  private_key_file = var.junos_private_key_file
  known_hosts_file = var.junos_known_hosts_file
}

# The EX4500 virtual chassis: two members, one management endpoint.
provider "junos" {
  alias            = "ex"
  host             = var.junos_ex_phx1_host
  port             = var.junos_ex_phx1_port
  username         = var.junos_user
  private_key_file = var.junos_private_key_file
  known_hosts_file = var.junos_known_hosts_file
}

# The FAS3270 HA pair.
provider "ontap" {
  alias    = "phx1"
  url      = var.ontap_phx1_url
  username = var.ontap_phx1_user
  password = var.ontap_phx1_password
  ca_file  = var.ontap_ca_file
}

module "catalog" {
  source = "../../modules/hci-catalog"
}
