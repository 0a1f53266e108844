enclave "t" {}

module "a" {
  source = "./modules/a"
}
