// Package vcsim runs govmomi's vSphere simulator as the project's vSphere lab and test bench.
//
// It does not simulate vSphere itself: govmomi's simulator does. This package configures a
// model (an empty-ish lab datacenter, or the standard VPX inventory for tests), serves it over
// TLS with the lab's certificate and credentials, counts SOAP requests per method so tests can
// assert round trips, and fills the few gaps where the simulator and a real vCenter differ in
// ways the provider depends on: NFS exports are directories under the lab directory and NAS
// datastores mount them, datastores can be unmounted per host, clusters can be destroyed.
//
// It must never import the vSphere provider (a simulator does not know its client), and it
// must never be used to reach a real vCenter.
package vcsim
