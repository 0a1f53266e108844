// Package lab runs the bundled simulators on loopback for a laptop trial and for end-to-end
// tests: govmomi's vSphere simulator (through providers/vsphere/vcsim), one Junos simulator per
// device and one ONTAP simulator per cluster, with a lab CA for TLS, an SSH client key, a
// known_hosts file and a lab.env describing how to reach each (SPEC §10).
//
// It must never listen on anything but loopback, and never reach real gear.
package lab
