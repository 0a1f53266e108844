variable "datacenter" {
  type        = string
  description = "Name of the datacenter the module creates."
}

variable "cluster" {
  type        = string
  description = "Name of the compute cluster."
}

variable "hostnames" {
  type        = list(string)
  description = "ESXi hosts vCenter adds to the cluster, by the name or address it connects to."

  validation {
    # HA with one host failure tolerated needs at least two hosts to fail over to.
    condition     = length(var.hostnames) >= 2 && length(distinct(var.hostnames)) == length(var.hostnames)
    error_message = "hostnames must list at least two distinct hosts."
  }
}

variable "host_user" {
  type    = string
  default = "root"
}

variable "host_password" {
  type      = string
  sensitive = true
}

variable "host_thumbprints" {
  type        = map(string)
  default     = {}
  description = "SSL thumbprint per hostname, pinned when vCenter adds the host."
}

variable "switch_name" {
  type = string
}

variable "uplinks" {
  type        = list(string)
  default     = ["uplink1", "uplink2"]
  description = "Uplink port names of the distributed switch, one per physical NIC."
}

variable "mtu" {
  type    = number
  default = 9000
}

variable "port_groups" {
  type        = map(number)
  description = "Distributed port groups: name => access VLAN id."
}

variable "host_failures_tolerated" {
  type    = number
  default = 1
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Tags merged into every resource's tags (site, enclave, ...)."
}
