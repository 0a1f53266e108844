variable "pg" {}

enclave "t" {
  state {
    backend = "postgres"
    url     = var.pg # ERROR: Reference in the state backend
  }
}
