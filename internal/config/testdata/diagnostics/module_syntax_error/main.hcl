enclave "t" {}

module "m" {
  source = "./modules/m"
}
