// Package test holds the end-to-end tests: they build the enclave binary once and drive it,
// as a user or CI would, against the lab's simulators started in the test process, then check
// the gear through the simulators' own APIs (govmomi, and govc's commands).
//
// It must never write into the repository (every test works on a copy of the enclave in a
// temporary directory) and never reach anything but loopback.
package test
