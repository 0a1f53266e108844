enclave "t" {}

variable "mtu" {
  type = integer # ERROR: The keyword "integer" is not a valid type specification
}
