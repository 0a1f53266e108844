enclave "t" {}

approval {
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  required = 0 # ERROR: required must be at least 1
}
