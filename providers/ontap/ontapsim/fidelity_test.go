package ontapsim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fidelityWorld is the state every row of TestFidelity starts from: a
// volume, an export policy, a snapshot policy, a SnapMirror relationship
// inside svm1, a LIF and a second SVM. Paths name them as {vol}, {pol},
// {snappol}, {hourly}, {rel}, {lif}, {svm}, {peer} and {snap}.
func fidelityWorld(t *testing.T) (*client, *strings.Replacer) {
	c := newSim(t, Options{SVMs: []string{"svm1", "svm2"}})
	vol := c.createVolume(map[string]any{"name": "fv", "size": 1 << 30, "nas.path": "/fv"})
	out := c.must(201, "POST", "/api/protocols/nfs/export-policies?return_records=true", map[string]any{"name": "fp", "svm.name": "svm1",
		"rules": []any{map[string]any{"clients": []any{map[string]any{"match": "0.0.0.0/0"}}, "ro_rule": []any{"sys"}, "rw_rule": []any{"sys"}}}})
	pol := fmt.Sprintf("%.0f", records(out)[0]["id"])
	out = c.must(201, "POST", "/api/storage/snapshot-policies?return_records=true", map[string]any{"name": "fs", "svm.name": "svm1",
		"copies": []any{map[string]any{"schedule.name": "hourly", "count": 2}}})
	snappol := records(out)[0]["uuid"].(string)
	c.createVolume(map[string]any{"name": "fv_src", "size": 1 << 30})
	c.createVolume(map[string]any{"name": "fv_dst", "size": 1 << 30, "type": "dp"})
	out = c.must(201, "POST", "/api/snapmirror/relationships?return_timeout=10&return_records=true",
		map[string]any{"source.path": "svm1:fv_src", "destination.path": "svm1:fv_dst"})
	rel := records(out)[0]["uuid"].(string)
	out = c.must(201, "POST", "/api/network/ip/interfaces?return_records=true", map[string]any{"name": "fl", "svm.name": "svm1",
		"ip": map[string]any{"address": "192.0.2.20", "netmask": "24"}})
	lif := records(out)[0]["uuid"].(string)
	out = c.must(201, "POST", "/api/svm/peers?return_timeout=10&return_records=true", map[string]any{"svm.name": "svm1", "peer.svm.name": "svm2"})
	peer := records(out)[0]["uuid"].(string)
	out = c.must(201, "POST", "/api/storage/volumes/"+vol+"/snapshots?return_timeout=10&return_records=true", map[string]any{"name": "fsn"})
	snap := records(out)[0]["uuid"].(string)
	var svm2 string
	for _, v := range c.sim.SVMs() {
		if v.Name == "svm2" {
			svm2 = v.UUID
		}
	}
	return c, strings.NewReplacer("{vol}", vol, "{pol}", pol, "{snappol}", snappol, "{hourly}", c.sim.schedule("hourly").UUID,
		"{rel}", rel, "{lif}", lif, "{svm}", svm2, "{peer}", peer, "{snap}", snap)
}

// at reads a dotted path of a reply.
func at(out map[string]any, path string) any {
	var cur any = out
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// TestFidelity drives one row of README.md's fidelity table per case, over
// HTTP: what the body may carry, what ONTAP answers when it carries more, and
// what return_records=true answers. A row with get set reads that path back
// after the write and wants want there.
func TestFidelity(t *testing.T) {
	c, vars := fidelityWorld(t)
	for _, tc := range []struct {
		row          string // README.md's row
		method, path string
		body         any
		status       int
		code, target string
		message      string
		get          string // GET after the write ...
		field        string // ... reads this path ...
		want         any    // ... and wants this
		records      map[string]any
		noRecord     []string // fields return_records must leave out
	}{
		// volumes
		{row: "V1", method: "POST", path: "/api/storage/volumes?return_timeout=10", status: 201,
			body: map[string]any{"name": "v1", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}, "space": map[string]any{"size": 2 << 30}},
			get:  "/api/storage/volumes?name=v1&fields=size,space.size", field: "records.0.space.size", want: float64(2 << 30)},
		{row: "V1", method: "GET", path: "/api/storage/volumes?name=v1&fields=size", status: 200, field: "records.0.size", want: float64(2 << 30)},
		{row: "V2", method: "PATCH", path: "/api/storage/volumes/{vol}?return_timeout=10", status: 200, body: map[string]any{"space.size": 3 << 30},
			get: "/api/storage/volumes/{vol}?fields=size", field: "size", want: float64(3 << 30)},
		{row: "V3", method: "PATCH", path: "/api/storage/volumes/{vol}", status: 400, code: codeFieldConflict, target: "space.size",
			body: map[string]any{"size": 4 << 30, "space.size": 5 << 30}},
		{row: "V3", method: "PATCH", path: "/api/storage/volumes/{vol}?return_timeout=10", status: 200, body: map[string]any{"size": 4 << 30, "space.size": 4 << 30},
			get: "/api/storage/volumes/{vol}?fields=space.size", field: "space.size", want: float64(4 << 30)},
		{row: "V4", method: "PATCH", path: "/api/storage/volumes/{vol}?return_timeout=10", status: 200,
			body: map[string]any{"space": map[string]any{"snapshot": map[string]any{"reserve_percent": 10}}},
			get:  "/api/storage/volumes/{vol}?fields=space.snapshot", field: "space.snapshot.reserve_percent", want: float64(10)},
		{row: "V4", method: "PATCH", path: "/api/storage/volumes/{vol}", status: 400, code: codeInvalidValue, target: "space.snapshot.reserve_percent",
			body: map[string]any{"space.snapshot.reserve_percent": 91}},
		{row: "V5", method: "PATCH", path: "/api/storage/volumes/{vol}?return_timeout=10", status: 200,
			body: map[string]any{"space.logical_space.enforcement": true, "space.logical_space.reporting": true},
			get:  "/api/storage/volumes/{vol}?fields=space.logical_space", field: "space.logical_space.enforcement", want: true},
		{row: "V6", method: "PATCH", path: "/api/storage/volumes/{vol}?return_timeout=10", status: 200,
			body: map[string]any{"space.snapshot.autodelete_enabled": true},
			get:  "/api/storage/volumes/{vol}?fields=space.snapshot", field: "space.snapshot.autodelete.enabled", want: true},
		{row: "V6", method: "POST", path: "/api/storage/volumes", status: 400, code: codeFieldReadOnly, target: "space.snapshot.autodelete_enabled",
			body: map[string]any{"name": "v6", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}, "space.snapshot.autodelete_enabled": true}},
		{row: "V7", method: "POST", path: "/api/storage/volumes", status: 400, code: codeFieldReadOnly, target: "space.used",
			message: `Field "space.used" cannot be set in this operation.`,
			body:    map[string]any{"name": "v7", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}, "space.used": 0}},
		{row: "V8", method: "PATCH", path: "/api/storage/volumes/{vol}", status: 400, code: codeFieldReadOnly, target: "svm.name", body: map[string]any{"svm": map[string]any{"name": "svm2"}}},
		{row: "V8", method: "PATCH", path: "/api/storage/volumes/{vol}", status: 400, code: codeFieldReadOnly, target: "type", body: map[string]any{"type": "dp"}},
		{row: "V9", method: "POST", path: "/api/storage/volumes", status: 400, code: codeUnexpectedArg, target: "ndmp.allowed",
			message: `Unexpected argument "ndmp".`,
			body:    map[string]any{"name": "v9", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}, "ndmp": map[string]any{"allowed": true}}},
		{row: "V9", method: "PATCH", path: "/api/storage/volumes/{vol}", status: 400, code: codeUnexpectedArg, target: "space.bogus",
			message: `Unexpected argument "space.bogus".`, body: map[string]any{"space.bogus": 1}},
		{row: "V10", method: "POST", path: "/api/storage/volumes", status: 400, code: codeVolumeSVMMissing,
			message: `Either "svm.uuid" or "svm.name" must be provided.`,
			body:    map[string]any{"name": "v10", "svm": map[string]any{}, "aggregates": []any{map[string]any{"name": "aggr1"}}}},
		{row: "V11", method: "POST", path: "/api/storage/volumes?return_records=true&return_timeout=10", status: 201,
			body: map[string]any{"name": "v11", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}},
				"space.size": 1 << 30, "nas": map[string]any{"path": "/v11", "export_policy": map[string]any{"name": "fp"}}},
			records: map[string]any{"name": "v11", "space.size": float64(1 << 30), "nas.path": "/v11", "nas.export_policy.name": "fp",
				"svm.name": "svm1", "aggregates.0.name": "aggr1"},
			noRecord: []string{"state", "snapshot_policy", "comment"}},
		{row: "V12", method: "POST", path: "/api/storage/volumes?return_records=true", status: 202,
			body:    map[string]any{"name": "v12", "svm.name": "svm1", "aggregates": []any{map[string]any{"name": "aggr1"}}, "size": 1 << 30},
			records: map[string]any{"name": "v12", "size": float64(1 << 30)}},
		{row: "V13", method: "PATCH", path: "/api/storage/volumes/{vol}?return_timeout=10", status: 200,
			body: map[string]any{"analytics.state": "on", "tiering.min_cooling_days": 7, "snapshot_directory_access_enabled": false},
			get:  "/api/storage/volumes/{vol}?fields=analytics,tiering,snapshot_directory_access_enabled", field: "tiering.min_cooling_days", want: float64(7)},
		{row: "V13", method: "GET", path: "/api/storage/volumes/{vol}?fields=analytics", status: 200, field: "analytics.state", want: "on"},
		{row: "V14", method: "GET", path: "/api/storage/volumes?space.size=>3000000000&fields=space.size", status: 200, field: "records.0.name", want: "fv"},

		// export policies and rules
		{row: "E1", method: "POST", path: "/api/protocols/nfs/export-policies", status: 400, code: codeFieldReadOnly, target: "id",
			message: `Field "id" cannot be set in this operation.`, body: map[string]any{"name": "e1", "svm.name": "svm1", "id": 0}},
		{row: "E2", method: "PATCH", path: "/api/protocols/nfs/export-policies/{pol}", status: 400, code: codeFieldReadOnly, target: "svm.name",
			body: map[string]any{"svm.name": "svm2"}},
		{row: "E3", method: "POST", path: "/api/protocols/nfs/export-policies?return_records=true", status: 201,
			body: map[string]any{"name": "e3", "svm": map[string]any{"name": "svm1"}}, records: map[string]any{"name": "e3", "svm.name": "svm1"},
			noRecord: []string{"rules"}},
		{row: "E4", method: "POST", path: "/api/protocols/nfs/export-policies/{pol}/rules?return_records=true", status: 201,
			body:    map[string]any{"clients": []any{map[string]any{"match": "10.1.0.0/16"}}, "ro_rule": []any{"sys"}, "rw_rule": []any{"none"}},
			records: map[string]any{"index": float64(2), "clients.0.match": "10.1.0.0/16", "rw_rule.0": "none"}},
		{row: "E5", method: "POST", path: "/api/protocols/nfs/export-policies", status: 400, code: codeUnexpectedArg, target: "rules.colour",
			body: map[string]any{"name": "e5", "svm.name": "svm1", "rules": []any{map[string]any{"clients": []any{map[string]any{"match": "a"}},
				"ro_rule": []any{"sys"}, "rw_rule": []any{"sys"}, "colour": "blue"}}}},
		{row: "E6", method: "POST", path: "/api/protocols/nfs/export-policies/{pol}/rules", status: 400, code: codeFieldReadOnly, target: "policy.id",
			body: map[string]any{"clients": []any{map[string]any{"match": "b"}}, "ro_rule": []any{"sys"}, "rw_rule": []any{"sys"}, "policy": map[string]any{"id": 1}}},

		// snapshot policies and their schedules
		{row: "S1", method: "POST", path: "/api/storage/snapshot-policies", status: 400, code: codeUnexpectedArg, target: "copies.colour",
			body: map[string]any{"name": "s1", "copies": []any{map[string]any{"schedule.name": "daily", "count": 1, "colour": "x"}}}},
		{row: "S2", method: "PATCH", path: "/api/storage/snapshot-policies/{snappol}", status: 400, code: codeFieldReadOnly, target: "name",
			body: map[string]any{"name": "renamed"}},
		{row: "S3", method: "PATCH", path: "/api/storage/snapshot-policies/{snappol}/schedules/{hourly}", status: 400, code: codeFieldReadOnly,
			target: "schedule.name", body: map[string]any{"schedule.name": "daily"}},
		{row: "S4", method: "POST", path: "/api/storage/snapshot-policies?return_records=true", status: 201,
			body:    map[string]any{"name": "s4", "svm.name": "svm1", "copies": []any{map[string]any{"schedule": map[string]any{"name": "daily"}, "count": 3}}},
			records: map[string]any{"name": "s4", "copies.0.count": float64(3), "copies.0.schedule.name": "daily", "svm.name": "svm1"}},

		// SnapMirror
		{row: "M1", method: "PATCH", path: "/api/snapmirror/relationships/{rel}", status: 400, code: codeFieldReadOnly, target: "source.path",
			body: map[string]any{"source.path": "svm1:fv"}},
		{row: "M1", method: "PATCH", path: "/api/snapmirror/relationships/{rel}", status: 400, code: codeFieldReadOnly, target: "healthy",
			body: map[string]any{"healthy": true}},
		{row: "M2", method: "POST", path: "/api/snapmirror/relationships?return_records=true&return_timeout=10", status: 201,
			body: map[string]any{"source": map[string]any{"path": "svm1:fv", "cluster": "cluster1"}, "destination": map[string]any{"path": "svm1:m2"},
				"create_destination": map[string]any{"enabled": true}},
			records: map[string]any{"source.path": "svm1:fv", "destination.path": "svm1:m2", "source.cluster.name": "cluster1"}},

		{row: "M3", method: "PATCH", path: "/api/snapmirror/relationships/{rel}?return_timeout=10", status: 200,
			body: map[string]any{"transfer_schedule": map[string]any{"name": "hourly"}},
			get:  "/api/snapmirror/relationships/{rel}?fields=transfer_schedule", field: "transfer_schedule.name", want: "hourly"},
		{row: "M3", method: "PATCH", path: "/api/snapmirror/relationships/{rel}?return_timeout=10", status: 200,
			body: map[string]any{"transfer_schedule": map[string]any{"name": nil}},
			get:  "/api/snapmirror/relationships/{rel}?fields=transfer_schedule", field: "transfer_schedule", want: nil},

		// SVMs
		{row: "N1", method: "POST", path: "/api/svm/svms?return_timeout=10&return_records=true", status: 201,
			body:    map[string]any{"name": "n1", "ipspace": "Default", "snapshot_policy": "none", "max_volumes": "10", "nfs": map[string]any{"enabled": true, "allowed": true}},
			records: map[string]any{"name": "n1", "ipspace.name": "Default", "snapshot_policy.name": "none", "max_volumes": "10"}},
		{row: "N2", method: "POST", path: "/api/svm/svms", status: 400, code: codeFieldReadOnly, target: "state", body: map[string]any{"name": "n2", "state": "stopped"}},
		{row: "N2", method: "PATCH", path: "/api/svm/svms/{svm}", status: 400, code: codeFieldReadOnly, target: "ipspace.name", body: map[string]any{"ipspace": "Default"}},
		{row: "N2", method: "PATCH", path: "/api/svm/svms/{svm}", status: 400, code: codeFieldReadOnly, target: "subtype", body: map[string]any{"subtype": "default"}},
		{row: "N4", method: "PATCH", path: "/api/svm/svms/{svm}", status: 400, code: codeFieldReadOnly, target: "nfs.enabled",
			message: `Field "nfs.enabled" cannot be set in this operation.`, body: map[string]any{"nfs.enabled": false}},
		{row: "N4", method: "PATCH", path: "/api/svm/svms/{svm}", status: 400, code: codeFieldReadOnly, target: "iscsi.enabled",
			body: map[string]any{"iscsi": map[string]any{"enabled": true}}},
		{row: "N4", method: "GET", path: "/api/svm/svms/{svm}?fields=nfs", status: 200, field: "nfs.enabled", want: true},
		{row: "N5", method: "POST", path: "/api/svm/svms", status: 400, code: codeInvalidField, target: "cifs.name",
			body: map[string]any{"name": "n5", "cifs": map[string]any{"enabled": true}}},
		{row: "N5", method: "POST", path: "/api/svm/svms", status: 400, code: codeInvalidField, target: "cifs.ad_domain.fqdn",
			body: map[string]any{"name": "n5", "cifs": map[string]any{"name": "N5"}}},
		{row: "N5", method: "POST", path: "/api/svm/svms?return_timeout=10", status: 201,
			body: map[string]any{"name": "n5", "cifs": map[string]any{"name": "N5", "ad_domain": map[string]any{"fqdn": "ad.example.com", "user": "admin", "password": "x"}}},
			get:  "/api/protocols/cifs/services?svm.name=n5&fields=name,enabled", field: "records.0.enabled", want: true},
		{row: "N5", method: "GET", path: "/api/svm/svms?name=n5&fields=cifs", status: 200, field: "records.0.cifs.ad_domain.fqdn", want: "ad.example.com"},
		{row: "N3", method: "PATCH", path: "/api/svm/svms/{svm}?return_timeout=10", status: 200,
			body: map[string]any{"cifs.allowed": false, "ndmp.allowed": true, "max_volumes": "unlimited"},
			get:  "/api/svm/svms/{svm}?fields=cifs,ndmp", field: "cifs.allowed", want: false},
		{row: "N3", method: "GET", path: "/api/svm/svms/{svm}?fields=ndmp", status: 200, field: "ndmp.allowed", want: true},
		{row: "P1", method: "PATCH", path: "/api/svm/peers/{peer}", status: 400, code: codeFieldReadOnly, target: "peer.svm.name",
			body: map[string]any{"peer.svm.name": "svm1"}},

		// protocol services, on svm2 ({svm}), which starts with NFS enabled
		{row: "PS1", method: "POST", path: "/api/protocols/nfs/services", status: 409, code: codeDuplicate, target: "svm",
			body: map[string]any{"svm.name": "svm2"}},
		{row: "PS1", method: "PATCH", path: "/api/protocols/nfs/services/{svm}", status: 200, body: map[string]any{"enabled": false},
			get: "/api/svm/svms/{svm}?fields=nfs", field: "nfs.enabled", want: false},
		{row: "PS1", method: "GET", path: "/api/svm/svms/{svm}?fields=nfs", status: 200, field: "nfs._links.self.href", want: "/api/protocols/nfs/services/{svm}"},
		{row: "PS1", method: "GET", path: "/api/protocols/nfs/services/{svm}?fields=enabled,state", status: 200, field: "state", want: "offline"},
		{row: "PS1", method: "DELETE", path: "/api/protocols/nfs/services/{svm}", status: 200,
			get: "/api/svm/svms/{svm}?fields=nfs", field: "nfs._links", want: nil},
		{row: "PS1", method: "GET", path: "/api/protocols/nfs/services/{svm}", status: 404, code: codeNotFound, target: "svm.uuid"},
		{row: "PS1", method: "PATCH", path: "/api/protocols/nfs/services/{svm}", status: 404, code: codeNotFound, target: "svm.uuid", body: map[string]any{"enabled": true}},
		{row: "PS1", method: "POST", path: "/api/protocols/nfs/services?return_records=true", status: 201,
			body:    map[string]any{"svm": map[string]any{"uuid": "{svm}"}},
			records: map[string]any{"svm.name": "svm2", "svm.uuid": "{svm}"},
			get:     "/api/svm/svms/{svm}?fields=nfs", field: "nfs.enabled", want: true},
		{row: "PS1", method: "GET", path: "/api/protocols/nfs/services/{svm}", status: 200, field: "state", want: "online"},
		{row: "PS2", method: "GET", path: "/api/protocols/san/iscsi/services/{svm}", status: 404, code: codeISCSIMissing,
			message: "The SVM does not have an iSCSI service."},
		{row: "PS2", method: "POST", path: "/api/protocols/san/iscsi/services?return_records=true", status: 201,
			body: map[string]any{"svm.name": "svm2", "enabled": false}, records: map[string]any{"svm.name": "svm2", "enabled": false},
			get: "/api/svm/svms/{svm}?fields=iscsi", field: "iscsi.enabled", want: false},
		{row: "PS2", method: "GET", path: "/api/svm/svms/{svm}?fields=iscsi", status: 200, field: "iscsi._links.self.href", want: "/api/protocols/san/iscsi/services/{svm}"},
		{row: "PS2", method: "PATCH", path: "/api/protocols/san/iscsi/services/{svm}", status: 200, body: map[string]any{"enabled": true, "target.alias": "t2"},
			get: "/api/svm/svms/{svm}?fields=iscsi.enabled", field: "iscsi.enabled", want: true},
		{row: "PS2", method: "GET", path: "/api/protocols/san/iscsi/services/{svm}?fields=target", status: 200, field: "target.alias", want: "t2"},
		{row: "PS2", method: "DELETE", path: "/api/protocols/san/iscsi/services/{svm}", status: 409, code: codeSANEnabledDelete,
			message: "The iSCSI service is enabled. The iSCSI service must be disabled before it can be deleted."},
		{row: "PS2", method: "GET", path: "/api/protocols/san/iscsi/services", status: 200, field: "records.0.svm.name", want: "svm2"},
		{row: "PS2", method: "GET", path: "/api/protocols/san/iscsi/services", status: 200, field: "records.0.enabled", want: nil},
		{row: "PS3", method: "DELETE", path: "/api/protocols/san/fcp/services/{svm}", status: 404, code: codeFCPMissing},
		{row: "PS3", method: "POST", path: "/api/protocols/san/fcp/services", status: 201, body: map[string]any{"svm.uuid": "{svm}"},
			get: "/api/svm/svms/{svm}?fields=fcp", field: "fcp.enabled", want: true},
		{row: "PS3", method: "DELETE", path: "/api/protocols/san/fcp/services/{svm}", status: 409, code: codeSANEnabledDelete},
		{row: "PS3", method: "PATCH", path: "/api/protocols/san/fcp/services/{svm}", status: 200, body: map[string]any{"enabled": false}},
		{row: "PS3", method: "DELETE", path: "/api/protocols/san/fcp/services/{svm}", status: 200,
			get: "/api/svm/svms/{svm}?fields=fcp", field: "fcp._links", want: nil},
		{row: "PS4", method: "PATCH", path: "/api/svm/svms/{svm}?return_timeout=10", status: 200, body: map[string]any{"nvme.allowed": false}},
		{row: "PS4", method: "POST", path: "/api/protocols/nvme/services", status: 400, code: codeSvcNotAllowed,
			message: "NVMe is not allowed for the specified SVM.", body: map[string]any{"svm.name": "svm2"}},
		{row: "PS4", method: "PATCH", path: "/api/svm/svms/{svm}?return_timeout=10", status: 200, body: map[string]any{"nvme.allowed": true}},
		{row: "PS4", method: "POST", path: "/api/protocols/nvme/services", status: 201, body: map[string]any{"svm.name": "svm2"},
			get: "/api/svm/svms/{svm}?fields=nvme", field: "nvme.enabled", want: true},
		{row: "PS4", method: "DELETE", path: "/api/protocols/nvme/services/{svm}", status: 409, code: codeNVMeEnabledDelete},
		{row: "PS4", method: "PATCH", path: "/api/protocols/nvme/services/{svm}", status: 200, body: map[string]any{"enabled": false}},
		{row: "PS4", method: "DELETE", path: "/api/protocols/nvme/services/{svm}", status: 200},
		{row: "PS4", method: "GET", path: "/api/protocols/nvme/services/{svm}", status: 404, code: codeNVMeMissing},
		{row: "PS5", method: "POST", path: "/api/protocols/cifs/services", status: 400, code: codeSvcNotAllowed, // N3 disallowed it
			body: map[string]any{"svm.name": "svm2", "name": "SVM2", "ad_domain": map[string]any{"fqdn": "ad.example.com", "user": "admin", "password": "x"}}},
		{row: "PS5", method: "PATCH", path: "/api/svm/svms/{svm}?return_timeout=10", status: 200, body: map[string]any{"cifs.allowed": true}},
		{row: "PS5", method: "POST", path: "/api/protocols/cifs/services", status: 400, code: codeInvalidField, target: "ad_domain.fqdn",
			body: map[string]any{"svm.name": "svm2", "name": "SVM2"}},
		{row: "PS5", method: "POST", path: "/api/protocols/cifs/services", status: 400, code: codeInvalidField, target: "name",
			body: map[string]any{"svm.name": "svm2", "ad_domain": map[string]any{"fqdn": "ad.example.com", "user": "admin", "password": "x"}}},
		{row: "PS5", method: "POST", path: "/api/protocols/cifs/services?return_timeout=10", status: 201,
			body: map[string]any{"svm.name": "svm2", "name": "SVM2", "ad_domain": map[string]any{"fqdn": "ad.example.com", "user": "admin", "password": "x"}},
			get:  "/api/svm/svms/{svm}?fields=cifs", field: "cifs.enabled", want: true},
		{row: "PS5", method: "GET", path: "/api/protocols/cifs/services/{svm}", status: 200, field: "ad_domain.password", want: nil},
		{row: "PS5", method: "PATCH", path: "/api/protocols/cifs/services/{svm}", status: 400, code: codeCIFSRenameEnabled, target: "enabled", body: map[string]any{"name": "OTHER"}},
		{row: "PS5", method: "PATCH", path: "/api/protocols/cifs/services/{svm}?return_timeout=10", status: 200, body: map[string]any{"enabled": false},
			get: "/api/svm/svms/{svm}?fields=cifs", field: "cifs.enabled", want: false},
		{row: "PS5", method: "PATCH", path: "/api/protocols/cifs/services/{svm}?return_timeout=10", status: 200, body: map[string]any{"name": "OTHER"},
			get: "/api/protocols/cifs/services/{svm}?fields=name", field: "name", want: "OTHER"},
		{row: "PS6", method: "PATCH", path: "/api/protocols/nfs/services/{svm}", status: 400, code: codeFieldReadOnly, target: "svm.name",
			body: map[string]any{"svm.name": "svm1"}},
		{row: "PS6", method: "POST", path: "/api/protocols/nfs/services", status: 400, code: codeUnexpectedArg, target: "protocol.v4_enabled",
			body: map[string]any{"svm.name": "svm1", "protocol.v4_enabled": true}},
		{row: "PS6", method: "PATCH", path: "/api/protocols/san/iscsi/services/{svm}", status: 400, code: codeFieldReadOnly, target: "target.name",
			body: map[string]any{"target.name": "iqn.x"}},

		// IP interfaces
		{row: "I1", method: "POST", path: "/api/network/ip/interfaces?return_records=true", status: 201,
			body: map[string]any{"name": "i1", "svm.name": "svm1", "ip.address": "192.0.2.21", "service_policy": "default-data-blocks",
				"location": map[string]any{"auto_revert": true, "failover": "home_port_only"}},
			records: map[string]any{"name": "i1", "ip.address": "192.0.2.21", "service_policy.name": "default-data-blocks",
				"location.auto_revert": true, "location.failover": "home_port_only"}},
		{row: "I2", method: "PATCH", path: "/api/network/ip/interfaces/{lif}", status: 400, code: codeFieldReadOnly, target: "svm.name",
			body: map[string]any{"svm.name": "svm2"}},

		// snapshots, cluster
		{row: "T1", method: "PATCH", path: "/api/storage/volumes/{vol}/snapshots/{snap}?return_timeout=10", status: 200,
			body: map[string]any{"expiry_time": "2030-01-01T00:00:00+00:00"},
			get:  "/api/storage/volumes/{vol}/snapshots/{snap}", field: "expiry_time", want: "2030-01-01T00:00:00+00:00"},
		{row: "C1", method: "PATCH", path: "/api/cluster", status: 400, code: codeFieldReadOnly, target: "version.full", body: map[string]any{"version.full": "x"}},
		{row: "C1", method: "PATCH", path: "/api/cluster", status: 400, code: codeUnexpectedArg, target: "colour", body: map[string]any{"colour": "x"}},
		{row: "A1", method: "POST", path: "/api/storage/aggregates", status: 405, code: codeNotSupported, body: map[string]any{"name": "aggr3"}},
		{row: "J1", method: "PATCH", path: "/api/cluster/jobs/x", status: 405, code: codeNotSupported, body: map[string]any{"state": "paused"}},
	} {
		name := fmt.Sprintf("%s %s %s", tc.row, tc.method, tc.path)
		t.Run(name, func(t *testing.T) {
			out := c.must(tc.status, tc.method, vars.Replace(tc.path), replaceIn(vars, tc.body))
			if tc.code != "" {
				require.Equal(t, tc.code, errCode(out), "%v", out)
				if tc.target == "" {
					require.Nil(t, at(out, "error.target"), "%v", out)
				} else {
					require.Equal(t, tc.target, at(out, "error.target"), "%v", out)
				}
				if tc.message != "" {
					require.Equal(t, tc.message, at(out, "error.message"))
				}
			}
			if tc.records != nil {
				require.EqualValues(t, 1, out["num_records"], "%v", out)
				rec := records(out)[0]
				for path, want := range tc.records {
					require.Equal(t, replaceIn(vars, want), atIndexed(rec, path), "records[0].%s in %v", path, rec)
				}
				require.Contains(t, rec, "_links")
				for _, f := range tc.noRecord {
					require.NotContains(t, rec, f, "only what the body set comes back")
				}
			}
			if tc.field != "" {
				if tc.get != "" {
					out = c.must(200, "GET", vars.Replace(tc.get), nil)
				}
				require.Equal(t, replaceIn(vars, tc.want), atIndexed(out, tc.field), "%v", out)
			}
		})
	}
}

// replaceIn replaces the {names} of fidelityWorld in the strings of a body
// or wanted value.
func replaceIn(vars *strings.Replacer, v any) any {
	switch t := v.(type) {
	case string:
		return vars.Replace(t)
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = replaceIn(vars, x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = replaceIn(vars, x)
		}
		return a
	}
	return v
}

// atIndexed reads a dotted path whose parts may index arrays (records.0.x).
func atIndexed(v any, path string) any {
	cur := v
	for _, p := range strings.Split(path, ".") {
		switch t := cur.(type) {
		case map[string]any:
			cur = t[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(t) {
				return nil
			}
			cur = t[i]
		default:
			return nil
		}
	}
	return cur
}
