# The HCI replication catalog: the data volumes of the enclave and which of them SCL3 mirrors.
# phx1-hci builds its source volumes and datastores from it; scl3-dr builds its destination
# volumes and SnapMirror relationships from it. One list, so the two sites cannot disagree.
# No resources: only values.

variable "mailbox_servers" {
  type        = number
  default     = 7
  description = "Mailbox servers; each has its own mail store volume."
}

locals {
  source_svm = "hci"
  dr_svm     = "hci_dr"

  # Mail stores alternate between the two aggregates so each controller of the HA pair
  # serves half of them.
  mail_stores = {
    for i in range(1, var.mailbox_servers + 1) : format("mail%d", i) => {
      size      = "1TiB"
      service   = "mailbox"
      aggregate = i % 2 == 1 ? "aggr1" : "aggr2"
      replicate = true
    }
  }

  others = {
    ldap     = { size = "100GiB", service = "ldap", aggregate = "aggr1", replicate = true }
    calendar = { size = "500GiB", service = "calendar", aggregate = "aggr2", replicate = true }
    # Proxies and monitoring: their VMs must live on a replicated datastore too.
    infra = { size = "500GiB", service = "infra", aggregate = "aggr1", replicate = true }
  }

  volumes = {
    for name, v in merge(local.mail_stores, local.others) : name => {
      name         = name
      size         = v.size
      role         = "data"
      service      = v.service
      aggregate    = v.aggregate
      svm          = local.source_svm
      replicate_to = v.replicate ? "scl3" : "none"
    }
  }
}

output "volumes" {
  description = "Every data volume: name => { name, size, role, service, aggregate, svm, replicate_to }."
  value       = local.volumes
}

output "replicated" {
  description = "The volumes SCL3 mirrors, in the same form."
  value       = { for k, v in local.volumes : k => v if v.replicate_to == "scl3" }
}

output "source_svm" {
  description = "The SVM at PHX1 that owns the source volumes."
  value       = local.source_svm
}

output "dr_svm" {
  description = "The SVM at SCL3 that owns the SnapMirror destinations."
  value       = local.dr_svm
}

output "snapmirror" {
  description = "SnapMirror policy and schedule of every relationship."
  value       = { policy = "MirrorAllSnapshots", schedule = "hourly" }
}
