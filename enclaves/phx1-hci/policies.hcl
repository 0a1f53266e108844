# What the December outage taught, written down where every plan checks it.

policy "two-uplinks" {
  enforcement = "mandatory"
  condition = (
    length([for i in junos_interface : i if try(i.tags.role, "") == "uplink"]) == 2 &&
    length(distinct([for i in junos_interface : try(i.tags.device, "") if try(i.tags.role, "") == "uplink"])) == 2
  )
  message = "HCI joins the core through exactly two 10GbE uplinks (junos_interface tagged role = \"uplink\"), on two different devices (tags.device)."
}

# replicate_to comes first: it is known at plan time, and a false there decides the rule even
# while a volume's snapshot_policy is still unknown (left to ONTAP's default).
policy "data-volumes-protected" {
  enforcement = "mandatory"
  condition = alltrue([
    for v in ontap_volume : try(v.tags.replicate_to, "") == "scl3" && !contains(["none", ""], try(v.snapshot_policy, "none"))
    if try(v.tags.role, "") == "data"
  ])
  message = "every data volume (ontap_volume tagged role = \"data\") needs a snapshot policy other than none and must be in the replication catalog (tags.replicate_to = \"scl3\", mirrored by enclaves/scl3-dr)."
}

policy "zone-pairs-end-in-deny" {
  enforcement = "mandatory"
  condition   = alltrue([for p in junos_security_policies : try(p.policy[length(p.policy) - 1].action, "") == "deny"])
  message     = "the last policy of every zone pair (junos_security_policies) must be an explicit deny."
}

# What a plan newly permits through the SRX, computed from its configuration before and after
# (docs/reachability.md): a service opened from every source to every destination of a zone
# pair is a mistake here, whatever policy spelled it.
policy "no-any-to-any" {
  enforcement = "mandatory"
  condition   = !anytrue([for o in reachability.opens : o.any_to_any])
  message     = "a change must not permit a service from any source to any destination of a zone pair: see the flows marked \"any to any\" in the plan's Reachability section."
}

policy "memory-fits-n-minus-1" {
  enforcement = "mandatory"
  condition   = sum(concat([0], [for vm in vsphere_virtual_machine : vm.memory_mb])) <= (length(vsphere_host) - 1) * var.host_memory_gb * 1024
  message     = "the service VMs' memory must fit on the cluster with one host failed: at most (hosts - 1) x host_memory_gb."
}

policy "no-vm-on-unreplicated-datastore" {
  enforcement = "mandatory"
  condition = alltrue([
    for vm in vsphere_virtual_machine : contains([for d in vsphere_nas_datastore : d.name if try(d.tags.replicated, "") == "true"], try(vm.tags.datastore, ""))
  ])
  message = "every VM (tags.datastore) must live on a datastore tagged replicated = \"true\": a VM on an unreplicated datastore does not come back at SCL3."
}

# The id check, a policy of its own: datastore ids are unknown until the first apply, and in
# one condition with the name check they would leave both undecided on the first plan.
policy "vm-datastore-ids-replicated" {
  enforcement = "mandatory"
  condition = alltrue([
    for vm in vsphere_virtual_machine : contains([for d in vsphere_nas_datastore : d.id if try(d.tags.replicated, "") == "true"], vm.datastore_id)
  ])
  message = "every VM's datastore_id must be a datastore tagged replicated = \"true\"."
}

# Advisory: vCPUs at most twice the physical cores left with one host failed. Mail servers
# tolerate some overcommit; past two to one, latency shows before the graphs do.
policy "cpu-overcommit" {
  enforcement = "advisory"
  condition   = sum(concat([0], [for vm in vsphere_virtual_machine : vm.num_cpus])) <= 2 * (length(vsphere_host) - 1) * var.host_cores
  message     = "the service VMs' vCPUs exceed twice the physical cores of the cluster with one host failed."
}
