# SCL3: the disaster-recovery twin of phx1-hci. Every data volume in the HCI replication
# catalog is mirrored here by SnapMirror, and a small ESXi cluster stands ready to mount the
# copies and start the services if PHX1 is lost.

enclave "scl3-dr" {
  description = "HCI disaster recovery, SCL3"
  state {
    backend = "local"
  }
}

locals {
  site      = "scl3"
  esx_hosts = [for i in range(1, 4) : format("esx%d.hci.scl3.example", i)]

  networks = {
    mgmt     = 10
    services = 120
    storage  = 30
    vmotion  = 40
  }
}

provider "vsphere" {
  url      = var.vsphere_url
  username = var.vsphere_user
  password = var.vsphere_password
  ca_file  = var.vsphere_ca_file
}

provider "ontap" {
  alias    = "scl3"
  url      = var.ontap_scl3_url
  username = var.ontap_scl3_user
  password = var.ontap_scl3_password
  ca_file  = var.ontap_ca_file
}

module "catalog" {
  source = "../../modules/hci-catalog"
}

module "esx" {
  source        = "../../modules/esx-cluster"
  datacenter    = "SCL3"
  cluster       = "hci-dr"
  hostnames     = local.esx_hosts
  host_password = var.vsphere_password
  switch_name   = "hci-dr-dvs"
  port_groups   = local.networks
  tags          = { site = local.site }
}
