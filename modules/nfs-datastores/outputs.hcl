output "datastore_ids" {
  description = "Datastore name => id."
  value       = { for k, ds in vsphere_nas_datastore.ds : k => ds.id }
}

output "volume_names" {
  description = "Datastore name => ONTAP volume name."
  value       = { for k, v in ontap_volume.vol : k => v.name }
}

output "export_policy" {
  value = ontap_export_policy.esx.name
}
