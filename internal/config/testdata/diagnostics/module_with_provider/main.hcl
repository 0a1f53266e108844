enclave "t" {}

provider "vsphere" {
  url = "https://vcenter.example/sdk"
}

module "esx" {
  source = "./modules/esx-cluster"
}
