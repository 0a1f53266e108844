enclave "t" {}

provider "vsphere" {
  url      = "https://vcenter.example/sdk"
  usernme  = "svc" # ERROR: Did you mean "username"?
}
