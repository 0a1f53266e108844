package plans

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Fixtures shared by the text, JSON and HTML golden tests.

func createOnlyPlan(ks testKeys) *Plan {
	p := basePlan(ks)
	p.State = StateRef{}
	p.RulesSource = "config"
	p.Changes = []ResourceChange{
		{Addr: "vsphere_virtual_machine.svc[0]", Mode: "managed", Type: "vsphere_virtual_machine", Name: "svc", Key: 0, Provider: "vsphere", Action: Create,
			After: map[string]any{
				"name": "svc-0", "num_cpus": 2, "memory_mb": 8192, "guest_id": "rhel9_64Guest", "datastore_id": "datastore-61",
				"disk":              []any{map[string]any{"label": "disk0", "size_gb": 40, "thin": true}},
				"network_interface": []any{map[string]any{"network_id": "dvportgroup-44"}},
				"tags":              map[string]any{"role": "mail", "tier": "critical"},
			},
			AfterUnknown: []string{"id", "uuid"}},
		{Addr: "junos_vlan.mail", Mode: "managed", Type: "junos_vlan", Name: "mail", Provider: "junos.ex", Action: Create,
			After: map[string]any{"name": "mail", "vlan_id": 120, "description": "mail servers"}},
		{Addr: "data.vsphere_datacenter.phx1", Mode: "data", Type: "vsphere_datacenter", Name: "phx1", Provider: "vsphere", Action: Read,
			After: map[string]any{"name": "PHX1", "id": "datacenter-2"}},
		{Addr: "vsphere_compute_cluster.hci", Mode: "managed", Type: "vsphere_compute_cluster", Name: "hci", Provider: "vsphere", Action: NoOp,
			Before: map[string]any{"name": "hci"}, After: map[string]any{"name": "hci"}},
	}
	p.Outputs = map[string]OutputValue{"svc_uuid": {Unknown: true}, "vlan": {Value: 120}}
	return p
}

func mixedPlan(t *testing.T, ks testKeys) *Plan {
	p := basePlan(ks)
	vm := vmUpdate()
	vm.Before["disk"] = []any{map[string]any{"label": "disk0", "size_gb": 40, "thin": true}}
	vm.After["disk"] = []any{map[string]any{"label": "disk0", "size_gb": 40, "thin": true}, map[string]any{"label": "disk1", "size_gb": 200, "thin": true}}
	vm.After["annotation"] = "mail relay (PHX1)"
	vm.Diffs = append(vm.Diffs, AttrDiff{Path: "annotation", Before: "mail relay", After: "mail relay (PHX1)"}, AttrDiff{Path: "disk[1]", After: map[string]any{"label": "disk1", "size_gb": 200, "thin": true}})
	p.Changes = []ResourceChange{
		vm,
		{Addr: "vsphere_nas_datastore.nfs1", Mode: "managed", Type: "vsphere_nas_datastore", Name: "nfs1", Provider: "vsphere", Action: Replace, Destructive: true,
			Reason:       "vsphere_nas_datastore: remote_path forces replacement",
			Before:       map[string]any{"name": "nfs1", "remote_hosts": []any{"10.20.0.5"}, "remote_path": "/vol/mail", "type": "NFS41", "id": "datastore-61"},
			After:        map[string]any{"name": "nfs1", "remote_hosts": []any{"10.20.0.5"}, "remote_path": "/vol/mail2", "type": "NFS41"},
			AfterUnknown: []string{"id"},
			Diffs:        []AttrDiff{{Path: "remote_path", Before: "/vol/mail", After: "/vol/mail2", ForcesReplacement: true}, {Path: "id", Before: "datastore-61", Unknown: true}}},
		volumeDelete(),
		{Addr: "junos_static_route.legacy", Mode: "managed", Type: "junos_static_route", Name: "legacy", Provider: "junos.srx", Action: Delete, Reason: "no longer in configuration",
			Before: map[string]any{"destination": "10.99.0.0/16", "next_hops": []any{"10.20.0.1"}}},
		{Addr: `junos_address_book.global`, Mode: "managed", Type: "junos_address_book", Name: "global", Provider: "junos.srx", Action: Create,
			After: map[string]any{"name": "global", "address": []any{map[string]any{"name": "mail-net", "prefix": "10.20.8.0/24"}, map[string]any{"name": "ldap-net", "prefix": "10.20.9.0/24"}}}},
	}
	p.Policies = []PolicyResult{
		{Name: "two-uplinks", Enforcement: "mandatory", Passed: true, Range: "policies.hcl:1:1"},
		{Name: "volumes-have-snapshots", Enforcement: "advisory", Passed: false, Message: "every volume should have a snapshot policy", Range: "policies.hcl:9:1"},
	}
	next := ks.rules()
	next.Required = 3
	next.Approvers = append(next.Approvers[:3], Approver{Name: "frank", Key: ks["mallory"].line})
	p.RulesChange = next
	if _, err := Encode(p); err != nil {
		t.Fatal(err)
	}
	ks["alice"].approve(t, p)
	return p
}

func driftPlan(t *testing.T, ks testKeys) *Plan {
	p := basePlan(ks)
	p.Drift = []Drift{
		{Addr: "vsphere_virtual_machine.svc[1]", Type: "vsphere_virtual_machine", Diffs: []AttrDiff{{Path: "memory_mb", Before: 8192, After: 16384}}},
		{Addr: "ontap_volume.scratch", Type: "ontap_volume", Gone: true},
		{Addr: `module.esx.vsphere_host.h["esx1.phx1"]`, Type: "vsphere_host", Diffs: []AttrDiff{{Path: "password", Before: "hunter2", After: "hunter3", Sensitive: true}, {Path: "maintenance_mode", Before: false, After: true}}},
	}
	p.Changes = []ResourceChange{
		{Addr: "vsphere_virtual_machine.svc[1]", Mode: "managed", Type: "vsphere_virtual_machine", Name: "svc", Key: 1, Provider: "vsphere", Action: Update,
			Before: map[string]any{"name": "svc-1", "memory_mb": 16384}, After: map[string]any{"name": "svc-1", "memory_mb": 8192},
			Diffs: []AttrDiff{{Path: "memory_mb", Before: 16384, After: 8192}}},
		{Addr: "ontap_volume.scratch", Mode: "managed", Type: "ontap_volume", Name: "scratch", Provider: "ontap", Action: Create,
			After: map[string]any{"name": "scratch", "svm": "svm_mail", "size": "100GiB"}, AfterUnknown: []string{"uuid"}},
	}
	if _, err := Encode(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// sensitivePlan carries the raw secret in places the model should have masked, to prove the
// views mask by the sensitive flags themselves.
func sensitivePlan(t *testing.T, ks testKeys) *Plan {
	p := basePlan(ks)
	p.Variables["vcenter_password"] = Variable{Sensitive: true, Hash: "sha256:00:11"}
	p.Changes = []ResourceChange{
		{Addr: `vsphere_host.esx["esx1"]`, Mode: "managed", Type: "vsphere_host", Name: "esx", Key: "esx1", Provider: "vsphere", Action: Update,
			Before: map[string]any{"hostname": "esx1.phx1.example", "password": "hunter2", "maintenance_mode": false},
			After:  map[string]any{"hostname": "esx1.phx1.example", "password": "hunter3", "maintenance_mode": true},
			Diffs:  []AttrDiff{{Path: "password", Before: "hunter2", After: "hunter3", Sensitive: true}, {Path: "maintenance_mode", Before: false, After: true}}},
		{Addr: `vsphere_host.esx["esx2"]`, Mode: "managed", Type: "vsphere_host", Name: "esx", Key: "esx2", Provider: "vsphere", Action: Create,
			After: map[string]any{"hostname": "esx2.phx1.example", "password": "hunter2"},
			Diffs: []AttrDiff{{Path: "password", After: "hunter2", Sensitive: true}}},
	}
	p.Outputs = map[string]OutputValue{"root_password": {Value: "hunter2", Sensitive: true}}
	if _, err := Encode(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func noChangesPlan(ks testKeys) *Plan {
	p := basePlan(ks)
	p.Changes = []ResourceChange{
		{Addr: "vsphere_compute_cluster.hci", Mode: "managed", Type: "vsphere_compute_cluster", Name: "hci", Provider: "vsphere", Action: NoOp,
			Before: map[string]any{"name": "hci"}, After: map[string]any{"name": "hci"}},
	}
	return p
}

func fixtures(t *testing.T) map[string]*Plan {
	ks := newTestKeys(t)
	ps := map[string]*Plan{
		"create":     createOnlyPlan(ks),
		"mixed":      mixedPlan(t, ks),
		"drift":      driftPlan(t, ks),
		"sensitive":  sensitivePlan(t, ks),
		"no-changes": noChangesPlan(ks),
		"firewall":   firewallPlan(t, ks),
	}
	for _, p := range ps {
		if p.Digest == "" {
			if _, err := Encode(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ps
}

func TestRenderTextGolden(t *testing.T) {
	ps := fixtures(t)
	cases := []struct {
		name, plan string
		o          TextOptions
	}{
		{"create", "create", TextOptions{}},
		{"mixed", "mixed", TextOptions{}},
		{"drift", "drift", TextOptions{Width: 60}},
		{"sensitive", "sensitive", TextOptions{}},
		{"no-changes", "no-changes", TextOptions{}},
		{"mixed-color", "mixed", TextOptions{Color: true}},
		{"firewall", "firewall", TextOptions{}},
		{"firewall-color", "firewall", TextOptions{Color: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderText(&buf, ps[c.plan], c.o); err != nil {
				t.Fatal(err)
			}
			golden(t, "text/"+c.name+".txt", buf.Bytes())
			out := buf.String()
			if strings.Contains(out, "hunter") {
				t.Errorf("a sensitive value is shown")
			}
			if hasANSI := strings.Contains(out, "\x1b["); hasANSI != c.o.Color {
				t.Errorf("ANSI escapes present = %v, want %v", hasANSI, c.o.Color)
			}
		})
	}
}

// Facts the golden files hold, checked by name so a careless -update cannot drop them.
func TestRenderTextFacts(t *testing.T) {
	ps := fixtures(t)
	render := func(name string) string {
		var buf bytes.Buffer
		RenderText(&buf, ps[name], TextOptions{})
		return buf.String()
	}
	mixed := render("mixed")
	for _, want := range []string{
		"  # vsphere_virtual_machine.svc[0] will be updated in place\n  ~ resource \"vsphere_virtual_machine\" \"svc\" {",
		"      ~ num_cpus   = 2 -> 4",
		`      ~ remote_path = "/vol/mail" -> "/vol/mail2" # forces replacement`,
		"-/+ resource \"vsphere_nas_datastore\" \"nfs1\" {",
		"# DESTRUCTIVE: ontap_volume.old_mail holds data; deleting it destroys that data",
		"      - size = 536870912000 -> null",
		"      + disk {",
		"(known after apply)",
		"Plan: 1 to add, 1 to change, 1 to replace, 2 to destroy.",
		"! volumes-have-snapshots (advisory): every volume should have a snapshot policy [policies.hcl:9:1]",
		`rule "destroys-data" needs 3, has 1 (alice): 2 more needed`,
		"approval rules in force: recorded in state by the last apply",
		"~ required = 2 -> 3",
		`+ approver "frank"`,
		`- approver "dave"`,
	} {
		if !strings.Contains(mixed, want) {
			t.Errorf("mixed plan lacks %q", want)
		}
	}
	// Destructive changes come first, then the rest by address.
	order := []string{"# ontap_volume.old_mail", "# vsphere_nas_datastore.nfs1", "# junos_address_book.global", "# junos_static_route.legacy", "# vsphere_virtual_machine.svc[0]"}
	last := -1
	for _, a := range order {
		i := strings.Index(mixed, a)
		if i < last {
			t.Errorf("%s is out of order", a)
		}
		last = i
	}
	create := render("create")
	for _, want := range []string{"first apply: approval rules taken from configuration", "      + uuid         = (known after apply)", "Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy."} {
		if !strings.Contains(create, want) {
			t.Errorf("create plan lacks %q", want)
		}
	}
	if strings.Contains(create, "vsphere_datacenter") || strings.Contains(create, "vsphere_compute_cluster.hci") {
		t.Errorf("data reads or no-ops are listed as actions")
	}
	if d := render("drift"); !strings.Contains(d, "Objects changed outside of enclave") || !strings.Contains(d, "  # ontap_volume.scratch has been deleted") || !strings.Contains(d, "      ~ memory_mb = 8192 -> 16384") {
		t.Errorf("drift section missing:\n%s", d)
	}
	if s := render("sensitive"); !strings.Contains(s, "      ~ password         = (sensitive)") || !strings.Contains(s, "root_password = (sensitive)") {
		t.Errorf("sensitive changes not shown as (sensitive):\n%s", s)
	}
	bad := ps["mixed"]
	bad.Approvals = append(bad.Approvals, Approval{Approver: "bob", Signature: "junk"})
	if s := render("mixed"); !strings.Contains(s, "! bob's approval does not count: the signature attached as bob is not an SSH signature") {
		t.Errorf("invalid approval not explained:\n%s", s)
	}
	if n := render("no-changes"); !strings.Contains(n, "No changes. The enclave matches the configuration.") || strings.Contains(n, "will perform") {
		t.Errorf("no-changes plan:\n%s", n)
	}
	fw := render("firewall")
	for _, want := range []string{
		"Reachability\n",
		"  junos.srx: opens 3, closes 1\n" +
			"    + hci -> core: any -> any udp/123  (any to any)\n" +
			"    + mgmt -> hci: 10.20.10.0/24 -> 10.20.120.0/24 icmp type 8\n" +
			"    + mgmt -> hci: 10.20.10.0/24 -> 10.20.120.0/24 udp/161\n" +
			"    - core -> hci: 10.64.0.0/12 -> 10.20.120.0/24 tcp/110\n",
		`  junos.srx-lab: not computed: after: policy "web" (untrust -> trust): application "webmail"`,
		`rule "opens-into-hci" needs 3, has 1 (alice): 2 more needed  [when it opens into hci]`,
	} {
		if !strings.Contains(fw, want) {
			t.Errorf("firewall plan lacks %q:\n%s", want, fw)
		}
	}
	// Before the summary, after the changes.
	if i, j := strings.Index(fw, "Reachability"), strings.Index(fw, "Plan: 0 to add, 1 to change"); i < strings.Index(fw, "will perform") || i > j {
		t.Errorf("the reachability section is out of place:\n%s", fw)
	}
	for _, name := range []string{"create", "mixed", "drift", "sensitive", "no-changes"} {
		if strings.Contains(render(name), "Reachability") {
			t.Errorf("%s plan, which changes no firewall, has a reachability section", name)
		}
	}
}

func TestSplitAddr(t *testing.T) {
	for in, want := range map[string][3]string{
		"vsphere_virtual_machine.svc[0]":         {"managed", "vsphere_virtual_machine", "svc"},
		`module.esx.vsphere_host.h["esx1.phx1"]`: {"managed", "vsphere_host", "h"},
		"data.vsphere_datacenter.dc":             {"data", "vsphere_datacenter", "dc"},
		`module.a["x.y"].data.ontap_svm.s`:       {"data", "ontap_svm", "s"},
	} {
		m, ty, n := splitAddr(in)
		if [3]string{m, ty, n} != want {
			t.Errorf("splitAddr(%s) = %s %s %s", in, m, ty, n)
		}
	}
}

var _ = time.Second

// A change that carries only attribute diffs (no before/after objects) still shows them.
func TestRenderTextDiffsOnly(t *testing.T) {
	ks := newTestKeys(t)
	p := basePlan(ks)
	p.Changes = []ResourceChange{{Addr: "ontap_volume.mail", Mode: "managed", Type: "ontap_volume", Name: "mail", Action: Update,
		Diffs: []AttrDiff{{Path: "size", Before: 100, After: 200}, {Path: "comment", After: "mail store"}, {Path: "snapshot_policy", Before: "default", Unknown: true}, {Path: "export_policy", Before: "x", After: "y", Sensitive: true}}}}
	var buf bytes.Buffer
	RenderText(&buf, p, TextOptions{})
	for _, want := range []string{
		"      ~ size            = 100 -> 200",
		`      + comment         = "mail store"`,
		`      ~ snapshot_policy = "default" -> (known after apply)`,
		"      ~ export_policy   = (sensitive)",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("lacks %q:\n%s", want, buf.String())
		}
	}
}
