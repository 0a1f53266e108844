enclave "phx1-hci" {
  description = "Hyper Critical Infrastructure, PHX1"
  state {
    backend = "postgres"
    url     = env("ENCLAVE_PG_URL")
  }
}

variable "vcenter_password" {
  type      = string
  sensitive = true
}

variable "uplink_mtu" {
  type        = number
  default     = 9000
  description = "MTU of the two uplinks"
  validation {
    condition     = var.uplink_mtu >= 1500
    error_message = "Uplinks carry at least 1500 bytes."
  }
}

variable "site" {
  type = object({
    name = string
    vlan = optional(number, 100)
  })
  default = { name = "phx1" }
}

locals { hosts = ["esx1", "esx2", "esx3", "esx4", "esx5"] }

provider "vsphere" {
  url      = "https://vcenter.phx1.example/sdk"
  username = "svc-enclave"
  password = var.vcenter_password
  ca_file  = "pki/vcenter-ca.pem"
}

provider "junos" {
  alias            = "srx"
  host             = "srx-a.phx1.example"
  port             = 830
  username         = "enclave"
  private_key_file = "~/.ssh/enclave"
  known_hosts_file = "pki/known_hosts"
}

module "esx" {
  source = "../../modules/esx-cluster"
  hosts  = local.hosts
}

data "vsphere_datacenter" "phx1" {
  name = "phx1"
}

resource "vsphere_compute_cluster" "hci" {
  name          = "hci"
  datacenter_id = data.vsphere_datacenter.phx1.id
  ha_enabled    = true
  tags          = { tier = "critical" }
  lifecycle {
    prevent_destroy = true
    ignore_changes  = [drs_automation_level, ha_host_failures_tolerated]
  }
}

resource "junos_interface" "uplink" {
  for_each    = toset(["reth0", "reth1"])
  provider    = junos.srx
  name        = each.key
  mtu         = var.uplink_mtu
  description = "uplink ${each.key}"
  tags        = { role = "uplink" }
  depends_on  = [vsphere_compute_cluster.hci, module.esx]

  dynamic "unit" {
    for_each = [0, 10]
    iterator = u
    content {
      id          = u.value
      description = "${each.key}.${u.value} in ${local.hosts[0]}"
    }
  }
}

output "cluster_id" { value = vsphere_compute_cluster.hci.id }

output "host_ids" {
  value       = module.esx.host_ids
  sensitive   = true
  description = "every host"
}

policy "two-uplinks" {
  enforcement = "mandatory"
  condition   = length([for i in junos_interface : i if try(i.tags.role, "") == "uplink"]) == 2
  message     = "the enclave joins the core through exactly two uplinks"
}

policy "named" {
  enforcement = "advisory"
  condition   = true
  message     = "advisory"
}
