enclave "t" {}

data "vsphere_datacenter" "dc" { name = "phx1" }
data "vsphere_datacenter" "dc" { name = "phx2" } # ERROR: Duplicate data source "data.vsphere_datacenter.dc"
