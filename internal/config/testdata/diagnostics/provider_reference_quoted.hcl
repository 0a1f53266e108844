enclave "t" {}

resource "vsphere_host" "h" {
  provider = "vsphere" # ERROR: Invalid provider reference
}
