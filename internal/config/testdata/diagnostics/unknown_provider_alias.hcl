enclave "t" {}

provider "junos" {
  alias = "srx"
  host  = "srx-a"
}

resource "junos_interface" "uplink" {
  provider = junos.fw # ERROR: declares no provider "junos" with alias = "fw"
  name     = "reth0"
}
