enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  rule "destroys-data" {
    actions  = ["delete", "destroy"] # ERROR: "destroy" is not an action
    required = 1
  }
}
