enclave "t" {}

resource "vsphere_datacenter" "phx1" { name = "phx1" }

resource "vsphere_compute_cluster" "hci" {
  datacenter_id = vsphere_datacenter.phx.id # ERROR: Did you mean "vsphere_datacenter.phx1"?
}
