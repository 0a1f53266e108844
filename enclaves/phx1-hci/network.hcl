# Firewall (SRX cluster) and switching (EX virtual chassis).

module "srx" {
  source         = "../../modules/srx-cluster"
  uplink_address = "10.0.0.2/30"
  core_gateway   = "10.0.0.1"

  networks = { for k, n in local.networks : k => { zone = n.zone, vlan_id = n.vlan_id, prefix = n.prefix } if n.routed }

  core_prefixes = {
    corp-clients = "10.64.0.0/12"
    corp-mx      = "10.1.5.0/28"
    vpn          = "10.250.0.0/16"
    ops-bastion  = "10.1.9.10/32"
  }

  # Users reach mail, calendars and the web UI; operators reach management from the bastion.
  # Everything else between zones falls to the deny-all the module appends to each pair.
  zone_policies = {
    core-to-hci = {
      from = "core"
      to   = "hci"
      rules = [
        { name = "mail-clients", source = ["corp-clients", "vpn"], destination = ["services"], application = ["imaps", "pop3s", "submission", "junos-https"] },
        { name = "calendars", source = ["corp-clients", "vpn"], destination = ["services"], application = ["caldav"] },
        { name = "inbound-mx", source = ["corp-mx"], destination = ["services"], application = ["junos-smtp"] },
        { name = "ldap-readers", source = ["corp-clients"], destination = ["services"], application = ["ldaps"] },
      ]
    }
    hci-to-core = {
      from = "hci"
      to   = "core"
      rules = [
        { name = "outbound-mail", source = ["services"], destination = ["corp-mx"], application = ["junos-smtp"] },
        { name = "dns-ntp", source = ["services"], destination = ["any"], application = ["junos-dns-udp", "junos-ntp"] },
      ]
    }
    core-to-mgmt = {
      from = "core"
      to   = "mgmt"
      rules = [
        { name = "ops-ssh", source = ["ops-bastion"], destination = ["mgmt"], application = ["junos-ssh", "junos-https", "zimbra-adm"] },
      ]
    }
    mgmt-to-hci = {
      from = "mgmt"
      to   = "hci"
      rules = [
        { name = "monitoring", source = ["mgmt"], destination = ["services"], application = ["any"] },
      ]
    }
  }
}

module "ex" {
  source = "../../modules/ex-switching"

  vlans = { for k, n in local.networks : k => { vlan_id = n.vlan_id, description = "${k} ${n.prefix}" } }

  # Each host and each filer controller has one port on each virtual-chassis member.
  trunk_ports = merge(
    { for i in range(length(local.esx_hosts)) : "xe-0/0/${i}" => keys(local.networks) },
    { for i in range(length(local.esx_hosts)) : "xe-1/0/${i}" => keys(local.networks) },
    { "xe-0/0/20" = ["storage"], "xe-1/0/20" = ["storage"] },
  )

  access_ports = {
    "ge-0/0/40" = "mgmt" # console server
  }
}
