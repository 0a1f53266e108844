output "destination_path" {
  value = ontap_snapmirror.mirror.destination_path
}

output "relationship_id" {
  value = ontap_snapmirror.mirror.id
}
