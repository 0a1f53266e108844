# The SCL3 cluster: its own SVM, its peering with the PHX1 SVM, and one SnapMirror destination
# per catalog volume. The clusters themselves are peered outside the enclave (a one-time,
# two-sided trust decision made by both storage admins); SVM peering for SnapMirror is here.

resource "ontap_svm" "dr" {
  provider   = ontap.scl3
  name       = module.catalog.dr_svm
  aggregates = ["aggr1", "aggr2"]
  protocols  = ["nfs"]
  comment    = "HCI SnapMirror destinations from PHX1"
}

resource "ontap_svm_peer" "phx1" {
  provider     = ontap.scl3
  svm          = ontap_svm.dr.name
  peer_svm     = module.catalog.source_svm
  peer_cluster = var.primary_cluster_name
  applications = ["snapmirror"]
}

module "mirror" {
  source     = "../../modules/replicated-volume"
  for_each   = module.catalog.replicated
  depends_on = [ontap_svm_peer.phx1]

  name          = each.value.name
  svm           = ontap_svm.dr.name
  aggregate     = each.value.aggregate
  size          = each.value.size
  source_svm    = each.value.svm
  source_volume = each.value.name
  policy        = module.catalog.snapmirror.policy
  schedule      = module.catalog.snapmirror.schedule
  state         = var.mirror_state
}

output "destination_paths" {
  value = { for k, m in module.mirror : k => m.destination_path }
}
