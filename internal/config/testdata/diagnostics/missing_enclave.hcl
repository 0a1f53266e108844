# ERROR: Missing enclave block
variable "x" {}
