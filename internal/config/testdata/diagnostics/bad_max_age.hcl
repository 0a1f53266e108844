enclave "t" {}

approval {
  required = 1
  max_age  = "one day" # ERROR: Invalid max_age
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
}
