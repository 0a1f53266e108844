enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  rule "fw" { required = 1 }
  rule "fw" { required = 1 } # ERROR: Duplicate approval rule "fw"
}
