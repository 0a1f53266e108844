enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  rule "opens-from-core" {
    opens_from = "core" # ERROR: Unsuitable value type
    required   = 1
  }
}
