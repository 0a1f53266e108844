enclave "t" {}

resource "vsphere_compute_cluster" "hci" {
  name = "hci"
  lifecycle {
    prevent_destroi = true # ERROR: Did you mean "prevent_destroy"?
  }
}
