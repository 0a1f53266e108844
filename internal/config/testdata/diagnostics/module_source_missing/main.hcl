enclave "t" {}

module "esx" {
  source = "./modules/esx-clustr" # ERROR: the directory modules/esx-clustr does not exist
}
