enclave "t" {}

resource "vsphere_host" "1host" { # ERROR: Invalid resource name
}
