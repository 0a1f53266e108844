# Two ONTAP clusters in the lab (enclave lab up --ontap phx1 --ontap scl3), for
# test/ontap_e2e_test.go: an SVM with a data LIF, an export policy, a snapshot policy and
# data volumes at phx1; at scl3 an SVM peered with it and a SnapMirror destination for the
# first of the volumes.

enclave "ontap-e2e" {}

variable "ontap_ca_file" { type = string }
variable "ontap_phx1_url" { type = string }
variable "ontap_phx1_user" { type = string }
variable "ontap_phx1_password" {
  type      = string
  sensitive = true
}
variable "ontap_scl3_url" { type = string }
variable "ontap_scl3_user" { type = string }
variable "ontap_scl3_password" {
  type      = string
  sensitive = true
}

variable "volumes" {
  type    = number
  default = 3
}

provider "ontap" {
  url      = var.ontap_phx1_url
  username = var.ontap_phx1_user
  password = var.ontap_phx1_password
  ca_file  = var.ontap_ca_file
}

provider "ontap" {
  alias    = "scl3"
  url      = var.ontap_scl3_url
  username = var.ontap_scl3_user
  password = var.ontap_scl3_password
  ca_file  = var.ontap_ca_file
}

resource "ontap_svm" "hci" {
  name       = "hci"
  aggregates = ["aggr1", "aggr2"]
  protocols  = ["nfs"]
  comment    = "HCI datastores"
}

resource "ontap_network_interface" "nfs" {
  name           = "hci_nfs1"
  svm            = ontap_svm.hci.name
  address        = "10.30.0.50"
  netmask        = "24"
  service_policy = "default-data-files"
}

resource "ontap_export_policy" "esx" {
  name = "esx"
  svm  = ontap_svm.hci.name
  rule {
    clients   = ["10.30.0.11", "10.30.0.12"]
    protocols = ["nfs3"]
    ro_rule   = ["sys"]
    rw_rule   = ["sys"]
    superuser = ["sys"]
  }
  rule {
    clients   = ["10.30.0.0/24"]
    protocols = ["nfs"]
    ro_rule   = ["sys"]
    rw_rule   = ["never"]
  }
}

resource "ontap_snapshot_policy" "hci" {
  name = "hci-data"
  svm  = ontap_svm.hci.name
  copies {
    schedule = "hourly"
    count    = 24
  }
  copies {
    schedule = "daily"
    count    = 14
  }
}

resource "ontap_volume" "data" {
  count           = var.volumes
  name            = "data${count.index}"
  svm             = ontap_svm.hci.name
  aggregate       = count.index % 2 == 0 ? "aggr1" : "aggr2"
  size            = "100GiB"
  guarantee       = "none"
  junction_path   = "/data${count.index}"
  export_policy   = ontap_export_policy.esx.name
  snapshot_policy = ontap_snapshot_policy.hci.name
}

resource "ontap_svm" "dr" {
  provider   = ontap.scl3
  name       = "hci_dr"
  aggregates = ["aggr1"]
  protocols  = ["nfs"]
}

resource "ontap_svm_peer" "hci" {
  provider     = ontap.scl3
  svm          = ontap_svm.dr.name
  peer_svm     = ontap_svm.hci.name
  peer_cluster = "phx1"
}

resource "ontap_volume" "data0_dr" {
  provider  = ontap.scl3
  name      = "data0_dr"
  svm       = ontap_svm.dr.name
  aggregate = "aggr1"
  size      = "100GiB"
  type      = "dp"
  guarantee = "none"
}

resource "ontap_snapmirror" "data0" {
  provider         = ontap.scl3
  source_path      = "${ontap_svm_peer.hci.peer_svm}:${ontap_volume.data[0].name}"
  destination_path = "${ontap_svm.dr.name}:${ontap_volume.data0_dr.name}"
  policy           = "MirrorAllSnapshots"
  schedule         = "hourly"
}

approval {
  required = 1
  approver "alice" { key = file("reviewers/alice.pub") }
}
