enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  rule "all" {
    required = 0 # ERROR: required must be at least 1
  }
}
