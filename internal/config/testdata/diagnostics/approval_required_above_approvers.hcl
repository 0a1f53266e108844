enclave "t" {}

approval {
  required = 3 # ERROR: required = 3, but only 2 approvers are declared
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  approver "bob" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB bob" }
}
