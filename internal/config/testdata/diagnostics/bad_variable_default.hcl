enclave "t" {}

variable "mtu" {
  type    = number
  default = "jumbo" # ERROR: The default of variable "mtu" is not a valid number
}
