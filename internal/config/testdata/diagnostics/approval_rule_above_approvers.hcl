enclave "t" {}

approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  rule "firewall" { # ERROR: Rule "firewall" requires 2 approvals, but only 1 approver is declared
    resource_types = ["junos_security_policies"]
    required       = 2
  }
}
