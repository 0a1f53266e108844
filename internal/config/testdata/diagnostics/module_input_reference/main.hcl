enclave "t" {}

module "m" {
  source = "./m"
  hosts  = local.hosts # ERROR: Reference to undeclared local value
}
