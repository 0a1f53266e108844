enclave "t" {}

locals { hosts = [] }

output "o" {
  value = local.host # ERROR: Did you mean "local.hosts"?
}
