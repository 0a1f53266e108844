enclave "t" {}

variable "x" {}

resource "vsphere_host" "h" {
  depends_on = [var.x] # ERROR: Invalid depends_on reference
}
