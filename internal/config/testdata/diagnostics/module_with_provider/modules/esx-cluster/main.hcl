provider "vsphere" { # ERROR: Modules use the root's providers
  url = "https://other.example/sdk"
}
