enclave "t" {}

resource "vsphere_host" "h" {}
