// Package ontapsim is an in-memory NetApp ONTAP cluster that speaks the ONTAP
// REST API (as of 9.13.1) over HTTP: an http.Handler in the way
// go-containerregistry's pkg/registry is one, started with
//
//	sim := ontapsim.New(ontapsim.Options{SVMs: []string{"svm1"}})
//	ts := httptest.NewTLSServer(sim)
//
// It serves the project's tests and `enclave lab up`, and real clients
// (Ansible's netapp.ontap modules, with use_rest: always) work against it. It
// must never import another enclave package: it simulates the device, not
// our view of it.
//
// # Objects
//
// One file per object kind, named after ONTAP's own vocabulary:
//
//	/api/cluster, /api/cluster/nodes (an HA pair), /api/cluster/schedules   cluster.go
//	/api/cluster/jobs[/{uuid}]                                              jobs.go
//	/api/storage/aggregates (aggr1, aggr2, 10 TiB each)                     aggregates.go
//	/api/svm/svms                                                           svms.go
//	/api/network/ip/interfaces (and an always empty /api/network/fc/...)    interfaces.go
//	/api/storage/volumes                                                    volumes.go
//	/api/storage/volumes/{uuid}/snapshots[/{uuid}]                          snapshots.go
//	/api/protocols/nfs/export-policies[/{id}[/rules[/{index}]]]             exportpolicies.go
//	/api/storage/snapshot-policies[/{uuid}[/schedules[/{uuid}]]]            snapshotpolicies.go
//	/api/snapmirror/relationships[/{uuid}[/transfers[/{uuid}]]], policies   snapmirror.go
//	/api/cluster/peers, /api/svm/peers                                      peers.go
//	/api/protocols/{nfs,san/iscsi,san/fcp,nvme}/services[/{svm.uuid}]      services.go
//	/api/protocols/cifs/services[/{svm.uuid}]                              cifsservices.go
//
// # Protocol
//
// Basic auth on every request (401 with ONTAP's body otherwise); the
// X-Dot-Client-App and X-Dot-SVM-Name headers are accepted and ignored.
// Logf, when set, gets one line per request with status and duration. Collections
// answer {"records", "num_records", "_links": {"self", "next"}}; without
// fields= only the key fields (uuid and name; id for export policies, index
// for rules) and _links come back, a single object comes back whole.
// fields= takes names, dotted sub-fields, * (all but the expensive "metric"
// and "statistics"), ** and !exclusions. Every other query parameter filters
// on the field it names (dotted, through arrays: clients.match=), with
// ONTAP's operators: * wildcards, | alternatives, ! negation, < > <= >=,
// a..b ranges, "quoted" or {braced} literals; string matches ignore case.
// max_records pages; the next link carries the cursor as start.<key>=
// (records are ordered by uuid, id or index; with order_by=field [desc],...
// by those fields, and the cursor is then start.offset=).
// return_records and return_timeout (0..120, else 400 code 262197) are
// honoured. Names in fields= that the simulator does not model are left out
// of the reply rather than refused. PATCH or DELETE on a collection applies
// to every record its query selects ({"num_records", "jobs"}); without a
// query it is refused.
//
// Bodies may use dotted keys ({"svm.name": "x"} is {"svm": {"name": "x"}});
// paths may end in "/", and a query string escaped into the path is read.
// Invalid JSON is 400 code 262199. Each kind lists the fields its POST and
// PATCH take (fields.go, fieldSet): a field the object has but the operation
// cannot set (a read-only id, a POST-only type in a PATCH) is 400 code 262196
// ("Field \"id\" cannot be set in this operation."); any other is 400 code
// 262179 ("Unexpected argument \"x\"."), as a release without that field
// answers, also for documented fields the simulator does not model. A POST
// with return_records=true answers the new record as a GET with fields= of
// the posted fields would.
//
// # Fidelity
//
// README.md beside this file is the fidelity table: every simulated endpoint
// and field, what a real cluster does (with the source: ONTAP's REST
// reference, NetApp's clients, the public record) and whether the simulator
// does the same; fidelity_test.go drives its rows.
//
// # Jobs
//
// SVM, volume, snapshot, SnapMirror, SVM-peer and cluster writes are
// asynchronous: the default return_timeout=0 answers 202
// {"job": {uuid, _links}}; with
// return_timeout>0 the server waits up to that long and answers 200 (201 for
// POST), or the job's error if it failed, or 202 if it is still running. A
// POST with return_records=true carries num_records/records beside the job
// link, finished or not. Export policies, their
// rules, snapshot policies and IP interfaces are synchronous (201/200).
//
// A job's state is computed from the Clock when read: queued for a quarter of
// Options.JobDuration (default 200ms), running for the rest, then success or
// failure; 300 s after it ends it is purged (GET answers 404). The model
// change a job stands for is made when the job is created (and not at all if
// the job is injected to fail); the changes that follow a job's end (a
// SnapMirror transfer completing) are made the first time any request or
// inspection sees it ended. No goroutine runs in the background. With a
// FakeClock (which implements Sleeper) waits for return_timeout jump the
// clock instead of sleeping.
//
// # Semantics
//
// SVMs get no root volume record; their namespace root "/" always exists.
// An SVM's protocols are services: made with the SVM (<protocol>.enabled in
// its POST; CIFS also needs cifs.name and cifs.ad_domain) or by POST
// /api/protocols/.../services, switched by PATCH there only (an SVM PATCH
// with <protocol>.enabled is 262196); the SVM record shows each service's
// enabled and links to it. SAN and NVMe services must be disabled before
// they are deleted.
// Volumes: svm, name and aggregates are required; defaults size 20 MB (the
// minimum), type rw, state online, guarantee volume, snapshot policy of the
// SVM ("default"; "none" for dp), export policy "default". Names are unique
// in an SVM (917526). nas.path must start with "/", not end with one, be
// unique in the SVM, and its parent must be another volume's junction unless
// it is "/x" (918252); only online volumes mount, and going offline or
// restricted unmounts. The snapshot policy (917551) and export policy
// (1703954) must exist; guaranteed volumes reserve their size on the
// aggregate, whose space.block_storage.used/available follow; PATCH
// movement.destination_aggregate moves a volume. DELETE takes an
// online volume offline itself, but refuses a mounted one, as ONTAP's
// documentation says to unmount first (PATCH nas.path "") — which is what
// Ansible's na_ontap_volume does.
//
// SnapMirror: relationships live on the destination cluster. POST takes
// source.path and destination.path ("svm:volume"); the source is an online rw
// volume on this cluster or a peered one, in the same SVM or a peered SVM;
// the destination must be a dp volume (or create_destination.enabled); a
// destination already in a relationship is 6619637; state in POST without
// create_destination is 13303873. Default policy MirrorAllSnapshots. PATCH
// state=snapmirrored initializes (uninitialized), resyncs (broken_off) or
// resumes (paused); on a snapmirrored relationship it is 13303832. PATCH
// broken_off breaks (the destination volume becomes type rw), paused
// quiesces; other transitions are 13303818. POST .../transfers initializes
// or updates (201). A transfer runs as a job; when it ends the relationship
// is snapmirrored, lag_time (ISO 8601, PT5M) counts from its end, and a
// failed transfer makes it unhealthy. A source that is gone or offline (on
// either cluster) makes the relationship unhealthy when read and its
// transfers fail; the next good transfer heals it.
//
// Snapshot policies: POST takes copies (schedule, count, prefix defaulting to
// the schedule's name, snapmirror_label); as in 9.13.1 PATCH takes only
// enabled and comment, and copies change through .../schedules; a policy
// keeps at most 1023 copies in total (1638451).
//
// Peering: Server.Peer(other) peers two clusters in one process on both
// sides (the simulator cannot reach a cluster by address, so POST
// /api/cluster/peers is refused); SVMs are then peered with POST
// /api/svm/peers (accepted at once on both sides) or Server.PeerSVM. Peering
// never holds both servers' locks at once: a request that needs a peer's
// volumes copies them before taking its own lock. Peers know each other by
// cluster name; renaming a peered cluster is not followed by its peers.
//
// # Serving
//
// The Server is only a handler: TLS and the listener are the caller's
// (httptest.NewTLSServer in tests; a certificate from the lab's CA in
// `enclave lab up`). Credentials are Options.Username and Password.
//
// # Error codes
//
// The codes in errors.go marked "sim" (volume too small 917534, mounted
// volume delete 917627, aggregate full 917809, SnapMirror destination not dp
// 13303821, source invalid 13303812, SVMs not peered 13303819, ...) were not
// found in a public source; they are the simulator's own, documented so
// tests do not mistake them for ONTAP's. The others come from ONTAP's
// documentation and NetApp's clients.
//
// # Faults and inspection
//
// Faults() injects latency, error statuses for the next N matching
// requests, failing jobs and slow jobs. Requests, RequestCounts (by
// "METHOD /api/pattern") and ResetCounts let tests assert round trips.
// Volumes, Volume, SVMs, Aggregates, ExportPolicies, SnapshotPolicies,
// Relationships, Interfaces, ClusterPeers, SVMPeers and Jobs read the model
// directly (copies); AddSVM, UpdateSVM, AddVolume, UpdateVolume and
// UpdateRelationship change it out of band, as an administrator on the CLI
// would, for drift tests. Out-of-band changes are not validated.
//
// # Ansible
//
// ansible_conformance_test.go runs Debian's Ansible (netapp.ontap 22.7.0,
// use_rest: always) against two simulators over TLS: na_ontap_export_policy,
// na_ontap_export_policy_rule, na_ontap_snapshot_policy, na_ontap_volume and
// na_ontap_snapmirror (plus na_ontap_svm and na_ontap_interface with
// ONTAPSIM_ANSIBLE_EXTENDED=1) — create, an idempotent re-run, modify,
// delete — and na_ontap_restit for what those modules do not send (a volume
// POST with space.size and return_records=true, a read-only id). What the
// modules needed shaped some answers: references come whole (fields=svm.uuid
// also returns svm.name) and may be given as a bare name where the modules
// send one (ipspace, snapshot_policy, service_policy, source.cluster),
// snapshot policy copies always carry prefix and snapmirror_label, export
// rules carry anonymous_user and the 9.9.1 fields, a missing record is
// "entry doesn't exist".
package ontapsim
