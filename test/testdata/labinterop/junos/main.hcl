# An SRX and an EX switch in the lab (enclave lab up --junos srx-a:srx --junos ex-a:ex), for
# test/junos_e2e_test.go. The reviewer key is copied next to this file by the test.

enclave "junos-e2e" {}

variable "junos_user" { type = string }
variable "junos_private_key_file" { type = string }
variable "junos_known_hosts_file" { type = string }
variable "junos_srx_a_host" { type = string }
variable "junos_srx_a_port" { type = number }
variable "junos_ex_a_host" { type = string }
variable "junos_ex_a_port" { type = number }

# extra_addresses grows the global address book, to show that the round trips do not grow.
variable "extra_addresses" {
  type    = number
  default = 0
}

provider "junos" {
  alias            = "srx"
  host             = var.junos_srx_a_host
  port             = var.junos_srx_a_port
  username         = var.junos_user
  private_key_file = var.junos_private_key_file
  known_hosts_file = var.junos_known_hosts_file
}

provider "junos" {
  alias            = "ex"
  host             = var.junos_ex_a_host
  port             = var.junos_ex_a_port
  username         = var.junos_user
  private_key_file = var.junos_private_key_file
  known_hosts_file = var.junos_known_hosts_file
}

resource "junos_interface" "inside" {
  provider    = junos.srx
  name        = "ge-0/0/1"
  description = "hci services"
  unit {
    id        = 0
    addresses = ["10.1.0.1/24"]
  }
}

resource "junos_interface" "outside" {
  provider = junos.srx
  name     = "ge-0/0/2"
  unit {
    id        = 0
    addresses = ["192.0.2.2/30"]
  }
}

resource "junos_security_zone" "trust" {
  provider        = junos.srx
  name            = "trust"
  interfaces      = ["ge-0/0/1.0"]
  system_services = ["ping", "ssh"]
  address {
    name   = "mail"
    prefix = "10.1.0.10/32"
  }
  address {
    name   = "ldap"
    prefix = "10.1.0.20/32"
  }
}

resource "junos_security_zone" "untrust" {
  provider   = junos.srx
  name       = "untrust"
  interfaces = ["ge-0/0/2.0"]
}

resource "junos_address_book" "global" {
  provider = junos.srx
  name     = "global"
  address {
    name   = "core-net"
    prefix = "10.200.0.0/16"
  }
  dynamic "address" {
    for_each = range(var.extra_addresses)
    content {
      name   = "host-${address.value}"
      prefix = "10.9.${floor(address.value / 200)}.${address.value % 200 + 1}/32"
    }
  }
  address_set {
    name      = "admins"
    addresses = ["core-net"]
  }
}

resource "junos_application" "ldaps" {
  provider           = junos.srx
  name               = "ldaps"
  protocol           = "tcp"
  destination_port   = "636"
  inactivity_timeout = 1800
}

resource "junos_security_policies" "untrust_trust" {
  provider  = junos.srx
  from_zone = junos_security_zone.untrust.name
  to_zone   = junos_security_zone.trust.name

  # policy:imaps
  policy {
    name                = "imaps"
    source_address      = ["any"]
    destination_address = ["mail"]
    application         = ["junos-imaps"]
    action              = "permit"
  }
  # policy:ldaps
  policy {
    name                = "ldaps"
    source_address      = ["admins"]
    destination_address = ["ldap"]
    application         = [junos_application.ldaps.name]
    action              = "permit"
    log                 = true
  }
  # policy:deny-all
  policy {
    name                = "deny-all"
    source_address      = ["any"]
    destination_address = ["any"]
    application         = ["any"]
    action              = "deny"
  }
}

resource "junos_vlan" "services" {
  provider    = junos.ex
  name        = "services"
  vlan_id     = 120
  description = "hci services"
}

resource "junos_vlan" "storage" {
  provider = junos.ex
  name     = "storage"
  vlan_id  = 130
}

resource "junos_interface" "access" {
  provider = junos.ex
  name     = "ge-0/0/10"
  unit {
    id = 0
    switching {
      mode  = "access"
      vlans = [junos_vlan.services.name]
    }
  }
}

resource "junos_interface" "trunk" {
  provider    = junos.ex
  name        = "ge-0/0/47"
  description = "uplink to the SRX"
  unit {
    id = 0
    switching {
      mode  = "trunk"
      vlans = [junos_vlan.services.name, junos_vlan.storage.name]
    }
  }
}

approval {
  required = 1
  approver "alice" { key = file("reviewers/alice.pub") }
}
