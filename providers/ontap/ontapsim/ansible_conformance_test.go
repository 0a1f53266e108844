package ontapsim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAnsibleConformance runs Debian's Ansible netapp.ontap modules (a real
// ONTAP client, use_rest: always) against two simulators over TLS: export
// policy and rule, snapshot policy, volume, SVM and LIF, and a SnapMirror
// relationship from a peered cluster. Each is created, re-run (which must
// change nothing), modified and deleted, and the model is checked after each
// phase. It fails, never skips, when ansible-playbook is missing: install
// Debian's ansible package. ONTAPSIM_ANSIBLE_EXTENDED=1 adds na_ontap_svm and
// na_ontap_interface.
func TestAnsibleConformance(t *testing.T) {
	t.Parallel() // the slowest test; the others run beside it
	playbook, err := exec.LookPath("ansible-playbook")
	require.NoError(t, err, "ansible-playbook is required (apt-get install -y ansible)")

	sim := New(Options{ClusterName: "dst", SVMs: []string{"svm1"}, JobDuration: 50 * time.Millisecond})
	ts := httptest.NewTLSServer(sim)
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	// a second cluster, the SnapMirror source; its volumes and the
	// destination volume are made out of band, as the vol chain already
	// covers na_ontap_volume
	src := New(Options{ClusterName: "src", SVMs: []string{"svm_src"}, JobDuration: 50 * time.Millisecond})
	sim.Peer(src)
	require.NoError(t, sim.PeerSVM("svm1", src, "svm_src"))
	src.AddVolume(Volume{Name: "sm_src", SVM: "svm_src", Size: 1 << 30})
	sim.AddVolume(Volume{Name: "sm_dst", SVM: "svm1", Size: 1 << 30, Type: "dp", Aggregates: []string{"aggr2"}})
	dir := t.TempDir()

	// Independent chains run as inventory hosts in parallel (forks), each
	// including only its own tasks, so the test stays fast on a loaded
	// machine: pol (export policy and rule), snap (snapshot policy), vol
	// (volume), svm (SVM), lif (IP interface) and sm (SnapMirror).
	// svm and lif run only with ONTAPSIM_ANSIBLE_EXTENDED=1: the package's
	// tests must stay under a minute on a loaded CI machine, and every
	// module run costs about half a CPU second.
	extended := os.Getenv("ONTAPSIM_ANSIBLE_EXTENDED") == "1"
	optional := map[string]bool{"svm": true, "lif": true}
	run := func(phase string, chains map[string]string) map[string]taskResult {
		t.Helper()
		var hosts []string
		for host, tasks := range chains {
			if optional[host] && !extended {
				continue
			}
			hosts = append(hosts, host)
			require.NoError(t, os.WriteFile(filepath.Join(dir, phase+"-"+host+".yml"), []byte(tasks), 0o600))
		}
		sort.Strings(hosts)
		play := fmt.Sprintf(`- hosts: all
  gather_facts: false
  module_defaults:
    group/netapp.ontap.netapp_ontap:
      hostname: 127.0.0.1
      http_port: %s
      username: admin
      password: "netapp1!"
      https: true
      validate_certs: false
      use_rest: always
  tasks:
    - ansible.builtin.include_tasks: "%s-{{ inventory_hostname }}.yml"
`, port, phase)
		pb := filepath.Join(dir, phase+".yml")
		require.NoError(t, os.WriteFile(pb, []byte(play), 0o600))
		cmd := exec.Command(playbook, "-i", strings.Join(hosts, ",")+",", "-c", "local", "-f", fmt.Sprint(len(hosts)),
			"-e", "ansible_python_interpreter=/usr/bin/python3", pb)
		cmd.Env = append(os.Environ(),
			"ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_HOME="+dir, "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"),
			"ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "rtmp"), "ANSIBLE_NOCOLOR=1", "ANSIBLE_PIPELINING=1",
			"ANSIBLE_RETRY_FILES_ENABLED=0", "ANSIBLE_DEPRECATION_WARNINGS=0")
		start := time.Now()
		out, err := cmd.Output()
		t.Logf("phase %s: %v", phase, time.Since(start))
		res := parseAnsible(t, out)
		for k, r := range res {
			require.False(t, r.Failed && !strings.HasPrefix(r.Name, expectFailure), "phase %s: task %q failed: %s\n%s", phase, k, r.Msg, r.Raw)
		}
		require.NoError(t, err, "phase %s: %s", phase, out)
		return res
	}

	create := map[string]string{
		"pol": `
- name: export policy
  netapp.ontap.na_ontap_export_policy:
    state: present
    name: pol_ans
    vserver: svm1
- name: export rule
  netapp.ontap.na_ontap_export_policy_rule:
    state: present
    name: pol_ans
    vserver: svm1
    client_match: ["10.0.0.0/24"]
    ro_rule: [sys]
    rw_rule: [sys]
    protocol: [nfs3]
    super_user_security: [none]
`,
		"snap": `
- name: snapshot policy
  netapp.ontap.na_ontap_snapshot_policy:
    state: present
    name: snap_ans
    vserver: svm1
    schedule: [hourly, daily]
    count: [4, 2]
    enabled: true
`,
		// the volume uses policies that exist from the start (none is
		// cluster-scoped) so the chains are independent
		"vol": `
- name: volume
  netapp.ontap.na_ontap_volume:
    state: present
    name: vol_ans
    vserver: svm1
    aggregate_name: aggr1
    size: 100
    size_unit: mb
    junction_path: /vol_ans
    export_policy: default
    snapshot_policy: none
    space_guarantee: volume
`,
		"svm": `
- name: svm
  netapp.ontap.na_ontap_svm:
    state: present
    name: svm_ans
    aggr_list: [aggr1, aggr2]
    comment: made by ansible
    ipspace: Default
    snapshot_policy: default
    max_volumes: "50"
    services: {nfs: {allowed: true, enabled: true}, cifs: {allowed: false}}
`,
		// on svm1, which exists from the start, so that it runs beside svm
		"lif": `
- name: lif
  netapp.ontap.na_ontap_interface:
    state: present
    interface_name: lif_ans
    vserver: svm1
    address: 192.0.2.10
    netmask: 255.255.255.0
    home_node: dst-01
    home_port: e0d
    service_policy: default-data-files
    ipspace: Default
`,
		// transferring_time_out: 0 spares the module's 30 s sleep after
		// initializing
		"sm": `
- name: snapmirror
  netapp.ontap.na_ontap_snapmirror:
    source_endpoint: {path: "svm_src:sm_src"}
    destination_endpoint: {path: "svm1:sm_dst"}
    policy: MirrorAllSnapshots
    schedule: hourly
    initialize: true
    update: false
    transferring_time_out: 0
`,
	}
	// the same tasks again, in the same run: they must change nothing
	again := map[string]string{}
	for host, tasks := range create {
		again[host] = tasks + strings.ReplaceAll(tasks, "- name: ", "- name: again ")
	}
	res := run("create", again)
	want := map[string]bool{}
	for _, k := range []string{"pol/export policy", "pol/export rule", "snap/snapshot policy", "vol/volume", "svm/svm", "lif/lif", "sm/snapmirror"} {
		want[k] = true
		host, task, _ := strings.Cut(k, "/")
		want[host+"/again "+task] = false
	}
	wantOnly := func(want map[string]bool) map[string]bool {
		for k := range want {
			if host, _, _ := strings.Cut(k, "/"); optional[host] && !extended {
				delete(want, k)
			}
		}
		return want
	}
	require.Equal(t, wantOnly(want), changed(res), "created, then a re-run changes nothing")

	vol, found := sim.Volume("svm1", "vol_ans")
	require.True(t, found)
	require.Equal(t, int64(100<<20), vol.Size)
	require.Equal(t, "/vol_ans", vol.JunctionPath)
	require.Equal(t, "default", vol.ExportPolicy)
	require.Equal(t, "none", vol.SnapshotPolicy)
	pol := findPolicy(sim, "svm1", "pol_ans")
	require.NotNil(t, pol)
	require.Len(t, pol.Rules, 1)
	require.Equal(t, []string{"10.0.0.0/24"}, pol.Rules[0].Clients)
	require.Equal(t, []string{"nfs3"}, pol.Rules[0].Protocols)
	if extended {
		svms := map[string]SVM{}
		for _, v := range sim.SVMs() {
			svms[v.Name] = v
		}
		require.Equal(t, "made by ansible", svms["svm_ans"].Comment)
		require.Equal(t, []string{"aggr1", "aggr2"}, svms["svm_ans"].Aggregates)
		require.Equal(t, "50", svms["svm_ans"].MaxVolumes)
		require.Equal(t, []string{"cifs"}, svms["svm_ans"].NotAllowed)
		require.True(t, svms["svm_ans"].NFS)
		lifs := sim.Interfaces()
		require.Len(t, lifs, 1)
		require.Equal(t, "192.0.2.10", lifs[0].Address)
		require.Equal(t, "default-data-files", lifs[0].ServicePolicy)
	}
	require.Eventually(t, func() bool {
		rels := sim.Relationships()
		return len(rels) == 1 && rels[0].State == SMSnapmirrored
	}, 20*time.Second, 10*time.Millisecond, "the relationship initialized")
	rel := sim.Relationships()[0]
	require.Equal(t, "src", rel.SourceCluster)
	require.Equal(t, "hourly", rel.Schedule)

	res = run("modify", map[string]string{
		"vol": `
- name: resize volume
  netapp.ontap.na_ontap_volume:
    state: present
    name: vol_ans
    vserver: svm1
    size: 200
    size_unit: mb
    comment: resized by ansible
`,
		"snap": `
- name: snapshot policy counts
  netapp.ontap.na_ontap_snapshot_policy:
    state: present
    name: snap_ans
    vserver: svm1
    schedule: [hourly, daily]
    count: [6, 2]
    enabled: true
`,
		"sm": `
- name: snapmirror policy
  netapp.ontap.na_ontap_snapmirror:
    source_endpoint: {path: "svm_src:sm_src"}
    destination_endpoint: {path: "svm1:sm_dst"}
    policy: MirrorLatest
    schedule: daily
    update: false
`,
		"svm": `
- name: svm modify
  netapp.ontap.na_ontap_svm:
    state: present
    name: svm_ans
    comment: changed by ansible
    services: {nfs: {enabled: false}, iscsi: {enabled: true}}
`,
		// na_ontap_restit sends what the typed modules of 22.7.0 do not:
		// space.size and return_records=true on a volume POST (as NetApp's
		// Terraform provider does), then a PATCH on the uuid the returned
		// record carries, and an export policy POST with a read-only id
		"rest": `
- name: restit volume
  netapp.ontap.na_ontap_restit:
    api: storage/volumes
    method: POST
    query: {return_records: "true"}
    body:
      name: vol_rest
      svm.name: svm1
      aggregates: [{name: aggr2}]
      space: {size: 104857600, snapshot: {reserve_percent: 0}}
      nas.path: /vol_rest
    wait_for_completion: true
  register: created
- name: restit resize
  netapp.ontap.na_ontap_restit:
    api: "storage/volumes/{{ created.response.records[0].uuid }}"
    method: PATCH
    body: {space.size: 209715200}
    wait_for_completion: true
- name: "expect failure: restit read-only id"
  netapp.ontap.na_ontap_restit:
    api: protocols/nfs/export-policies
    method: POST
    body: {name: pol_rest, svm.name: svm1, id: 0}
  ignore_errors: true
`,
	})
	readOnly := res["rest/"+expectFailure+"restit read-only id"]
	require.True(t, readOnly.Failed, "ONTAP refuses a read-only field in a POST body")
	require.Contains(t, readOnly.Raw, `"error_code": "262196"`)
	delete(res, "rest/"+expectFailure+"restit read-only id")
	var made struct {
		Response struct {
			NumRecords int              `json:"num_records"`
			Records    []map[string]any `json:"records"`
		} `json:"response"`
	}
	require.NoError(t, json.Unmarshal([]byte(res["rest/restit volume"].Raw), &made))
	require.Equal(t, 1, made.Response.NumRecords, "return_records=true answers the new record")
	require.Equal(t, "vol_rest", made.Response.Records[0]["name"])
	require.Equal(t, map[string]any{"size": 104857600.0, "snapshot": map[string]any{"reserve_percent": 0.0}}, made.Response.Records[0]["space"],
		"the record as a GET with the posted fields answers it")
	restVol, found := sim.Volume("svm1", "vol_rest")
	require.True(t, found)
	require.Equal(t, int64(200<<20), restVol.Size, "space.size resized it")
	require.Equal(t, "/vol_rest", restVol.JunctionPath)
	require.Equal(t, wantOnly(map[string]bool{"vol/resize volume": true, "snap/snapshot policy counts": true, "sm/snapmirror policy": true, "svm/svm modify": true,
		"rest/restit volume": true, "rest/restit resize": true}), changed(res))
	vol, _ = sim.Volume("svm1", "vol_ans")
	require.Equal(t, int64(200<<20), vol.Size)
	require.Equal(t, "resized by ansible", vol.Comment)
	for _, p := range sim.SnapshotPolicies() {
		if p.Name == "snap_ans" {
			require.Equal(t, int64(6), p.Copies[0].Count)
		}
	}
	rel = sim.Relationships()[0]
	require.Equal(t, "MirrorLatest", rel.Policy)
	require.Equal(t, "daily", rel.Schedule)
	for _, v := range sim.SVMs() {
		if v.Name == "svm_ans" {
			require.Equal(t, "changed by ansible", v.Comment)
			// through the services: a PATCH of NFS's, a POST of a new iSCSI one
			require.False(t, v.NFS)
			require.True(t, v.ISCSI)
			require.ElementsMatch(t, []string{"nfs", "iscsi"}, v.Services)
		}
	}

	res = run("delete", map[string]string{
		"vol": `
- name: volume
  netapp.ontap.na_ontap_volume:
    state: absent
    name: vol_ans
    vserver: svm1
`,
		"pol": `
- name: export rule
  netapp.ontap.na_ontap_export_policy_rule:
    state: absent
    name: pol_ans
    vserver: svm1
    rule_index: 1
- name: export policy
  netapp.ontap.na_ontap_export_policy:
    state: absent
    name: pol_ans
    vserver: svm1
`,
		"snap": `
- name: snapshot policy
  netapp.ontap.na_ontap_snapshot_policy:
    state: absent
    name: snap_ans
    vserver: svm1
`,
		"sm": `
- name: snapmirror
  netapp.ontap.na_ontap_snapmirror:
    state: absent
    source_endpoint: {path: "svm_src:sm_src"}
    destination_endpoint: {path: "svm1:sm_dst"}
`,
		"lif": `
- name: lif
  netapp.ontap.na_ontap_interface:
    state: absent
    interface_name: lif_ans
    vserver: svm1
`,
		"svm": `
- name: svm
  netapp.ontap.na_ontap_svm:
    state: absent
    name: svm_ans
`,
	})
	require.Equal(t, wantOnly(map[string]bool{"vol/volume": true, "pol/export rule": true, "pol/export policy": true, "snap/snapshot policy": true,
		"sm/snapmirror": true, "lif/lif": true, "svm/svm": true}), changed(res))
	_, found = sim.Volume("svm1", "vol_ans")
	require.False(t, found)
	require.Nil(t, findPolicy(sim, "svm1", "pol_ans"))
	for _, p := range sim.SnapshotPolicies() {
		require.NotEqual(t, "snap_ans", p.Name)
	}
	require.Empty(t, sim.Relationships())
	require.Empty(t, sim.Interfaces())
	require.Len(t, sim.SVMs(), 1)
	dstVol, _ := sim.Volume("svm1", "sm_dst")
	require.Equal(t, "rw", dstVol.Type, "Ansible broke the relationship before deleting it")

	// Ansible's first call, and its dotted/trailing-slash requests, reached
	// the routes they were meant for.
	counts := sim.RequestCounts()
	require.Positive(t, counts["GET /api/cluster"])
	require.Positive(t, counts["GET /api/protocols/nfs/export-policies"])
	require.Positive(t, counts["PATCH /api/storage/volumes/{uuid}"])
	require.Positive(t, counts["DELETE /api/storage/volumes/{uuid}"])
}

type taskResult struct {
	Name    string
	Changed bool
	Failed  bool
	Msg     string
	Raw     string
}

// expectFailure names the tasks that are meant to fail (with ignore_errors).
const expectFailure = "expect failure: "

// parseAnsible reads the json callback's output into results by
// "host/task", leaving out skipped tasks and includes.
func parseAnsible(t *testing.T, out []byte) map[string]taskResult {
	t.Helper()
	// the json callback prints one document; warnings may precede it
	i := strings.Index(string(out), "{")
	require.GreaterOrEqual(t, i, 0, "no JSON from ansible-playbook: %s", out)
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Task struct {
					Name string `json:"name"`
				} `json:"task"`
				Hosts map[string]json.RawMessage `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	require.NoError(t, json.Unmarshal(out[i:], &doc), "%s", out)
	res := map[string]taskResult{}
	for _, p := range doc.Plays {
		for _, task := range p.Tasks {
			for host, raw := range task.Hosts {
				var h struct {
					Action  string `json:"action"`
					Changed bool   `json:"changed"`
					Failed  bool   `json:"failed"`
					Skipped bool   `json:"skipped"`
					Msg     string `json:"msg"`
				}
				_ = json.Unmarshal(raw, &h)
				if h.Skipped || strings.HasSuffix(h.Action, "include_tasks") {
					continue
				}
				res[host+"/"+task.Task.Name] = taskResult{Name: task.Task.Name, Changed: h.Changed, Failed: h.Failed, Msg: h.Msg, Raw: string(raw)}
			}
		}
	}
	return res
}

func changed(rs map[string]taskResult) map[string]bool {
	out := make(map[string]bool, len(rs))
	for k, r := range rs {
		out[k] = r.Changed
	}
	return out
}

func findPolicy(s *Server, svm, name string) *ExportPolicy {
	for _, p := range s.ExportPolicies() {
		if p.SVM == svm && p.Name == name {
			return &p
		}
	}
	return nil
}
