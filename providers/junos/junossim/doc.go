// Package junossim is a Junos device simulator: a NETCONF-over-SSH server (RFC 6241/6242)
// that answers like Junos does, for the project's tests and for `enclave lab up`. Juniper's
// own clients (PyEZ, ncclient) and github.com/Juniper/go-netconf work against it; the
// conformance test proves it with the first two.
//
// It must never import another enclave package: a simulator does not know its client.
//
// # Server
//
//	sim, _ := junossim.New(junossim.Options{Personality: "srx", Users: map[string][]ssh.PublicKey{"enclave": {key}}})
//	addr, _ := sim.Listen("127.0.0.1:0")
//	defer sim.Close()
//
// SSH with public-key authentication per user and an ed25519 host key (generated unless
// Options.HostKey is set; HostKey() is for known_hosts); subsystem "netconf". The hello
// carries Junos's capabilities and a session-id; base:1.1 (and RFC 6242 chunked framing when
// the client offers it too) only with Options.Base11. Replies declare the junos namespace
// and echo the request's message-id.
//
// # Configuration
//
// The configuration is a generic element tree of the Junos hierarchy (schema.go describes
// the keyed lists, leaves and leaf-lists enclave uses, and where the CLI words differ from
// the XML: `interfaces ge-0/0/1` is <interfaces><interface><name>, `from-zone a to-zone b`
// is <policy><from-zone-name>..., `802.3ad ae0` is <ieee-802.3ad><bundle>; anything else
// still loads, its shape guessed from the instance). There is a shared candidate,
// per-session private candidates (<open-configuration><private/>), the committed
// configuration, 50 rollbacks and the commit history.
//
// Physical ports are not modelled: any interface name loads, and only configured units
// count for the commit check. The initial configuration is `system host-name` and the
// ssh/netconf services.
//
// Three formats in and out: Junos XML; curly-brace text (with `replace:` and `delete:` tags,
// `[ a b ]` leaf-lists, comments); and set lines (`set`, `delete`, and `insert ... before|after
// ...` for ordered lists).
//
// RPCs: lock, unlock, lock-configuration, unlock-configuration, open-configuration,
// close-configuration, load-configuration (action merge|replace|override|update|set; format
// xml|text|set; rollback="N"; Junos attributes delete, replace, and insert
// before|after|first|last with the neighbour's key), get-configuration (database, format
// xml|text|set|json, subtree filter, compare="rollback"), commit-configuration (check,
// confirmed, confirm-timeout in minutes, log), get-commit-information, discard-changes,
// close-session, kill-session, the RFC get-config, edit-config (default-operation and
// operation attributes), commit (confirm-timeout in seconds), validate and get. Anything
// else is answered with Junos's "syntax error" rpc-error.
//
// # Operational answers
//
// The "srx" personality is a two-node SRX345 chassis cluster (cluster-id 1, node0 primary,
// the session on node0) and answers per node inside <multi-routing-engine-results> where
// Junos does; the "ex" personality is a standalone EX4300-48T (hardware.go). They answer
// what clients ask when a session opens (PyEZ's facts, the Terraform junos provider's
// system information): get-system-information, get-software-information,
// get-chassis-inventory, get-route-engine-information, get-chassis-cluster-status (SRX),
// get-interface-information for the internal routing instance, file-show of
// /etc/hosts.junos and file-list of the home directory. The <command> RPC understands
// show version, show system information, show chassis hardware|routing-engine|cluster
// status, `| display xml rpc`, and `show configuration [PATH]` with `| display set
// [relative]`, `| display xml`, `| display json` and `| display inheritance`, in
// format="xml" (the default) and "text" (command.go, showconfig.go).
//
// README.md is the fidelity table: for every one of these RPCs and options, what a real
// device answers and where that is written down, whether the simulator does the same, and
// the test that holds it there.
//
// Locking follows Junos: a lock is refused while another session holds it ("configuration
// database locked by: ...") or while the shared candidate holds another session's
// uncommitted changes ("configuration database modified"); releasing the lock (unlock or the
// session ending) discards the uncommitted changes made under it.
//
// A confirmed commit rolls back by itself when no commit (from any session) follows within
// its timeout, also when the session that issued it is gone, as on Junos; the timer runs on
// Options.Clock, so tests pass a *ManualClock and Advance it.
//
// # Commit check
//
// Like Junos the commit (and commit check, and validate) refuses: a security policy naming
// an address or address set that is in neither the zone's address book nor a global one, an
// undefined application (junos-* predefined applications and any are defined), an
// undefined zone, a missing mandatory match statement; an address set naming an undefined member; an interface in two zones; a
// zone interface whose unit is not configured under [edit interfaces]; two VLANs with one
// vlan-id. Errors carry error-path, bad-element and error-message, and a final
// "configuration check-out failed". The "ex" personality refuses the security hierarchy and
// chassis cluster at load time with "syntax error".
//
// # Tests
//
// Faults() arms fault injection (per-RPC delay, drop after N RPCs, drop at commit before or
// after applying, fail the next commit). RPCCount, RPCCounts and ResetCounts count RPCs by
// their element name over all sessions, every RPC received (including refused and dropped
// ones), so a test can assert round trips. CommittedXML, CommittedSet, CommittedText, CandidateSet, Locked,
// CandidateModified, ConfirmPending, CommitCount, CommitHistory and Sessions inspect the
// device; LoadSet seeds and commits a base configuration. Rendered answers are golden files
// under testdata/ (operational/, command/, getconfig/); `go test -update` rewrites them.
package junossim
