# A SnapMirror destination at the DR site: a dp volume and the relationship that fills it from
# the source volume on the (peered) primary cluster. The root must declare
#   provider "ontap" { alias = "scl3" ... }
# ONTAP creates relationships on the destination cluster, so only that cluster is needed.

resource "ontap_volume" "dp" {
  provider  = ontap.scl3
  name      = var.name
  svm       = var.svm
  aggregate = var.aggregate
  size      = var.size
  type      = "dp"
  guarantee = "none"
  comment   = "SnapMirror copy of ${var.source_svm}:${var.source_volume}"

  lifecycle {
    prevent_destroy = true
    # Breaking the mirror (a failover or a DR drill) turns the copy into a writable rw volume
    # and a resync turns it back: the relationship's state says which, not the volume's type.
    ignore_changes = [type]
  }

  tags = { role = "dr-copy", source = "${var.source_svm}:${var.source_volume}" }
}

resource "ontap_snapmirror" "mirror" {
  provider         = ontap.scl3
  source_path      = "${var.source_svm}:${var.source_volume}"
  destination_path = "${var.svm}:${ontap_volume.dp.name}"
  policy           = var.policy
  schedule         = var.schedule
  state            = var.state
  tags             = { source = "${var.source_svm}:${var.source_volume}" }
}
