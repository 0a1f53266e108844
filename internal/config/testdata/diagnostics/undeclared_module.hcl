enclave "t" {}

policy "p" {
  condition = length(module.esx.host_ids) == 5 # ERROR: Reference to undeclared module call
  message   = "five hosts"
}
