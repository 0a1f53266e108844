enclave "t" {}

resource "vsphere_compute_cluster" "hci" {
  datacenter_id = data.vsphere_datacenter.phx1.id # ERROR: There is no data source data.vsphere_datacenter.phx1 in the root module
}
