enclave "t" {}

variable "k" { default = "x" }

approval {
  required = 1
  approver "alice" {
    key = var.k # ERROR: must not depend on inputs
  }
}
