enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  rule "opens-into-hci" {
    opens_into = [] # ERROR: Empty zone list
    required   = 1
  }
}
