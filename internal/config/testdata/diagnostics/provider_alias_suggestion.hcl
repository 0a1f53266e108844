enclave "t" {}

provider "junos" {
  alias = "srx"
  host  = "srx-a"
}

data "junos_interface" "uplink" {
  provider = junos.sr # ERROR: Did you mean "junos.srx"?
}
