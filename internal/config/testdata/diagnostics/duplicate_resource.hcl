enclave "t" {}

resource "vsphere_host" "h" {
  hostname = "esx1"
}

resource "vsphere_host" "h" { # ERROR: already declared at duplicate_resource.hcl:3:1
  hostname = "esx2"
}
