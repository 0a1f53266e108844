# The change-approval gate (SPEC §6). Keys are LAB ONLY: see approvers/README.md.
#
# Two reviewers approve ordinary changes. Three are needed to change or remove firewall objects
# (firewall), to let any new traffic into the hci zone (opens-into-hci), and to delete or
# replace anything that holds data (destroys-data).
#
# opens-into-hci looks at what a plan does, not at which objects it touches: enclave computes,
# from the SRX configuration before and after the plan, the flows it newly permits
# (docs/reachability.md). So a new zone pair's policies, which the firewall rule (creations
# excluded) lets through with two, need three when they open anything into hci, and the first
# build, which opens everything the enclave serves, needs three too. Creating an address or an
# application no policy uses yet still takes two.

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

  rule "opens-into-hci" {
    opens_into = ["hci"]
    required   = 3
  }

  rule "destroys-data" {
    actions        = ["delete", "replace"]
    resource_types = ["ontap_volume", "vsphere_nas_datastore", "vsphere_virtual_machine"]
    required       = 3
  }
}
