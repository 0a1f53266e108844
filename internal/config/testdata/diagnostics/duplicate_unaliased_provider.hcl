enclave "t" {}

provider "junos" { host = "srx-a" }
provider "junos" { host = "srx-b" } # ERROR: Give each further one an alias
