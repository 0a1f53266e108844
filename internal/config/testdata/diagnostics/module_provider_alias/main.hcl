enclave "t" {}

provider "junos" {
  alias = "srx"
  host  = "srx-a"
}

module "fw" {
  source = "./modules/firewall"
}
