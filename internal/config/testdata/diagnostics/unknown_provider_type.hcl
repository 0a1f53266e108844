enclave "t" {}

provider "vspere" { # ERROR: Did you mean "vsphere"?
  url = "https://vcenter.example/sdk"
}
