output "zones" {
  description = "Zone name => the logical interfaces in it."
  value       = { for z, zone in junos_security_zone.zone : z => zone.interfaces }
}

output "gateways" {
  description = "Inside network => the SRX's address on it (the hosts' default gateway)."
  value       = { for k, n in var.networks : k => cidrhost(n.prefix, 1) }
}

output "applications" {
  value = [for a in junos_application.app : a.name]
}
