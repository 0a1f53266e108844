variable "uplink_members" {
  type        = map(string)
  description = "Physical ports of the core uplink reth0 => the cluster node that owns the port."
  default = {
    "ge-0/0/0" = "srx-node0"
    "ge-7/0/0" = "srx-node1"
  }
}

variable "uplink_speed" {
  type    = string
  default = "10g"
}

variable "uplink_address" {
  type        = string
  description = "Address of reth0.0 on the transfer network to the core, with prefix length (10.0.0.2/30)."
}

variable "core_gateway" {
  type        = string
  description = "The core's address on the uplink transfer network: the default route's next hop."
}

variable "inside_members" {
  type        = map(string)
  description = "Physical ports of the inside reth1 (towards the EX switches) => the node that owns the port."
  default = {
    "ge-0/0/1" = "srx-node0"
    "ge-7/0/1" = "srx-node1"
  }
}

variable "networks" {
  type = map(object({
    zone    = string # hci or mgmt
    vlan_id = number
    prefix  = string # the SRX is the gateway: the first host address
  }))
  description = "Inside networks, each a VLAN unit on reth1 in a zone."

  validation {
    condition     = alltrue([for n in values(var.networks) : contains(["hci", "mgmt"], n.zone)])
    error_message = "every network's zone must be hci or mgmt (core is the uplink's zone)."
  }
}

variable "core_prefixes" {
  type        = map(string)
  description = "Address book entries for networks beyond the core (office, VPN, ...): name => prefix."
  default     = {}
}

variable "system_services" {
  type        = map(list(string))
  description = "host-inbound-traffic system-services per zone."
  default = {
    core = ["ping"]
    hci  = ["ping"]
    mgmt = ["ping", "ssh", "netconf"]
  }
}

variable "applications" {
  type        = map(object({ protocol = string, port = string }))
  description = "Custom applications: name => protocol and destination port."
  default = {
    imaps      = { protocol = "tcp", port = "993" }
    pop3s      = { protocol = "tcp", port = "995" }
    submission = { protocol = "tcp", port = "587" }
    ldaps      = { protocol = "tcp", port = "636" }
    caldav     = { protocol = "tcp", port = "8443" }
    zimbra-adm = { protocol = "tcp", port = "7071" }
  }
}

variable "zone_policies" {
  type = map(object({
    from = string
    to   = string
    rules = list(object({
      name        = string
      source      = list(string)
      destination = list(string)
      application = list(string)
    }))
  }))
  description = "Permit rules per zone pair, in order. The module appends deny-all to each pair."

  validation {
    condition     = alltrue([for p in values(var.zone_policies) : contains(["core", "hci", "mgmt"], p.from) && contains(["core", "hci", "mgmt"], p.to) && p.from != p.to])
    error_message = "zone_policies pair two different zones of core, hci and mgmt."
  }

  validation {
    # The module's own last rule is deny-all; a rule of that name in the input would shadow it.
    condition     = alltrue(flatten([for p in values(var.zone_policies) : [for r in p.rules : r.name != "deny-all"]]))
    error_message = "deny-all is the name of the rule the module appends; name yours differently."
  }
}
