enclave "t" {
  state {
    backend = "postgress" # ERROR: Did you mean "postgres"?
  }
}
