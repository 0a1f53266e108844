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
	playbook, err := exec.LookPath("ansible-playbook")
	require.NoError(t, err, "ansible-playbook is required (apt-get install -y ansible)")

	sim := New(Options{SVMs: []string{"svm1"}, JobDuration: 50 * time.Millisecond})
	ts := httptest.NewTLSServer(sim)
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	dir := t.TempDir()

	// Three independent chains run as three "hosts" in parallel (forks), so
	// the test stays fast on a loaded machine: pol (export policy and rule),
	// snap (snapshot policy) and vol (volume).
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
  tasks:
%s`, port, tasks)
		pb := filepath.Join(dir, phase+".yml")
		require.NoError(t, os.WriteFile(pb, []byte(play), 0o600))
		cmd := exec.Command(playbook, "-i", "pol,snap,vol,", "-c", "local", "-f", "3", "-e", "ansible_python_interpreter=/usr/bin/python3", pb)
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
`
	res := run("create", create)
	require.Equal(t, map[string]bool{"pol/export policy": true, "pol/export rule": true, "snap/snapshot policy": true, "vol/volume": true}, changed(res))
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
	require.Equal(t, map[string]bool{"pol/export policy": false, "pol/export rule": false, "snap/snapshot policy": false, "vol/volume": false}, changed(res), "a re-run changes nothing")

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
	require.Equal(t, map[string]bool{"vol/resize volume": true, "snap/snapshot policy counts": true}, changed(res))
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
    - name: snapshot policy
      when: inventory_hostname == "snap"
      netapp.ontap.na_ontap_snapshot_policy:
        <<: *login
        state: absent
        name: snap_ans
        vserver: svm1
`)
	require.Equal(t, map[string]bool{"vol/volume": true, "pol/export rule": true, "pol/export policy": true, "snap/snapshot policy": true}, changed(res))
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
