variable "hosts" {
  type    = list(string)
  default = []
}

variable "cluster_name" {
  type    = string
  default = "hci"
}
