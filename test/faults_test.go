package test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/vim25/types"
)

const mail2 = `vsphere_virtual_machine.svc["mail2"]`

// TestPartialFailure: vCenter refuses to power on one VM. Apply says which resource and
// which fault, state keeps every success and the failed VM as it is on vCenter, the next
// plan shows exactly what is left, and once the fault is gone an apply converges.
func TestPartialFailure(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const fault = "not enough CPU in cluster hci to power on mail2"
	w.failPowerOn("mail2", fault)

	file := w.plan("change-1.plan")
	w.approve(file, "alice", "bob")
	r := w.apply(file)
	require.Equal(t, 1, r.code, "%s", r)
	var errLine string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.Contains(l, mail2) {
			errLine = l
		}
	}
	require.NotEmpty(t, errLine, "stderr names %s\n%s", mail2, r)
	require.Contains(t, errLine, "PowerOnVM_Task")
	require.Contains(t, errLine, fault)
	require.Contains(t, r.stdout, "Apply failed")
	require.Contains(t, r.stdout, "1 failed")

	// The audit log says the apply ended with one failure.
	entries := auditEntries(t, w)
	last := entries[len(entries)-1]
	require.Equal(t, "apply-end", last.Kind)
	require.EqualValues(t, 1, last.Details["failed"])
	require.EqualValues(t, 0, last.Details["skipped"])

	// The gear: everything else was made; mail2 exists but is off.
	vms := w.vms()
	require.Len(t, vms, 3)
	require.Equal(t, types.VirtualMachinePowerStatePoweredOn, vms["mail1"].Runtime.PowerState)
	require.Equal(t, types.VirtualMachinePowerStatePoweredOn, vms["ldap1"].Runtime.PowerState)
	require.Equal(t, types.VirtualMachinePowerStatePoweredOff, vms["mail2"].Runtime.PowerState)

	// State holds the successes and mail2 as it is on vCenter.
	list := w.expect(0, "state", "list", "--dir", w.dir)
	var listed []string
	for _, l := range strings.Split(strings.TrimSpace(list.stdout), "\n") {
		addr, _, _ := strings.Cut(l, "  (")
		listed = append(listed, addr)
	}
	require.ElementsMatch(t, labAddresses, listed, "%s", list)
	st, _, err := state.NewLocal(filepath.Join(w.dir, ".enclave")).Read()
	require.NoError(t, err)
	rec := st.Resource(mail2)
	require.NotNil(t, rec)
	require.Equal(t, "off", rec.Attributes["power_state"], "state records mail2 as vCenter has it")
	require.Equal(t, vms["mail2"].Self.Value, rec.Attributes["id"])

	// The next plan has exactly one thing left: power mail2 on, in place.
	w.expect(2, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
	p := decodePlanJSON(t, w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json"))
	require.Equal(t, map[string]string{mail2: "update"}, p.pending())
	for _, c := range p.ResourceChanges {
		if c.Address == mail2 {
			require.Len(t, c.Diffs, 1, "only power_state differs: %+v", c.Diffs)
			require.Equal(t, "power_state", c.Diffs[0].Path)
			require.Equal(t, "off", c.Diffs[0].Before)
			require.Equal(t, "on", c.Diffs[0].After)
		}
	}

	// The fault is gone: the rest converges and nothing is left.
	w.clearFaults()
	again := w.plan("change-2.plan")
	w.approve(again, "bob", "carol")
	r = w.apply(again)
	require.Equal(t, 0, r.code, "%s", r)
	require.Contains(t, r.stdout, "Apply complete: 1 changed")
	w.requireLabGear(labSizes)
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
	w.expect(0, "audit", "verify", "--dir", w.dir)
}
