enclave "t" {}

module "esx" {
  source = "./modules/esx-cluster"
  hostz  = ["esx1"] # ERROR: Did you mean "hosts"?
}
