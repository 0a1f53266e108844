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

# Every relationship fills one of this enclave's DR copies (modules/replicated-volume, which
# always creates them as dp). Not checked by type: breaking a mirror (a failover or a DR drill)
# turns the copy into a writable rw volume until the resync, and that must not block the plan
# that resyncs it.
policy "mirror-destinations-are-dr-copies" {
  enforcement = "mandatory"
  condition = alltrue([
    for r in ontap_snapmirror : contains([
      for v in ontap_volume : "${v.svm}:${v.name}" if try(v.tags.role, "") == "dr-copy"
    ], r.destination_path)
  ])
  message = "every SnapMirror destination must be one of this enclave's DR copies (modules/replicated-volume)."
}
