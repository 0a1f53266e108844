enclave "t" {}

output "o" {
  value = each.key # ERROR: only available in a resource, data or module block that sets for_each
}
