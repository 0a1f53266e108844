enclave "t" {}

variable "uplink_mtu" { default = 9000 }

resource "junos_interface" "i" {
  mtu = var.uplink_mut # ERROR: Did you mean "var.uplink_mtu"?
}
