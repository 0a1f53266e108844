policy "every-catalog-volume-mirrored" {
  enforcement = "mandatory"
  condition = alltrue([
    for k, v in module.catalog.replicated : contains(
      [for r in ontap_snapmirror : r.source_path if r.destination_path == "${module.catalog.dr_svm}:${v.name}"],
      "${v.svm}:${v.name}"
    )
  ])
  message = "every volume the HCI replication catalog marks replicate_to = \"scl3\" needs a SnapMirror relationship from its PHX1 source into the SCL3 SVM."
}

policy "mirror-destinations-are-dp" {
  enforcement = "mandatory"
  condition = alltrue([
    for r in ontap_snapmirror : contains([for v in ontap_volume : "${v.svm}:${v.name}" if v.type == "dp"], r.destination_path)
  ])
  message = "every SnapMirror destination must be a dp volume of this enclave."
}
