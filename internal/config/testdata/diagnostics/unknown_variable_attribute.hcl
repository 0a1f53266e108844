enclave "t" {}

variable "hosts" {
  tpye = list(string) # ERROR: Did you mean "type"?
}
