approval {
  required = 2
  max_age  = "1d12h"
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEalice alice@phx1" }
  approver "bob" { key = file("keys/bob.pub") }
  approver "carol" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEcarol carol@phx1" }
  rule "firewall" {
    resource_types = ["junos_security_policies", "junos_security_zone"]
    required       = 3
  }
  rule "destroys-data" {
    actions        = ["delete", "replace"]
    resource_types = ["ontap_volume", "vsphere_nas_datastore"]
    required       = 3
  }
}
