# An SRX chassis cluster: two nodes that Junos manages as one device. The root must declare
#   provider "junos" { alias = "srx" ... }
# because modules use the root's providers and resources name theirs statically.

locals {
  zones = ["core", "hci", "mgmt"]

  # reth1 unit per inside network; the unit number is the VLAN id, as Junos operators expect.
  zone_interfaces = {
    core = ["reth0.0"]
    hci  = [for n in values(var.networks) : "reth1.${n.vlan_id}" if n.zone == "hci"]
    mgmt = [for n in values(var.networks) : "reth1.${n.vlan_id}" if n.zone == "mgmt"]
  }
}

resource "junos_chassis_cluster" "cluster" {
  provider   = junos.srx
  reth_count = 2

  # Group 0 is the routing engine; group 1 carries the reths. Node 0 is primary for both, and
  # takes group 1 back after a failover so traffic returns to its usual path.
  redundancy_group {
    id             = 0
    node0_priority = 200
    node1_priority = 100
  }

  redundancy_group {
    id             = 1
    node0_priority = 200
    node1_priority = 100
    preempt        = true
  }
}

# The core uplink: one member port per node, so losing a node (or its optic, or the core switch
# it lands on) leaves the other path up.
resource "junos_interface" "uplink_member" {
  provider    = junos.srx
  for_each    = var.uplink_members
  name        = each.key
  description = "core uplink (${each.value})"
  member_of   = "reth0"
  tags        = { role = "uplink", device = each.value, speed = var.uplink_speed }
  depends_on  = [junos_chassis_cluster.cluster]
}

resource "junos_interface" "reth0" {
  provider         = junos.srx
  name             = "reth0"
  description      = "core uplink"
  redundancy_group = 1

  unit {
    id        = 0
    addresses = [var.uplink_address]
  }

  tags       = { role = "uplink-reth" }
  depends_on = [junos_chassis_cluster.cluster]
}

# Everything beyond the enclave is reached through the core.
resource "junos_static_route" "default" {
  provider    = junos.srx
  destination = "0.0.0.0/0"
  next_hops   = [var.core_gateway]
  depends_on  = [junos_interface.reth0]
}

resource "junos_interface" "inside_member" {
  provider    = junos.srx
  for_each    = var.inside_members
  name        = each.key
  description = "inside to the EX virtual chassis (${each.value})"
  member_of   = "reth1"
  tags        = { role = "inside", device = each.value }
  depends_on  = [junos_chassis_cluster.cluster]
}

resource "junos_interface" "reth1" {
  provider         = junos.srx
  name             = "reth1"
  description      = "inside: HCI networks"
  redundancy_group = 1

  dynamic "unit" {
    for_each = var.networks
    content {
      id          = unit.value.vlan_id
      vlan_id     = unit.value.vlan_id
      description = unit.key
      addresses   = ["${cidrhost(unit.value.prefix, 1)}/${split("/", unit.value.prefix)[1]}"]
    }
  }

  tags       = { role = "inside-reth" }
  depends_on = [junos_chassis_cluster.cluster]
}

resource "junos_security_zone" "zone" {
  provider        = junos.srx
  for_each        = toset(local.zones)
  name            = each.key
  interfaces      = local.zone_interfaces[each.key]
  system_services = var.system_services[each.key]
  depends_on      = [junos_interface.reth0, junos_interface.reth1]
}

# One global address book, so a policy in any zone pair can name any network.
resource "junos_address_book" "global" {
  provider = junos.srx
  name     = "global"

  dynamic "address" {
    for_each = var.networks
    content {
      name   = address.key
      prefix = address.value.prefix
    }
  }

  dynamic "address" {
    for_each = var.core_prefixes
    content {
      name   = address.key
      prefix = address.value
    }
  }

  address_set {
    name      = "hci-networks"
    addresses = [for k, n in var.networks : k if n.zone == "hci"]
  }
}

resource "junos_application" "app" {
  provider         = junos.srx
  for_each         = var.applications
  name             = each.key
  protocol         = each.value.protocol
  destination_port = each.value.port
}

# Ordered rules per zone pair; the last one is always an explicit, logged deny so refused
# traffic shows up in the logs instead of vanishing into the implicit default.
resource "junos_security_policies" "pair" {
  provider  = junos.srx
  for_each  = var.zone_policies
  from_zone = each.value.from
  to_zone   = each.value.to

  dynamic "policy" {
    for_each = each.value.rules
    content {
      name                = policy.value.name
      source_address      = policy.value.source
      destination_address = policy.value.destination
      application         = policy.value.application
      action              = "permit"
      log                 = true
    }
  }

  policy {
    name                = "deny-all"
    source_address      = ["any"]
    destination_address = ["any"]
    application         = ["any"]
    action              = "deny"
    log                 = true
  }

  depends_on = [junos_security_zone.zone, junos_address_book.global, junos_application.app]
}
