enclave "t" {}

locals {
  all = var # ERROR: A reference to var needs a name: var.NAME.
}
