enclave "t" {}

module "esx" {
  count  = 2
  source = "./modules/esx"
}

output "ids" {
  value = module.esx[1].host_id # ERROR: Did you mean "host_ids"?
}

output "first" {
  value = module.esx[0].host_ids
}

output "all" {
  value = module.esx
}

output "splat" {
  value = module.esx[*].host_ids
}
