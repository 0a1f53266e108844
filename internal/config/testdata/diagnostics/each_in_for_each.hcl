enclave "t" {}

resource "vsphere_host" "h" {
  for_each = each.value # ERROR: Reference to "each.value" in the wrong place
}
