enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
}
approval { # ERROR: Duplicate approval block
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
}
