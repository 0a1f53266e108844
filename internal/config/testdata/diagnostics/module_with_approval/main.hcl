enclave "t" {}

module "esx" {
  source = "./modules/esx-cluster"
}
