//go:build !unix

package state

// processAlive cannot ask on this platform, so a lock is never called stale here.
func processAlive(pid int) bool { return true }
