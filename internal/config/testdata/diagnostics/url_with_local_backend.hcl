enclave "t" {
  state {
    url = "postgres://db" # ERROR: url is only used by the "postgres" backend
  }
}
