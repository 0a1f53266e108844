variable "hosts" {
  type = list(string)
}
