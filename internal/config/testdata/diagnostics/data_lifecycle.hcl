enclave "t" {}

data "vsphere_datacenter" "dc" {
  name = "phx1"
  lifecycle { # ERROR: a lifecycle block has no meaning here
    prevent_destroy = true
  }
}
