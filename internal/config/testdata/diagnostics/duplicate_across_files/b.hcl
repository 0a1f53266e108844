resource "vsphere_host" "h" {} # ERROR: already declared at a.hcl:3:1
