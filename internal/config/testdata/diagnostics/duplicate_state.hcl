enclave "t" {
  state { backend = "local" }
  state { backend = "local" } # ERROR: Duplicate state block
}
