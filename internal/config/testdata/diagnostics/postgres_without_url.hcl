enclave "t" {
  state { # ERROR: Missing state url
    backend = "postgres"
  }
}
