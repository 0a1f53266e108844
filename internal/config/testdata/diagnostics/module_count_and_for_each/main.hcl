enclave "t" {}

module "m" {
  source   = "./modules/m"
  count    = 1
  for_each = {} # ERROR: mutually exclusive
}
