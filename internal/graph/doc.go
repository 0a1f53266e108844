// Package graph is the dependency graph of an enclave and its parallel, failure-aware walk.
// Building, cycle detection and ordering are linear in nodes plus edges. It knows nothing of
// HCL, providers or state: vertices are strings.
package graph
