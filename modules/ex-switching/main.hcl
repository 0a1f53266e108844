# An EX virtual chassis (two members, one Junos device). The root must declare
#   provider "junos" { alias = "ex" ... }

resource "junos_vlan" "vlan" {
  provider     = junos.ex
  for_each     = var.vlans
  name         = each.key
  vlan_id      = each.value.vlan_id
  l3_interface = each.value.l3_interface
  description  = each.value.description
}

resource "junos_interface" "access" {
  provider    = junos.ex
  for_each    = var.access_ports
  name        = each.key
  description = "access ${each.value}"

  unit {
    id = 0
    switching {
      mode  = "access"
      vlans = [each.value]
    }
  }

  tags       = { role = "access", vlan = each.value }
  depends_on = [junos_vlan.vlan]
}

resource "junos_interface" "trunk" {
  provider    = junos.ex
  for_each    = var.trunk_ports
  name        = each.key
  description = "trunk"
  mtu         = 9216

  unit {
    id = 0
    switching {
      mode  = "trunk"
      vlans = each.value
    }
  }

  tags       = { role = "trunk" }
  depends_on = [junos_vlan.vlan]
}

# The bundle to the SRX cluster carries every VLAN; the SRX routes between them.
resource "junos_interface" "srx_bundle" {
  provider    = junos.ex
  name        = var.srx_bundle
  description = "LACP to the SRX cluster"
  lacp        = "active"
  mtu         = 9216

  unit {
    id = 0
    switching {
      mode  = "trunk"
      vlans = keys(var.vlans)
    }
  }

  tags       = { role = "srx-link" }
  depends_on = [junos_vlan.vlan]
}

resource "junos_interface" "srx_bundle_member" {
  provider    = junos.ex
  for_each    = var.srx_bundle_members
  name        = each.key
  description = "${var.srx_bundle} member (${each.value})"
  member_of   = var.srx_bundle
  tags        = { role = "srx-link-member", device = each.value }
  depends_on  = [junos_interface.srx_bundle]
}
