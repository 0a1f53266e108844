# A small enclave over all three kinds of gear for test/killmatrix_test.go: a vSphere cluster
# with a host, an NFS datastore on an ONTAP volume and a VM; an ONTAP SVM, export policy and
# volume; an SRX zone pair with its address book, an application and policies (one Junos
# transaction). The test kills or interrupts apply at every point it passes through.

enclave "killmatrix" {}

variable "vsphere_url" { type = string }
variable "vsphere_user" { type = string }
variable "vsphere_password" {
  type      = string
  sensitive = true
}
variable "ca_file" { type = string }
variable "vsphere_ca_file" { type = string }
variable "ontap_ca_file" { type = string }
variable "ontap_phx1_url" { type = string }
variable "ontap_phx1_user" { type = string }
variable "ontap_phx1_password" {
  type      = string
  sensitive = true
}
variable "junos_user" { type = string }
variable "junos_private_key_file" { type = string }
variable "junos_known_hosts_file" { type = string }
variable "junos_srx_a_host" { type = string }
variable "junos_srx_a_port" { type = number }

provider "vsphere" {
  url      = var.vsphere_url
  username = var.vsphere_user
  password = var.vsphere_password
  ca_file  = var.ca_file
}

provider "ontap" {
  url      = var.ontap_phx1_url
  username = var.ontap_phx1_user
  password = var.ontap_phx1_password
  ca_file  = var.ontap_ca_file
  # Answer writes at once with their job, so the apply passes between a POST and its job's end.
  return_timeout_seconds = 0
}

provider "junos" {
  alias            = "srx"
  host             = var.junos_srx_a_host
  port             = var.junos_srx_a_port
  username         = var.junos_user
  private_key_file = var.junos_private_key_file
  known_hosts_file = var.junos_known_hosts_file
}

data "vsphere_datacenter" "dc" {
  name = "DC0"
}

resource "vsphere_compute_cluster" "km" {
  name          = "km"
  datacenter_id = data.vsphere_datacenter.dc.id
  ha_enabled    = true
}

resource "vsphere_host" "esx" {
  hostname   = "esx-km.lab.example"
  cluster_id = vsphere_compute_cluster.km.id
  username   = "root"
  password   = var.vsphere_password
}

resource "ontap_svm" "km" {
  name       = "km"
  aggregates = ["aggr1"]
  protocols  = ["nfs"]
}

resource "ontap_export_policy" "esx" {
  name = "km-esx"
  svm  = ontap_svm.km.name
  rule {
    clients   = ["10.40.0.0/24"]
    protocols = ["nfs3"]
    ro_rule   = ["sys"]
    rw_rule   = ["sys"]
    superuser = ["sys"]
  }
}

resource "ontap_volume" "data" {
  name          = "km_data"
  svm           = ontap_svm.km.name
  aggregate     = "aggr1"
  size          = "10GiB"
  junction_path = "/km_data"
  export_policy = ontap_export_policy.esx.name
}

resource "vsphere_nas_datastore" "data" {
  name         = "km-data"
  host_ids     = [vsphere_host.esx.id]
  remote_hosts = ["filer.lab.example"]
  remote_path  = ontap_volume.data.junction_path
  type         = "NFS"
}

resource "vsphere_virtual_machine" "vm" {
  name             = "km-vm"
  resource_pool_id = vsphere_compute_cluster.km.resource_pool_id
  datastore_id     = vsphere_nas_datastore.data.id
  num_cpus         = 1
  memory_mb        = 1024
  guest_id         = "otherLinux64Guest"
  disk {
    label   = "disk0"
    size_gb = 10
  }
}

resource "junos_security_zone" "inside" {
  provider = junos.srx
  name     = "km-inside"
  address {
    name   = "vm"
    prefix = "10.40.0.10/32"
  }
}

resource "junos_security_zone" "outside" {
  provider = junos.srx
  name     = "km-outside"
}

resource "junos_application" "nfs" {
  provider         = junos.srx
  name             = "km-nfs"
  protocol         = "tcp"
  destination_port = "2049"
}

resource "junos_security_policies" "out_in" {
  provider  = junos.srx
  from_zone = junos_security_zone.outside.name
  to_zone   = junos_security_zone.inside.name
  policy {
    name                = "nfs"
    source_address      = ["any"]
    destination_address = ["vm"]
    application         = [junos_application.nfs.name]
    action              = "permit"
  }
  policy {
    name                = "deny-all"
    source_address      = ["any"]
    destination_address = ["any"]
    application         = ["any"]
    action              = "deny"
  }
}

approval {
  required = 1
  approver "alice" { key = file("reviewers/alice.pub") }
  rule "destroys-data" {
    actions        = ["delete", "replace"]
    resource_types = ["ontap_volume", "vsphere_nas_datastore", "vsphere_virtual_machine"]
    required       = 1
  }
}
