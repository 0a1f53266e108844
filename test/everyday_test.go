package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The everyday commands SPEC §8 names: --version and --no-color as Terraform's, `output`,
// `state history|restore`, and the enclave directory as [DIR] or --dir for state, audit and
// import alike.
func TestEverydayCommands(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	version := w.expect(0, "version").stdout
	require.Equal(t, version, w.expect(0, "--version").stdout)
	require.Equal(t, version, w.expect(0, "-version").stdout, "Terraform's single dash")
	require.True(t, strings.HasPrefix(version, "enclave "))

	w.converge("base.plan")

	// output: every output, one by name (a string raw), and JSON.
	r := w.expect(0, "output", w.dir)
	require.Contains(t, r.stdout, "vm_ids = {")
	r = w.expect(0, "output", "--dir", w.dir, "vm_ids", "--json")
	var one struct {
		Sensitive bool              `json:"sensitive"`
		Value     map[string]string `json:"value"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &one), "%s", r)
	require.Len(t, one.Value, 3)
	require.True(t, strings.HasPrefix(one.Value["ldap1"], "vm-"))
	r = w.expect(0, "output", w.dir, "--json")
	var all map[string]map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &all))
	require.Contains(t, all, "vm_ids")
	r = w.run("output", w.dir, "nope")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, `no output "nope" in state (outputs: ["vm_ids"])`)

	// state list: DIR as an argument or --dir, and ADDR as a filter.
	list := w.expect(0, "state", "list", w.dir).stdout
	require.Equal(t, list, w.expect(0, "state", "list", "--dir", w.dir).stdout)
	r = w.expect(0, "state", "list", w.dir, "vsphere_virtual_machine.svc")
	require.Equal(t, []string{`vsphere_virtual_machine.svc["ldap1"]`, `vsphere_virtual_machine.svc["mail1"]`, `vsphere_virtual_machine.svc["mail2"]`}, strings.Fields(r.stdout))
	r = w.expect(0, "state", "list", "--dir", w.dir, `vsphere_host.esx[1]`)
	require.Equal(t, "vsphere_host.esx[1]\n", r.stdout)
	w.expect(0, "state", "show", w.dir, `vsphere_host.esx[1]`)

	// audit and import take the directory as an argument too.
	w.expect(0, "audit", w.dir)
	w.expect(0, "audit", "verify", w.dir)
	w.expect(0, "audit", "show", w.dir, "--json")

	// state history lists the kept generations; restore makes one current again, audited.
	r = w.expect(0, "state", "history", w.dir)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.GreaterOrEqual(t, len(lines), 2, "%s", r)
	require.Contains(t, lines[0], "(current)")
	oldest := strings.Fields(lines[len(lines)-1])[0]
	r = w.expect(0, "state", "restore", w.dir, oldest)
	require.Contains(t, r.stdout, "Restored the state of serial "+oldest)
	require.Contains(t, auditKinds(t, w), "state-restore")
	w.expect(0, "audit", "verify", w.dir)
	// The restored generation is the state now: the plan reads the gear against it.
	r = w.run("plan", w.dir, "--var-file", w.vars, "--detailed-exitcode", "-no-color")
	require.Contains(t, []int{1, 2}, r.code, "%s", r) // objects the old generation lacks collide
	require.NotContains(t, r.stdout, "\x1b[")
	_ = os.Remove(filepath.Join(w.dir, ".enclave", "state.lock"))
}

// plan --destroy (and -destroy) takes everything down through the gate, honouring
// prevent_destroy.
func TestPlanDestroy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.converge("base.plan")
	file := w.plan("down.plan", "-destroy")
	r := w.expect(0, "show", file)
	require.Contains(t, r.stdout, "Plan: 0 to add, 0 to change, 0 to replace, 10 to destroy.")
	w.approve(file, "alice", "bob")
	refused := w.apply(file)
	require.Equal(t, 3, refused.code, "destroying VMs and the datastore needs the destroys-data rule's three\n%s", refused)
	w.approve(file, "carol")
	r = w.apply(file)
	require.Equal(t, 0, r.code, "%s", r)
	require.Empty(t, strings.TrimSpace(w.expect(0, "state", "list", w.dir).stdout))
	require.Empty(t, w.vms(), "the VMs are gone from the gear")
	// Built again, one resource now refuses to be destroyed.
	w.converge("again.plan")
	main := filepath.Join(w.dir, "main.hcl")
	b, err := os.ReadFile(main)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(main, []byte(strings.Replace(string(b), `  vlan_id   = 120
}`, `  vlan_id   = 120
  lifecycle { prevent_destroy = true }
}`, 1)), 0o644))
	r = w.run("plan", w.dir, "--var-file", w.vars, "--destroy")
	require.Equal(t, 1, r.code, "%s", r)
	require.Contains(t, r.stderr, "vsphere_distributed_port_group.services has lifecycle.prevent_destroy set, and plan --destroy would delete it")
}
