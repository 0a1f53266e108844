enclave "inner" {} # ERROR: Enclave block in a module
