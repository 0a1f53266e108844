enclave "t" {}

variable "mtu" {
  type = number
  validation { # ERROR: The argument "error_message" is required
    condition = var.mtu >= 1280
  }
}
