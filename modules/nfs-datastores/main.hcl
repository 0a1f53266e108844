# NFS datastores backed by ONTAP volumes, mounted on every ESXi host. The root must declare
#   provider "ontap" { alias = "phx1" ... }
# (the primary site's cluster; the DR copies live in modules/replicated-volume).

# Only the hosts may mount, and root on the hosts stays root (ESXi needs it for VM files).
resource "ontap_export_policy" "esx" {
  provider = ontap.phx1
  name     = var.export_policy
  svm      = var.svm

  rule {
    clients   = var.nfs_clients
    protocols = ["nfs3"]
    ro_rule   = ["sys"]
    rw_rule   = ["sys"]
    superuser = ["sys"]
  }
}

resource "ontap_volume" "vol" {
  provider        = ontap.phx1
  for_each        = var.datastores
  name            = each.key
  svm             = var.svm
  aggregate       = each.value.aggregate
  size            = each.value.size
  junction_path   = "/${each.key}"
  export_policy   = ontap_export_policy.esx.name
  snapshot_policy = var.snapshot_policy
  guarantee       = "none"
  efficiency      = "both"
  comment         = "datastore ${each.key}"

  lifecycle {
    prevent_destroy = true
  }

  tags = {
    role         = each.value.role
    service      = each.value.service
    replicate_to = each.value.replicate_to
  }
}

resource "vsphere_nas_datastore" "ds" {
  for_each     = var.datastores
  name         = each.key
  host_ids     = var.host_ids
  remote_hosts = [var.nfs_server]
  remote_path  = ontap_volume.vol[each.key].junction_path
  type         = var.nfs_version

  lifecycle {
    prevent_destroy = true
  }

  tags = {
    replicated = each.value.replicate_to != "none" ? "true" : "false"
    volume     = each.key
  }
}
