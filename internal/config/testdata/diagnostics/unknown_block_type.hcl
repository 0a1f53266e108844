enclave "t" {}

resourse "vsphere_host" "h" { # ERROR: Did you mean "resource"?
  hostname = "esx1"
}
