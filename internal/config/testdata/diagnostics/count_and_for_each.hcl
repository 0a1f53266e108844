enclave "t" {}

resource "vsphere_host" "h" {
  count    = 2
  for_each = toset(["a", "b"]) # ERROR: mutually exclusive
}
