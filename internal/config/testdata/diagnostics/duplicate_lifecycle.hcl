enclave "t" {}

resource "vsphere_compute_cluster" "hci" {
  lifecycle { prevent_destroy = true }
  lifecycle { prevent_destroy = false } # ERROR: already has a lifecycle block at duplicate_lifecycle.hcl:4:3
}
