enclave "t" {}

policy "p" {
  enforcement = "advisry" # ERROR: Did you mean "advisory"?
  condition   = true
  message     = "m"
}
