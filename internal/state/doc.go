// Package state is the enclave's memory of what it manages: the state model (resources with
// their provider, attributes and dependencies, outputs, and the approval rules in force), its
// versioned and checksummed file format with one-step upgrades from older versions, the local
// backend (atomic writes, rotating backups, a lock file that says who holds it) and the
// hash-chained audit log.
//
// It must never talk to gear, never decide what to change, and never hold a secret in the
// clear: sensitive values reach it already hashed (HashSensitive), and sensitive outputs are
// hashed by Write before anything touches disk. A state file that fails its checksum is
// refused, never repaired silently.
package state
