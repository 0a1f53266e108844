variable "hosts" {
  type = list(string)
}

variable "cluster_name" {
  type    = string
  default = "hci"
}
