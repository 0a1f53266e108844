enclave "t" {}

module "esx" { # ERROR: needs an input "hosts"
  source = "./modules/esx-cluster"
}
