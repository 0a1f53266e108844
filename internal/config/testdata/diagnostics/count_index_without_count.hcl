enclave "t" {}

resource "vsphere_host" "h" {
  hostname = "esx${count.index}" # ERROR: vsphere_host.h does not
}
