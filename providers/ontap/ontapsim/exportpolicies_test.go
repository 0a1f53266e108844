package ontapsim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExportPolicyRules(t *testing.T) {
	c := newSim(t, Options{})
	out := c.must(201, "POST", "/api/protocols/nfs/export-policies/?return_records=true", map[string]any{"name": "p1", "svm.name": "svm1"})
	id := fmt.Sprintf("%.0f", records(out)[0]["id"])
	base := "/api/protocols/nfs/export-policies/" + id + "/rules"

	rule := func(client string) map[string]any {
		return map[string]any{"clients": []any{map[string]any{"match": client}}, "ro_rule": []any{"sys"}, "rw_rule": []any{"sys"}}
	}
	for i, cl := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		out := c.must(201, "POST", base+"?return_records=true", rule(cl))
		require.EqualValues(t, 1, out["num_records"])
		require.EqualValues(t, i+1, records(out)[0]["index"])
	}
	out = c.must(409, "POST", base, rule("10.0.0.2"))
	require.Equal(t, "1704070", errCode(out))
	out = c.must(400, "POST", base, map[string]any{"clients": []any{map[string]any{"match": "x"}}, "rw_rule": []any{"sys"}})
	require.Equal(t, "2", errCode(out))
	require.Equal(t, "ro_rule", out["error"].(map[string]any)["target"])

	// filters on array members; defaults filled in
	out = c.must(200, "GET", base+"?clients.match=10.0.0.2&fields=*", nil)
	require.EqualValues(t, 1, out["num_records"])
	r := records(out)[0]
	require.EqualValues(t, 2, r["index"])
	require.Equal(t, []any{"any"}, r["protocols"])
	require.Equal(t, []any{"none"}, r["superuser"])
	require.Equal(t, "65534", r["anonymous_user"])
	out = c.must(200, "GET", base, nil)
	require.ElementsMatch(t, []string{"index", "_links"}, keysOf(records(out)[0]))

	// delete renumbers the rules after it
	c.must(200, "DELETE", base+"/1", nil)
	pol := findPolicy(c.sim, "svm1", "p1")
	require.Len(t, pol.Rules, 2)
	require.Equal(t, []string{"10.0.0.2"}, pol.Rules[0].Clients)
	require.EqualValues(t, 1, pol.Rules[0].Index)
	require.EqualValues(t, 2, pol.Rules[1].Index)

	// new_index moves a rule
	c.must(200, "PATCH", base+"/2?new_index=1", map[string]any{"rw_rule": []any{"never"}})
	pol = findPolicy(c.sim, "svm1", "p1")
	require.Equal(t, []string{"10.0.0.3"}, pol.Rules[0].Clients)
	require.Equal(t, []string{"never"}, pol.Rules[0].RWRule)
	out = c.must(404, "GET", base+"/9", nil)
	require.Equal(t, "entry doesn't exist", out["error"].(map[string]any)["message"])

	// a policy in use is not deleted; volumes follow a rename
	c.createVolume(map[string]any{"name": "v1", "nas.export_policy.name": "p1"})
	out = c.must(409, "DELETE", "/api/protocols/nfs/export-policies/"+id, nil)
	require.Equal(t, codeExportPolInUse, errCode(out))
	c.must(200, "PATCH", "/api/protocols/nfs/export-policies/"+id, map[string]any{"name": "p2"})
	v, _ := c.sim.Volume("svm1", "v1")
	require.Equal(t, "p2", v.ExportPolicy)
	out = c.must(409, "POST", "/api/protocols/nfs/export-policies", map[string]any{"name": "p2", "svm": map[string]any{"name": "svm1"}})
	require.Equal(t, "1", errCode(out))

	// inline rules at create
	out = c.must(201, "POST", "/api/protocols/nfs/export-policies?return_records=true", map[string]any{"name": "p3", "svm.name": "svm1",
		"rules": []any{rule("a"), rule("b")}})
	require.Len(t, records(out)[0]["rules"], 2)
}

func TestSnapshotPolicies(t *testing.T) {
	c := newSim(t, Options{})
	out := c.must(200, "GET", "/api/storage/snapshot-policies?name=default|none&fields=enabled,copies", nil)
	require.EqualValues(t, 2, out["num_records"])

	body := map[string]any{"name": "sp1", "svm.name": "svm1", "enabled": true,
		"copies": []any{map[string]any{"schedule": map[string]any{"name": "hourly"}, "count": 4}}}
	out = c.must(201, "POST", "/api/storage/snapshot-policies?return_records=true", body)
	id := records(out)[0]["uuid"].(string)
	require.Equal(t, "svm", c.must(200, "GET", "/api/storage/snapshot-policies/"+id, nil)["scope"])
	out = c.must(409, "POST", "/api/storage/snapshot-policies", body)
	require.Equal(t, "1638527", errCode(out))
	out = c.must(404, "POST", "/api/storage/snapshot-policies", map[string]any{"name": "sp2",
		"copies": []any{map[string]any{"schedule": map[string]any{"name": "fortnightly"}, "count": 4}}})
	require.Equal(t, "4", errCode(out))

	// schedules sub-collection, as Ansible's module uses it
	sch := "/api/storage/snapshot-policies/" + id + "/schedules"
	out = c.must(200, "GET", sch+"?fields=schedule.name,schedule.uuid,snapmirror_label,count,prefix&snapshot_policy.name=sp1", nil)
	require.EqualValues(t, 1, out["num_records"])
	r := records(out)[0]
	require.Equal(t, "hourly", r["prefix"])
	require.Equal(t, "-", r["snapmirror_label"])
	schedUUID := r["schedule"].(map[string]any)["uuid"].(string)
	c.must(201, "POST", sch, map[string]any{"schedule.name": "daily", "count": "2"})
	c.must(200, "PATCH", sch+"/"+schedUUID, map[string]any{"count": "6"})
	c.must(200, "DELETE", sch+"/"+schedUUID, nil)
	var sp SnapshotPolicy
	for _, p := range c.sim.SnapshotPolicies() {
		if p.Name == "sp1" {
			sp = p
		}
	}
	require.Equal(t, []SnapshotCopy{{Schedule: "daily", Count: 2, Prefix: "daily", SnapMirrorLabel: "-"}}, sp.Copies)
	dailyUUID := c.sim.schedule("daily").UUID
	out = c.must(400, "DELETE", sch+"/"+dailyUUID, nil)
	require.Equal(t, "262197", errCode(out))

	// in use by a volume
	c.createVolume(map[string]any{"name": "v1", "snapshot_policy.name": "sp1"})
	out = c.must(409, "DELETE", "/api/storage/snapshot-policies/"+id, nil)
	require.Equal(t, codeSnapPolicyInUse, errCode(out))
	c.must(200, "PATCH", "/api/storage/snapshot-policies/"+id, map[string]any{"enabled": false, "comment": "off"})
	out = c.must(400, "PATCH", "/api/storage/snapshot-policies/"+id, map[string]any{"copies": []any{}})
	require.Equal(t, codeFieldReadOnly, errCode(out), "9.13.1 changes copies through .../schedules")
	out = c.must(400, "PATCH", sch+"/"+dailyUUID, map[string]any{"count": 1024})
	require.Equal(t, "262197", errCode(out))
	out = c.must(400, "POST", sch, map[string]any{"schedule.name": "weekly", "count": 1022})
	require.Equal(t, "1638451", errCode(out))
	out = c.must(200, "GET", "/api/storage/snapshot-policies/"+id, nil)
	require.Equal(t, false, out["enabled"])
	require.Equal(t, "off", out["comment"])
}
