output "host_ids" { value = [] }
