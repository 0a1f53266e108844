enclave "t" {}
enclave "u" {} # ERROR: Duplicate enclave block
