enclave "t" {}

module "m" {
  source = "./modules/m"
}

module "m" { # ERROR: Duplicate module call "m"
  source = "./modules/m"
}
