enclave "t" {}

provider "junos" {
  alias = "srx"
  host  = "srx-a"
}
provider "junos" { # ERROR: Duplicate provider configuration "junos.srx"
  alias = "srx"
  host  = "srx-b"
}
