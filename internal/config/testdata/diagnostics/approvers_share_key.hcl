enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@laptop" }
  approver "alice2" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@desktop" } # ERROR: same key as approver "alice"
}
