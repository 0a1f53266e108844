# The same approvers as phx1-hci (LAB ONLY keys: see approvers/README.md). Deleting or
# replacing a mirror copy or a relationship takes three: it is the only other copy of the mail.

approval {
  required = 2
  max_age  = "24h"

  approver "alice" { key = file("approvers/alice.pub") }
  approver "bob" { key = file("approvers/bob.pub") }
  approver "carol" { key = file("approvers/carol.pub") }
  approver "dave" { key = file("approvers/dave.pub") }

  rule "destroys-data" {
    actions        = ["delete", "replace"]
    resource_types = ["ontap_volume", "ontap_snapmirror", "vsphere_nas_datastore", "vsphere_virtual_machine"]
    required       = 3
  }
}
