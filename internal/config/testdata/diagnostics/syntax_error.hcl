enclave "t" {}

resource "vsphere_host" "h" {
  hostname = "esx1" "esx2" # ERROR: Missing newline after argument
}
