output "vlan_ids" {
  description = "VLAN name => 802.1Q tag."
  value       = { for k, v in var.vlans : k => v.vlan_id }
}

output "srx_bundle" {
  value = junos_interface.srx_bundle.name
}
