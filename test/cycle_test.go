package test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/vim25/types"
)

// planJSON is the part of `plan --json` (and `show --json`) these tests read.
type planJSON struct {
	FormatVersion   string `json:"format_version"`
	Enclave         string `json:"enclave"`
	Digest          string `json:"digest"`
	HasChanges      bool   `json:"has_changes"`
	ResourceChanges []struct {
		Address string         `json:"address"`
		Mode    string         `json:"mode"`
		Action  string         `json:"action"`
		Actions []string       `json:"actions"`
		After   map[string]any `json:"after"`
		Diffs   []struct {
			Path   string `json:"path"`
			Before any    `json:"before"`
			After  any    `json:"after"`
		} `json:"diffs"`
	} `json:"resource_changes"`
}

// pending is every managed resource's action other than no-op, by address.
func (p planJSON) pending() map[string]string {
	out := map[string]string{}
	for _, c := range p.ResourceChanges {
		if c.Mode == "managed" && c.Action != "no-op" {
			out[c.Address] = c.Action
		}
	}
	return out
}

func decodePlanJSON(t *testing.T, r result) planJSON {
	t.Helper()
	var p planJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &p), "%s", r)
	require.NotEmpty(t, p.FormatVersion, "format_version")
	return p
}

// driftJSON is `drift --format json`.
type driftJSON struct {
	FormatVersion string `json:"format_version"`
	Kind          string `json:"kind"`
	DriftFound    bool   `json:"drift_found"`
	Drift         []struct {
		Address string `json:"address"`
		Diffs   []struct {
			Path   string `json:"path"`
			Before any    `json:"before"`
			After  any    `json:"after"`
		} `json:"diffs"`
	} `json:"drift"`
}

// junit is `drift --format junit`.
type junit struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

const mail1 = `vsphere_virtual_machine.svc["mail1"]`

// TestCycle is the whole story through the binary: plan, two approvals, apply, a clean
// re-plan, an out-of-band change that drift reports in every format, and the controlled fix.
func TestCycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	first := w.plan("change-1.plan")
	golden(t, "first-plan.txt", normalize(w.expect(0, "show", first).stdout, w.root))
	w.approve(first, "alice", "bob")
	r := w.apply(first)
	require.Equal(t, 0, r.code, "%s", r)
	require.Contains(t, r.stdout, "Apply complete: 10 changed, 0 failed, 0 skipped")
	w.requireLabGear(labSizes)
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
	w.expect(0, "drift", w.dir, "--var-file", w.vars)

	// Someone adds two vCPUs to mail1 in the vSphere client.
	w.reconfigure("/DC0/vm/mail1", types.VirtualMachineConfigSpec{NumCPUs: 4})

	r = w.expect(2, "drift", w.dir, "--var-file", w.vars)
	golden(t, "drift.txt", normalize(r.stdout, w.root))
	require.Contains(t, r.stdout, mail1)
	require.Contains(t, r.stdout, "num_cpus: 2 -> 4")
	require.Contains(t, r.stdout, "1 resource(s) changed outside enclave")

	report := w.path("drift.xml")
	w.expect(2, "drift", w.dir, "--var-file", w.vars, "--format", "junit", "--output", report)
	b, err := os.ReadFile(report)
	require.NoError(t, err)
	golden(t, "drift.junit.xml", normalize(string(b), w.root))
	var ju junit
	require.NoError(t, xml.Unmarshal(b, &ju), "%s", b)
	require.Len(t, ju.Suites, 1)
	require.Equal(t, len(labAddresses), len(ju.Suites[0].Cases), "one test case per managed resource")
	require.Equal(t, 1, ju.Failures, "%s", b)
	for _, c := range ju.Suites[0].Cases {
		if c.Name != mail1 {
			require.Nil(t, c.Failure, "%s should pass", c.Name)
			continue
		}
		require.NotNil(t, c.Failure, "%s should fail", c.Name)
		require.Equal(t, "drift", c.Failure.Type)
		require.Contains(t, c.Failure.Message, "num_cpus")
	}

	r = w.expect(2, "drift", w.dir, "--var-file", w.vars, "--format", "json")
	var dj driftJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &dj), "%s", r)
	require.Equal(t, "1.0", dj.FormatVersion)
	require.True(t, dj.DriftFound)
	require.Len(t, dj.Drift, 1)
	require.Equal(t, mail1, dj.Drift[0].Address)
	require.Len(t, dj.Drift[0].Diffs, 1)
	require.Equal(t, "num_cpus", dj.Drift[0].Diffs[0].Path)
	require.EqualValues(t, 2, dj.Drift[0].Diffs[0].Before)
	require.EqualValues(t, 4, dj.Drift[0].Diffs[0].After)

	// The fix goes through the gate like any change: only mail1 is updated in place.
	p := decodePlanJSON(t, w.expect(2, "plan", w.dir, "--var-file", w.vars, "--json", "--detailed-exitcode"))
	require.Equal(t, map[string]string{mail1: "update"}, p.pending())
	fix := w.plan("change-2.plan")
	w.approve(fix, "alice", "carol")
	r = w.apply(fix)
	require.Equal(t, 0, r.code, "%s", r)
	require.Contains(t, r.stdout, "Apply complete: 1 changed")
	w.requireLabGear(labSizes)
	w.expect(0, "drift", w.dir, "--var-file", w.vars)
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--detailed-exitcode")
	w.expect(0, "audit", "verify", "--dir", w.dir)

	// Colour only on a terminal: none of this went to one.
	for _, r := range w.results() {
		require.NotContains(t, r.output(), "\x1b[", "escape codes in the output of %s", r)
	}
}
