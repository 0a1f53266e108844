enclave "t" {}

resource "vsphere_host" "h" {
  provider = vsphere.a.b # ERROR: Invalid provider reference
}
