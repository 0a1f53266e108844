# The change-approval gate (SPEC §6). Keys are LAB ONLY: see approvers/README.md.
#
# Two reviewers approve ordinary changes. Changing or removing firewall objects, and deleting
# or replacing anything that holds data, needs three. Creating the zones, address book,
# applications and policies on the first build falls under the base rule of two on purpose:
# the rules cover update/replace/delete only, so the lab story (and a real first build) can
# bring the enclave up with two reviewers, while every later firewall change needs three.

approval {
  required = 2
  max_age  = "24h"

  approver "alice" { key = file("approvers/alice.pub") }
  approver "bob" { key = file("approvers/bob.pub") }
  approver "carol" { key = file("approvers/carol.pub") }
  approver "dave" { key = file("approvers/dave.pub") }

  rule "firewall" {
    resource_types = ["junos_security_policies", "junos_security_zone", "junos_address_book", "junos_application"]
    actions        = ["update", "replace", "delete"]
    required       = 3
  }

  rule "destroys-data" {
    actions        = ["delete", "replace"]
    resource_types = ["ontap_volume", "vsphere_nas_datastore", "vsphere_virtual_machine"]
    required       = 3
  }
}
