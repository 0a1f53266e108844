approval { # ERROR: Approval block in a module
  required = 1
}
