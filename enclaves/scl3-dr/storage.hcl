# The SCL3 cluster: its own SVM and one SnapMirror destination per catalog volume. The
# clusters and SVMs are peered outside the enclave (a one-time, two-sided trust decision).

resource "ontap_svm" "dr" {
  provider   = ontap.scl3
  name       = module.catalog.dr_svm
  aggregates = ["aggr1", "aggr2"]
  protocols  = ["nfs"]
  comment    = "HCI SnapMirror destinations from PHX1"
}

module "mirror" {
  source   = "../../modules/replicated-volume"
  for_each = module.catalog.replicated

  name          = each.value.name
  svm           = ontap_svm.dr.name
  aggregate     = each.value.aggregate
  size          = each.value.size
  source_svm    = each.value.svm
  source_volume = each.value.name
  policy        = module.catalog.snapmirror.policy
  schedule      = module.catalog.snapmirror.schedule
}

output "destination_paths" {
  value = { for k, m in module.mirror : k => m.destination_path }
}
