package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/enclave-dev/enclave/plans"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// between is the part of s from the first start up to (not including) the next end after it.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	require.GreaterOrEqual(t, i, 0, "no %q in:\n%s", start, s)
	j := strings.Index(s[i+len(start):], end)
	require.GreaterOrEqual(t, j, 0, "no %q after %q in:\n%s", end, start, s)
	return s[i : i+len(start)+j]
}

type reachJSON struct {
	Reachability []struct {
		Device      string `json:"device"`
		NotComputed string `json:"not_computed"`
		Opens       []struct {
			FromZone     string           `json:"from_zone"`
			ToZone       string           `json:"to_zone"`
			Sources      []string         `json:"sources"`
			Destinations []string         `json:"destinations"`
			Protocols    []map[string]int `json:"protocols"`
			Ports        []map[string]int `json:"ports"`
			Service      string           `json:"service"`
			AnyToAny     bool             `json:"any_to_any"`
			Text         string           `json:"text"`
		} `json:"opens"`
		Closes []json.RawMessage `json:"closes"`
	} `json:"reachability"`
	Approval struct {
		Needed []struct {
			Rule     string `json:"rule"`
			Required int    `json:"required"`
		} `json:"needed"`
	} `json:"approval"`
}

func (r reachJSON) rules() []string {
	var out []string
	for _, n := range r.Approval.Needed {
		out = append(out, n.Rule)
	}
	return out
}

// TestReachabilityReference is issue 14 on the reference enclave in the lab: phx1-hci is built
// without its mgmt -> hci monitoring permit, then the permit is added back. The plan's text,
// `show --json` and `show --html` show exactly that flow, and the gate asks the three
// approvals of opens-into-hci, a rule the change touches only through what it opens: creating
// a zone pair's policies is outside the firewall rule. Renaming the permit afterwards opens
// nothing, and shows nothing.
func TestReachabilityReference(t *testing.T) {
	w := newStoryWorld(t)
	network := filepath.Join(w.phx1, "network.hcl")
	orig, err := os.ReadFile(network)
	require.NoError(t, err)
	monitoring := `    mgmt-to-hci = {
      from = "mgmt"
      to   = "hci"
      rules = [
        { name = "monitoring", source = ["mgmt"], destination = ["services"], application = ["any"] },
      ]
    }
`
	require.Equal(t, 1, strings.Count(string(orig), monitoring), "network.hcl's mgmt-to-hci pair")
	require.NoError(t, os.WriteFile(network, []byte(strings.Replace(string(orig), monitoring, "", 1)), 0o644))

	// The first build opens every service into hci: three approvals.
	first := w.path("phx1-1.plan")
	r := w.expect(2, "plan", w.phx1, "--var-file", w.vars, "--out", first, "--detailed-exitcode")
	golden(t, "reachability-first-build.txt", between(t, r.stdout, "Reachability\n", "\nPlan: "))
	assert.Contains(t, r.stdout, "  junos.srx: opens 6, closes 0\n")
	assert.NotContains(t, r.stdout, "mgmt -> hci")
	assert.Contains(t, r.stdout, `rule "opens-into-hci" needs 3, has 0: 3 more needed  [when it opens into hci]`)
	for _, a := range []string{"alice", "bob", "carol"} {
		w.expect(0, "approve", first, "--key", filepath.Join(w.phx1, "approvers", a), "--as", a, "--dir", w.phx1)
	}
	w.expect(0, "apply", first, "--dir", w.phx1, "--var-file", w.vars)
	r = w.expect(0, "plan", w.phx1, "--var-file", w.vars, "--detailed-exitcode")
	assert.NotContains(t, r.stdout, "\nReachability\n")

	// The monitoring permit, back as the reference has it.
	require.NoError(t, os.WriteFile(network, orig, 0o644))
	file := w.path("monitoring.plan")
	w.expect(2, "plan", w.phx1, "--var-file", w.vars, "--out", file, "--detailed-exitcode")

	text := w.expect(0, "show", file).stdout
	golden(t, "reachability-monitoring.txt", between(t, text, "Reachability\n", "\nPlan: "))
	assert.Contains(t, text, "Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.")
	approval := between(t, text, "\nApproval\n", "The author")
	assert.Contains(t, approval, `rule "opens-into-hci" needs 3, has 0: 3 more needed  [when it opens into hci]`)
	assert.NotContains(t, approval, `"firewall"`, "creating a zone pair's policies is outside the firewall rule")

	var doc reachJSON
	require.NoError(t, json.Unmarshal([]byte(w.expect(0, "show", file, "--json").stdout), &doc))
	require.Len(t, doc.Reachability, 1)
	dev := doc.Reachability[0]
	assert.Equal(t, "junos.srx", dev.Device)
	assert.Empty(t, dev.NotComputed)
	assert.Empty(t, dev.Closes)
	require.Len(t, dev.Opens, 1)
	o := dev.Opens[0]
	assert.Equal(t, "mgmt", o.FromZone)
	assert.Equal(t, "hci", o.ToZone)
	assert.Equal(t, []string{"10.20.10.0/24"}, o.Sources)
	assert.Equal(t, []string{"10.20.120.0/24"}, o.Destinations)
	assert.Equal(t, []map[string]int{{"first": 0, "last": 255}}, o.Protocols)
	assert.Equal(t, []map[string]int{{"first": 0, "last": 65535}}, o.Ports)
	assert.Equal(t, "any", o.Service)
	assert.False(t, o.AnyToAny)
	assert.Equal(t, "mgmt -> hci: 10.20.10.0/24 -> 10.20.120.0/24 any", o.Text)
	assert.Equal(t, []string{"required", "opens-into-hci"}, doc.rules())

	page := w.expect(0, "show", file, "--html").stdout
	golden(t, "reachability-monitoring.html", between(t, page, `<h2 id="reachability">`, "\n<h2>"))

	// The author edits the file to drop the flow (and so the rule), re-digests it and signs it
	// again around enclave; alice and bob sign it with ssh-keygen. Re-deriving the plan from
	// its own content finds the flow it left out: show refuses it, and so does apply.
	forged := w.path("forged.plan")
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(forged, raw, 0o644))
	forgeOnly(t, forged, func(p *plans.Plan) { p.Reachability, p.AuthorSignature = nil, "" })
	sig := sshKeygenSign(t, forged, filepath.Join(w.phx1, "approvers", "dana"))
	forgeOnly(t, forged, func(p *plans.Plan) { p.AuthorSignature = sig })
	r = w.run("show", forged)
	require.Equal(t, 3, r.code, "%s", r)
	assert.Contains(t, r.stderr, "the plan does not follow from its own configuration: its reachability entries are not what its configuration gives")
	for _, n := range []string{"alice", "bob"} {
		gateInject(t, forged, n, sshKeygenSign(t, forged, filepath.Join(w.phx1, "approvers", n)))
	}
	r = w.expect(3, "apply", forged, "--dir", w.phx1, "--var-file", w.vars)
	assert.Contains(t, r.stderr, "its reachability entries are not what its configuration gives")
	assert.NotContains(t, r.stderr, "opens-into-hci", "the forged file hides the rule from the first look")
	assert.NotContains(t, w.lab.Junos["srx-phx1"].CommittedSet(), "from-zone mgmt to-zone hci")

	// Two approvals are not enough; the gate names the rule.
	w.expect(0, "approve", file, "--key", filepath.Join(w.phx1, "approvers", "alice"), "--as", "alice", "--dir", w.phx1)
	w.expect(0, "approve", file, "--key", filepath.Join(w.phx1, "approvers", "bob"), "--as", "bob", "--dir", w.phx1)
	r = w.expect(3, "apply", file, "--dir", w.phx1, "--var-file", w.vars)
	assert.Contains(t, r.output(), `rule "opens-into-hci" needs 3 approvals, has 2 (alice, bob)`)
	assert.NotContains(t, w.lab.Junos["srx-phx1"].CommittedSet(), "from-zone mgmt to-zone hci")
	w.expect(0, "approve", file, "--key", filepath.Join(w.phx1, "approvers", "carol"), "--as", "carol", "--dir", w.phx1)
	w.expect(0, "apply", file, "--dir", w.phx1, "--var-file", w.vars)
	assert.Contains(t, w.lab.Junos["srx-phx1"].CommittedSet(), "set security policies from-zone mgmt to-zone hci policy monitoring")
	w.expect(0, "plan", w.phx1, "--var-file", w.vars, "--detailed-exitcode")

	// Renaming the permit changes no decision: no section, and only the firewall rule.
	require.NoError(t, os.WriteFile(network, []byte(strings.Replace(string(orig), `{ name = "monitoring",`, `{ name = "monitoring-poll",`, 1)), 0o644))
	rename := w.path("rename.plan")
	w.expect(2, "plan", w.phx1, "--var-file", w.vars, "--out", rename, "--detailed-exitcode")
	text = w.expect(0, "show", rename).stdout
	assert.NotContains(t, text, "\nReachability\n")
	doc = reachJSON{}
	require.NoError(t, json.Unmarshal([]byte(w.expect(0, "show", rename, "--json").stdout), &doc))
	assert.Empty(t, doc.Reachability)
	assert.Equal(t, []string{"required", "firewall"}, doc.rules())
	assert.NotContains(t, w.expect(0, "show", rename, "--html").stdout, `id="reachability"`)
}
