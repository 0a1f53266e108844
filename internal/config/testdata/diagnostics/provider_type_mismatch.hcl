enclave "t" {}

provider "junos" {
  alias = "srx"
  host  = "srx-a"
}

resource "vsphere_host" "h" {
  provider = junos.srx # ERROR: Provider type mismatch
}
