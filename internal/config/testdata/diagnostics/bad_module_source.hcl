enclave "t" {}

module "esx" {
  source = "github.com/example/esx-cluster" # ERROR: it never fetches modules
}
