enclave "t" {}

variable "hosts" { type = list(string) }
variable "hosts" { type = set(string) } # ERROR: Duplicate variable "hosts"
