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
