// Package perf holds the performance benchmarks and round-trip tests of whole plans and
// applies through the engine against the simulators. Figures come from `go test -bench`,
// never from timed assertions; round trips are counted by the simulators.
package perf
