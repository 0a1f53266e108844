# The FAS HA pair: one SVM serving NFS to the ESXi hosts, a snapshot policy for every data
# volume, and the datastores from the replication catalog (SCL3 mirrors them; see scl3-dr).

resource "ontap_svm" "hci" {
  provider   = ontap.phx1
  name       = module.catalog.source_svm
  aggregates = ["aggr1", "aggr2"]
  protocols  = ["nfs"]
  comment    = "HCI datastores"
}

resource "ontap_network_interface" "nfs" {
  provider       = ontap.phx1
  name           = "hci_nfs1"
  svm            = ontap_svm.hci.name
  address        = local.nfs_lif_address
  netmask        = "24"
  service_policy = "default-data-files"
}

# Hourly for the day, daily for two weeks, weekly for two months: the December outage had
# nothing recent to go back to.
resource "ontap_snapshot_policy" "hci" {
  provider = ontap.phx1
  name     = "hci-data"
  svm      = ontap_svm.hci.name

  copies {
    schedule = "hourly"
    count    = 24
  }

  copies {
    schedule = "daily"
    count    = 14
  }

  copies {
    schedule = "weekly"
    count    = 8
  }
}

module "datastores" {
  source = "../../modules/nfs-datastores"

  svm             = ontap_svm.hci.name
  snapshot_policy = ontap_snapshot_policy.hci.name
  nfs_clients     = local.esx_nfs_addresses
  nfs_server      = ontap_network_interface.nfs.address
  host_ids        = module.esx.host_ids

  datastores = {
    for name, v in module.catalog.volumes : name => {
      aggregate    = v.aggregate
      size         = v.size
      role         = v.role
      service      = v.service
      replicate_to = v.replicate_to
    }
  }
}
