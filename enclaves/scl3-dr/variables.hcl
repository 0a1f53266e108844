# Connection variables carry the names `enclave lab up` writes into lab.vars, so the same
# files run against the lab and (with site.vars) against the real gear.

variable "vsphere_url" {
  type        = string
  description = "vCenter SDK endpoint, https://vcenter.scl3.example/sdk"
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

variable "ontap_scl3_url" {
  type        = string
  description = "Cluster management address of the SCL3 cluster, https://fas.scl3.example"
}

variable "ontap_scl3_user" {
  type = string
}

variable "ontap_scl3_password" {
  type      = string
  sensitive = true
}

variable "ontap_ca_file" {
  type = string
}

variable "primary_cluster_name" {
  type        = string
  default     = "phx1"
  description = "The PHX1 ONTAP cluster's name, as SCL3's cluster peering knows it."
}

variable "mirror_state" {
  type        = string
  default     = "snapmirrored"
  description = "snapmirrored in normal operation; broken_off to fail over to SCL3 (the copies become writable); back to snapmirrored to resync."
  validation {
    condition     = contains(["snapmirrored", "broken_off", "paused"], var.mirror_state)
    error_message = "mirror_state is snapmirrored, broken_off or paused."
  }
}
