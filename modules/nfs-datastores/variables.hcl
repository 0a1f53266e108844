variable "svm" {
  type        = string
  description = "SVM that owns the volumes and the export policy."
}

variable "datastores" {
  type = map(object({
    aggregate    = string
    size         = string # "2TiB", "500GiB" or bytes
    role         = optional(string, "data")
    service      = optional(string, "")
    replicate_to = optional(string, "none") # the DR site that mirrors the volume, or "none"
  }))
  description = "Datastore name (also the volume name and junction path) => its volume."
}

variable "snapshot_policy" {
  type        = string
  description = "Snapshot policy of every volume."

  validation {
    condition     = var.snapshot_policy != "none" && var.snapshot_policy != ""
    error_message = "datastore volumes hold data: give them a snapshot policy other than none."
  }
}

variable "export_policy" {
  type        = string
  default     = "esx-hosts"
  description = "Name of the export policy the module creates for the ESXi hosts."
}

variable "nfs_clients" {
  type        = list(string)
  description = "The ESXi hosts' NFS vmkernel addresses (or their subnet): the only clients the volumes are exported to."
}

variable "nfs_server" {
  type        = string
  description = "Address of the SVM's data LIF that the hosts mount from."
}

variable "host_ids" {
  type        = list(string)
  description = "ESXi hosts that mount every datastore."
}

variable "nfs_version" {
  type    = string
  default = "NFS"
}
