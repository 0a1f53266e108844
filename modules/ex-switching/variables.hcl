variable "vlans" {
  type = map(object({
    vlan_id      = number
    l3_interface = optional(string) # irb.N when the switch routes this VLAN itself
    description  = optional(string)
  }))
  description = "Service VLANs by name."
}

variable "access_ports" {
  type        = map(string)
  description = "Access ports => the VLAN name they carry untagged."
  default     = {}
}

variable "trunk_ports" {
  type        = map(list(string))
  description = "Trunk ports (ESXi hosts, filer) => the VLAN names they carry tagged."
  default     = {}
}

variable "srx_bundle" {
  type        = string
  description = "Name of the LACP bundle to the SRX cluster."
  default     = "ae0"
}

variable "srx_bundle_members" {
  type        = map(string)
  description = "Member ports of the bundle to the SRX => the virtual-chassis member that owns the port."
  default = {
    "xe-0/0/46" = "ex-member0"
    "xe-1/0/46" = "ex-member1"
  }

  validation {
    # One member per virtual-chassis member: a bundle on one member dies with it.
    condition     = length(distinct(values(var.srx_bundle_members))) >= 2
    error_message = "the bundle to the SRX needs members on at least two virtual-chassis members."
  }
}
