# Connection variables carry the names `enclave lab up` writes into lab.vars, so the same
# files run against the lab and (with site.vars) against the real gear.

variable "vsphere_url" {
  type        = string
  description = "vCenter SDK endpoint, https://vcenter.phx1.example/sdk"
}

variable "vsphere_user" {
  type = string
}

# Also the ESXi hosts' root password when vCenter adds them. A separate esx_password with a
# default would be neater, but the gate asks for every sensitive variable again at apply,
# even one left at its default, and lab.vars would not carry it.
variable "vsphere_password" {
  type      = string
  sensitive = true
}

variable "vsphere_ca_file" {
  type        = string
  description = "PEM of the CA that signed vCenter's certificate."
}

variable "junos_user" {
  type = string
}

variable "junos_private_key_file" {
  type = string
}

variable "junos_known_hosts_file" {
  type        = string
  description = "known_hosts with the SRX and EX host keys: host keys are always verified."
}

variable "junos_srx_phx1_host" {
  type = string
}

variable "junos_srx_phx1_port" {
  type    = number
  default = 830
}

variable "junos_ex_phx1_host" {
  type = string
}

variable "junos_ex_phx1_port" {
  type    = number
  default = 830
}

variable "ontap_phx1_url" {
  type        = string
  description = "Cluster management address of the FAS HA pair, https://fas.phx1.example"
}

variable "ontap_phx1_user" {
  type = string
}

variable "ontap_phx1_password" {
  type      = string
  sensitive = true
}

variable "ontap_ca_file" {
  type = string
}

variable "host_memory_gb" {
  type        = number
  default     = 192
  description = "Physical memory of each ESXi host (all five are alike)."
}

variable "host_cores" {
  type        = number
  default     = 12
  description = "Physical cores of each ESXi host: two 6-core Xeons."
}
