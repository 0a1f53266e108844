resource "junos_security_zone" "trust" {
  provider = junos.ex # ERROR: declares no provider "junos" with alias = "ex"
  name     = "trust"
}
