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
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAnsibleConformance runs Debian's Ansible netapp.ontap modules (a real
// ONTAP client) against the simulator over TLS: create, an idempotent
// re-run, modify and delete of an export policy and rule, a snapshot policy
// and a volume, checking the model after each phase. It fails, never skips,
// when ansible-playbook is missing: install Debian's ansible package.
func TestAnsibleConformance(t *testing.T) {
	t.Parallel() // the slowest test; the others run beside it
	playbook, err := exec.LookPath("ansible-playbook")
	require.NoError(t, err, "ansible-playbook is required (apt-get install -y ansible)")

	sim := New(Options{ClusterName: "dst", SVMs: []string{"svm1"}, JobDuration: 50 * time.Millisecond})
	ts := httptest.NewTLSServer(sim)
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	// a second cluster, the SnapMirror source
	src := New(Options{ClusterName: "src", SVMs: []string{"svm_src"}, JobDuration: 50 * time.Millisecond})
	tsrc := httptest.NewTLSServer(src)
	defer tsrc.Close()
	u, _ = url.Parse(tsrc.URL)
	_, srcPort, _ := net.SplitHostPort(u.Host)
	sim.Peer(src)
	require.NoError(t, sim.PeerSVM("svm1", src, "svm_src"))
	// the SnapMirror volumes are made out of band: the vol chain already
	// covers na_ontap_volume, and the sm chain is the slowest
	src.AddVolume(Volume{Name: "sm_src", SVM: "svm_src", Size: 1 << 30})
	sim.AddVolume(Volume{Name: "sm_dst", SVM: "svm1", Size: 1 << 30, Type: "dp", Aggregates: []string{"aggr2"}})
	dir := t.TempDir()

	// Independent chains run as "hosts" in parallel (forks), so the test
	// stays fast on a loaded machine: pol (export policy and rule), snap
	// (snapshot policy), vol (volume), svm (SVM and LIF) and sm (a volume on
	// each cluster and a SnapMirror relationship between them).
	run := func(phase string, tasks string) map[string]taskResult {
		t.Helper()
		play := fmt.Sprintf(`- hosts: all
  gather_facts: false
  vars:
    login: &login
      hostname: 127.0.0.1
      http_port: %s
      username: admin
      password: "netapp1!"
      https: true
      validate_certs: false
      use_rest: always
    src_port: %s
  tasks:
%s`, port, srcPort, tasks)
		pb := filepath.Join(dir, phase+".yml")
		require.NoError(t, os.WriteFile(pb, []byte(play), 0o600))
		cmd := exec.Command(playbook, "-i", "pol,snap,vol,svm,sm,", "-c", "local", "-f", "5", "-e", "ansible_python_interpreter=/usr/bin/python3", pb)
		cmd.Env = append(os.Environ(),
			"ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_HOME="+dir, "ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "tmp"), "ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "rtmp"),
			"ANSIBLE_NOCOLOR=1", "ANSIBLE_PIPELINING=1", "ANSIBLE_RETRY_FILES_ENABLED=0", "ANSIBLE_DEPRECATION_WARNINGS=0")
		start := time.Now()
		out, err := cmd.Output()
		t.Logf("phase %s: %v", phase, time.Since(start))
		res := parseAnsible(t, out)
		for k, r := range res {
			require.False(t, r.Failed, "phase %s: task %q failed: %s\n%s", phase, k, r.Msg, r.Raw)
		}
		require.NoError(t, err, "phase %s: %s", phase, out)
		return res
	}

	// the volume uses policies that exist from the start, so the chains are
	// independent; none, the snapshot policy, is cluster-scoped
	const create = `
    - when: inventory_hostname == "pol"
      block:
        - name: export policy
          netapp.ontap.na_ontap_export_policy:
            <<: *login
            state: present
            name: pol_ans
            vserver: svm1
        - name: export rule
          netapp.ontap.na_ontap_export_policy_rule:
            <<: *login
            state: present
            name: pol_ans
            vserver: svm1
            client_match: ["10.0.0.0/24"]
            ro_rule: [sys]
            rw_rule: [sys]
            protocol: [nfs3]
            super_user_security: [none]
    - name: snapshot policy
      when: inventory_hostname == "snap"
      netapp.ontap.na_ontap_snapshot_policy:
        <<: *login
        state: present
        name: snap_ans
        vserver: svm1
        schedule: [hourly, daily]
        count: [4, 2]
        enabled: true
    - name: volume
      when: inventory_hostname == "vol"
      netapp.ontap.na_ontap_volume:
        <<: *login
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
    - when: inventory_hostname == "svm"
      block:
        - name: svm
          netapp.ontap.na_ontap_svm:
            <<: *login
            state: present
            name: svm_ans
            aggr_list: [aggr1, aggr2]
            comment: made by ansible
        - name: lif
          netapp.ontap.na_ontap_interface:
            <<: *login
            state: present
            interface_name: lif_ans
            vserver: svm_ans
            address: 192.0.2.10
            netmask: 255.255.255.0
            home_node: dst-01
            home_port: e0d
            service_policy: default-data-files
            ipspace: Default
    - when: inventory_hostname == "sm"
      block:
        - name: snapmirror
          netapp.ontap.na_ontap_snapmirror:
            <<: *login
            source_endpoint: {path: "svm_src:sm_src"}
            destination_endpoint: {path: "svm1:sm_dst"}
            policy: MirrorAllSnapshots
            schedule: hourly
            initialize: true
            update: false
            transferring_time_out: 0
`
	all := func(v bool) map[string]bool {
		out := map[string]bool{}
		for _, k := range []string{"pol/export policy", "pol/export rule", "snap/snapshot policy", "vol/volume", "svm/svm", "svm/lif",
			"sm/snapmirror"} {
			out[k] = v
		}
		return out
	}
	res := run("create", create)
	require.Equal(t, all(true), changed(res))
	svms := map[string]SVM{}
	for _, v := range sim.SVMs() {
		svms[v.Name] = v
	}
	require.Equal(t, "made by ansible", svms["svm_ans"].Comment)
	require.Equal(t, []string{"aggr1", "aggr2"}, svms["svm_ans"].Aggregates)
	lifs := sim.Interfaces()
	require.Len(t, lifs, 1)
	require.Equal(t, "192.0.2.10", lifs[0].Address)
	require.Equal(t, "default-data-files", lifs[0].ServicePolicy)
	require.Eventually(t, func() bool {
		rels := sim.Relationships()
		return len(rels) == 1 && rels[0].State == SMSnapmirrored
	}, 5*time.Second, 10*time.Millisecond, "the relationship initialized")
	rel := sim.Relationships()[0]
	require.Equal(t, "src", rel.SourceCluster)
	require.Equal(t, "hourly", rel.Schedule)
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

	res = run("idempotent", create)
	require.Equal(t, all(false), changed(res), "a re-run changes nothing")

	res = run("modify", `
    - name: resize volume
      when: inventory_hostname == "vol"
      netapp.ontap.na_ontap_volume:
        <<: *login
        state: present
        name: vol_ans
        vserver: svm1
        size: 200
        size_unit: mb
        comment: resized by ansible
    - name: snapmirror policy
      when: inventory_hostname == "sm"
      netapp.ontap.na_ontap_snapmirror:
        <<: *login
        source_endpoint: {path: "svm_src:sm_src"}
        destination_endpoint: {path: "svm1:sm_dst"}
        policy: MirrorLatest
        schedule: daily
        update: false
    - name: svm comment
      when: inventory_hostname == "svm"
      netapp.ontap.na_ontap_svm:
        <<: *login
        state: present
        name: svm_ans
        comment: changed by ansible
    - name: snapshot policy counts
      when: inventory_hostname == "snap"
      netapp.ontap.na_ontap_snapshot_policy:
        <<: *login
        state: present
        name: snap_ans
        vserver: svm1
        schedule: [hourly, daily]
        count: [6, 2]
        enabled: true
`)
	require.Equal(t, map[string]bool{"vol/resize volume": true, "snap/snapshot policy counts": true, "sm/snapmirror policy": true, "svm/svm comment": true}, changed(res))
	rel = sim.Relationships()[0]
	require.Equal(t, "MirrorLatest", rel.Policy)
	require.Equal(t, "daily", rel.Schedule)
	for _, v := range sim.SVMs() {
		if v.Name == "svm_ans" {
			require.Equal(t, "changed by ansible", v.Comment)
		}
	}
	vol, _ = sim.Volume("svm1", "vol_ans")
	require.Equal(t, int64(200<<20), vol.Size)
	require.Equal(t, "resized by ansible", vol.Comment)
	for _, p := range sim.SnapshotPolicies() {
		if p.Name == "snap_ans" {
			require.Equal(t, int64(6), p.Copies[0].Count)
		}
	}

	res = run("delete", `
    - name: volume
      when: inventory_hostname == "vol"
      netapp.ontap.na_ontap_volume:
        <<: *login
        state: absent
        name: vol_ans
        vserver: svm1
    - when: inventory_hostname == "pol"
      block:
        - name: export rule
          netapp.ontap.na_ontap_export_policy_rule:
            <<: *login
            state: absent
            name: pol_ans
            vserver: svm1
            rule_index: 1
        - name: export policy
          netapp.ontap.na_ontap_export_policy:
            <<: *login
            state: absent
            name: pol_ans
            vserver: svm1
    - when: inventory_hostname == "sm"
      block:
        - name: snapmirror
          netapp.ontap.na_ontap_snapmirror:
            <<: *login
            state: absent
            source_endpoint: {path: "svm_src:sm_src"}
            destination_endpoint: {path: "svm1:sm_dst"}
    - when: inventory_hostname == "svm"
      block:
        - name: lif
          netapp.ontap.na_ontap_interface:
            <<: *login
            state: absent
            interface_name: lif_ans
            vserver: svm_ans
        - name: svm
          netapp.ontap.na_ontap_svm:
            <<: *login
            state: absent
            name: svm_ans
    - name: snapshot policy
      when: inventory_hostname == "snap"
      netapp.ontap.na_ontap_snapshot_policy:
        <<: *login
        state: absent
        name: snap_ans
        vserver: svm1
`)
	require.Equal(t, map[string]bool{"vol/volume": true, "pol/export rule": true, "pol/export policy": true, "snap/snapshot policy": true,
		"sm/snapmirror": true, "svm/lif": true, "svm/svm": true}, changed(res))
	require.Empty(t, sim.Relationships())
	require.Empty(t, sim.Interfaces())
	require.Len(t, sim.SVMs(), 1)
	_, found = src.Volume("svm_src", "sm_src")
	require.True(t, found, "the source stays")
	dstVol, _ := sim.Volume("svm1", "sm_dst")
	require.Equal(t, "rw", dstVol.Type, "Ansible broke the relationship before deleting it")
	_, found = sim.Volume("svm1", "vol_ans")
	require.False(t, found)
	require.Nil(t, findPolicy(sim, "svm1", "pol_ans"))
	for _, p := range sim.SnapshotPolicies() {
		require.NotEqual(t, "snap_ans", p.Name)
	}
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

// parseAnsible reads the json callback's output into results by
// "host/task", leaving out skipped tasks.
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
					Changed bool   `json:"changed"`
					Failed  bool   `json:"failed"`
					Skipped bool   `json:"skipped"`
					Msg     string `json:"msg"`
				}
				_ = json.Unmarshal(raw, &h)
				if h.Skipped {
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
