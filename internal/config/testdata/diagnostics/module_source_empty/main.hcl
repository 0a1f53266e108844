enclave "t" {}

module "esx" {
  source = "./modules/empty" # ERROR: holds no .hcl files
}
