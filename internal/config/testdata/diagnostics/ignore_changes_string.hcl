enclave "t" {}

resource "vsphere_host" "h" {
  lifecycle {
    ignore_changes = [
      maintenance_mode,
      "thumbprint", # ERROR: Invalid ignore_changes entry
    ]
  }
}
