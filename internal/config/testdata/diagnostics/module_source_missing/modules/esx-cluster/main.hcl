variable "hosts" {}
