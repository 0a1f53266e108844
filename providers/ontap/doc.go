// Package ontap is the provider for NetApp ONTAP clusters: it manages SVMs, network
// interfaces, volumes, NFS export policies, snapshot policies and SnapMirror relationships
// through ONTAP's REST API, on net/http alone.
//
// Reads are batched: a refresh issues one collection GET per object kind per cluster
// (fields= names only what is compared; max_records pages are followed through
// _links.next) and matches the records to the requested ids on the client. Writes send
// return_timeout=30 and, when ONTAP answers 202, poll /api/cluster/jobs/{uuid} with a
// backoff that starts at 100 ms and is capped at 1 s, under an overall deadline
// (job_timeout_seconds). After every write the object is read back, so ChangeResult.New is
// what the cluster holds even when the write failed half way.
//
// Volume sizes are accepted as bytes or with a unit: "500GiB", "20MB", "1TiB". Units are
// powers of 1024 whether or not they carry the "i", as in ONTAP's own CLI (20MB, the
// smallest volume, is 20971520 bytes). Normalize turns them into a decimal byte count, the
// form refresh reports, so "500GiB" and 536870912000 compare equal.
//
// Other choices a user sees: efficiency sets compression and deduplication together
// (none, inline, background, both; refresh reports "mixed" when they differ); a volume's
// svm, aggregate and type force a replacement, everything else (name included) changes in
// place, state in its own PATCH ordered so that mounting happens while online; export rules
// are ordered and replaced as a whole in one PATCH; snapshot policy copies change through
// the policy's schedules collection; a SnapMirror relationship is created on the
// destination cluster's provider, initialized with PATCH state=snapmirrored and awaited
// until snapmirrored. Interface netmasks are reported as prefix lengths.
//
// This package must never retry a POST, PATCH or DELETE (they are not idempotent on
// ONTAP: a retried create after a lost response makes a duplicate or fails with one), never
// send credentials over an unverified connection unless insecure = true was set (and then
// warns on every run), never put the password in an error, and never import the engine,
// the CLI, another provider or its own simulator outside tests.
package ontap
