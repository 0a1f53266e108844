enclave "t" {}

policy "p" {
  condition = true
  message   = "m"
}
policy "p" { # ERROR: Duplicate policy "p"
  condition = true
  message   = "m"
}
