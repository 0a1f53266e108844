enclave "t" {}

name = "x" # ERROR: Unsupported argument
