package plans

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"time"

	"golang.org/x/crypto/ssh"
)

// JSONFormatVersion is the version of the JSON views (plan and drift). Additive changes keep
// it; anything that could break a reader bumps it. docs/json-format.md describes both.
const JSONFormatVersion = "1.0"

type jsonPlan struct {
	FormatVersion   string                `json:"format_version"`
	Kind            string                `json:"kind"`
	Enclave         string                `json:"enclave"`
	Author          string                `json:"author"`
	CreatedAt       time.Time             `json:"created_at"`
	ExpiresAt       time.Time             `json:"expires_at"`
	Digest          string                `json:"digest"`
	DigestLine      string                `json:"digest_line"`
	State           jsonState             `json:"state"`
	Refreshed       bool                  `json:"refreshed"`
	Targets         []string              `json:"targets"`
	HasChanges      bool                  `json:"has_changes"`
	Summary         summaryCounts         `json:"summary"`
	ResourceChanges []jsonChange          `json:"resource_changes"`
	Drift           []jsonDrift           `json:"drift"`
	Reachability    []jsonReachability    `json:"reachability"`
	Policies        []jsonPolicy          `json:"policies"`
	Approval        jsonApproval          `json:"approval"`
	Outputs         map[string]jsonOutput `json:"outputs"`
}

type jsonState struct {
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
	Digest  string `json:"digest,omitempty"`
}

type jsonChange struct {
	Address      string         `json:"address"`
	Module       string         `json:"module"`
	Mode         string         `json:"mode"`
	Type         string         `json:"type"`
	Name         string         `json:"name"`
	Index        any            `json:"index"`
	Provider     string         `json:"provider"`
	Action       string         `json:"action"`
	Actions      []string       `json:"actions"`
	Before       map[string]any `json:"before"`
	After        map[string]any `json:"after"`
	AfterUnknown []string       `json:"after_unknown"`
	Diffs        []jsonDiff     `json:"diffs"`
	Destructive  bool           `json:"destructive"`
	Reason       string         `json:"reason"`
	// AlreadyExists: the device id of an object that already has this create's identity.
	AlreadyExists string `json:"already_exists,omitempty"`
}

type jsonDiff struct {
	Path              string `json:"path"`
	Before            any    `json:"before"`
	After             any    `json:"after"`
	Unknown           bool   `json:"unknown"`
	Sensitive         bool   `json:"sensitive"`
	ForcesReplacement bool   `json:"forces_replacement"`
}

type jsonDrift struct {
	Address string     `json:"address"`
	Type    string     `json:"type"`
	Gone    bool       `json:"gone"`
	Diffs   []jsonDiff `json:"diffs"`
}

type jsonReachability struct {
	Device      string `json:"device"`
	Opens       []Flow `json:"opens"`
	Closes      []Flow `json:"closes"`
	NotComputed string `json:"not_computed"`
}

func jsonReachabilities(rs []DeviceReachability) []jsonReachability {
	out := []jsonReachability{}
	for _, r := range rs {
		out = append(out, jsonReachability{Device: r.Device, Opens: nonNil(r.Opens), Closes: nonNil(r.Closes), NotComputed: r.NotComputed})
	}
	return out
}

type jsonPolicy struct {
	Name        string `json:"name"`
	Enforcement string `json:"enforcement"`
	Passed      bool   `json:"passed"`
	Message     string `json:"message"`
	Range       string `json:"range"`
}

type jsonApproval struct {
	RulesSource string            `json:"rules_source"`
	Rules       *jsonRules        `json:"rules"`
	Needed      []jsonNeeded      `json:"needed"`
	Approvals   []jsonApprovalSig `json:"approvals"`
	RulesChange *jsonRules        `json:"rules_change"`
}

type jsonRules struct {
	Required  int            `json:"required"`
	MaxAge    string         `json:"max_age"`
	Approvers []jsonApprover `json:"approvers"`
	Rules     []jsonRule     `json:"rules"`
}

type jsonApprover struct {
	Name        string `json:"name"`
	KeyType     string `json:"key_type"`
	Fingerprint string `json:"fingerprint"`
}

type jsonRule struct {
	Name          string   `json:"name"`
	ResourceTypes []string `json:"resource_types"`
	Actions       []string `json:"actions"`
	OpensInto     []string `json:"opens_into"`
	OpensFrom     []string `json:"opens_from"`
	Required      int      `json:"required"`
}

type jsonNeeded struct {
	Rule      string   `json:"rule"`
	Required  int      `json:"required"`
	Have      int      `json:"have"`
	Needed    int      `json:"needed"`
	Approvers []string `json:"approvers"`
}

type jsonApprovalSig struct {
	Approver string    `json:"approver"`
	SignedAt time.Time `json:"signed_at"`
	Comment  string    `json:"comment"`
	Valid    bool      `json:"valid"`
	Problem  string    `json:"problem"`
}

type jsonOutput struct {
	Value     any  `json:"value"`
	Unknown   bool `json:"unknown"`
	Sensitive bool `json:"sensitive"`
}

// RenderJSON writes the plan in the documented, stable JSON form (docs/json-format.md).
// Sensitive values are never in it: they are "(sensitive)" or null.
func RenderJSON(w io.Writer, p *Plan) error {
	out := jsonPlan{
		FormatVersion: JSONFormatVersion,
		Kind:          "plan",
		Enclave:       p.Enclave,
		Author:        p.Author,
		CreatedAt:     p.CreatedAt.UTC(),
		ExpiresAt:     p.ExpiresAt.UTC(),
		Digest:        p.Digest,
		DigestLine:    p.DigestLine(),
		State:         jsonState{Lineage: p.State.Lineage, Serial: p.State.Serial, Digest: p.State.Digest},
		Refreshed:     p.Refreshed,
		Targets:       nonNil(p.Targets),
		HasChanges:    p.HasChanges(),
		Summary:       countsOf(p),
		Drift:         jsonDrifts(p.Drift),
		Reachability:  jsonReachabilities(p.Reachability),
		Policies:      []jsonPolicy{},
		Outputs:       map[string]jsonOutput{},
	}
	out.ResourceChanges = jsonChanges(allChangesOrdered(p))
	for _, r := range p.Policies {
		out.Policies = append(out.Policies, jsonPolicy(r))
	}
	for k, o := range p.Outputs {
		v := jsonOutput{Unknown: o.Unknown, Sensitive: o.Sensitive}
		if !o.Sensitive && !o.Unknown {
			v.Value = normalize(o.Value)
		}
		out.Outputs[k] = v
	}
	out.Approval = jsonApprovalOf(p)
	return writeJSON(w, out)
}

func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// allChangesOrdered is orderedChanges followed by the no-ops and reads, by address: the JSON
// lists every instance, so a reader can tell "unchanged" from "unknown".
func allChangesOrdered(p *Plan) []ResourceChange {
	out := orderedChanges(p)
	rest := &Plan{}
	for _, c := range p.Changes {
		if c.Action == NoOp || c.Action == Read {
			c.Destructive = false
			rest.Changes = append(rest.Changes, c)
		}
	}
	sort.SliceStable(rest.Changes, func(i, j int) bool { return rest.Changes[i].Addr < rest.Changes[j].Addr })
	return append(out, rest.Changes...)
}

func actionsOf(a Action) []string {
	if a == Replace {
		return []string{"delete", "create"}
	}
	return []string{a.String()}
}

func jsonChanges(cs []ResourceChange) []jsonChange {
	out := []jsonChange{}
	for _, c := range cs {
		sens := map[string]bool{}
		for _, d := range c.Diffs {
			if d.Sensitive {
				sens[d.Path] = true
			}
		}
		out = append(out, jsonChange{
			Address: c.Addr, Module: c.Module, Mode: c.Mode, Type: c.Type, Name: c.Name, Index: normalize(c.Key),
			Provider: c.Provider, Action: c.Action.String(), Actions: actionsOf(c.Action),
			Before: maskedMap(c.Before, sens), After: maskedMap(c.After, sens),
			AfterUnknown: nonNil(c.AfterUnknown), Diffs: jsonDiffs(c.Diffs),
			Destructive: c.Destructive, Reason: c.Reason, AlreadyExists: c.AlreadyExists,
		})
	}
	return out
}

// maskedMap is a normalized copy of m with every sensitive path replaced by "(sensitive)".
func maskedMap(m map[string]any, sens map[string]bool) map[string]any {
	n := normalizeMap(m)
	for p := range sens {
		if n != nil {
			setAtPath(n, p, Sensitive, false)
		}
	}
	return n
}

func jsonDiffs(ds []AttrDiff) []jsonDiff {
	out := []jsonDiff{}
	for _, d := range ds {
		j := jsonDiff{Path: d.Path, Unknown: d.Unknown, Sensitive: d.Sensitive, ForcesReplacement: d.ForcesReplacement}
		if d.Sensitive {
			if d.Before != nil {
				j.Before = Sensitive
			}
			if d.After != nil {
				j.After = Sensitive
			}
		} else {
			j.Before, j.After = normalize(d.Before), normalize(d.After)
		}
		out = append(out, j)
	}
	return out
}

func jsonDrifts(ds []Drift) []jsonDrift {
	out := []jsonDrift{}
	for _, d := range ds {
		out = append(out, jsonDrift{Address: d.Addr, Type: d.Type, Gone: d.Gone, Diffs: jsonDiffs(d.Diffs)})
	}
	return out
}

func jsonRulesOf(r *ApprovalRules) *jsonRules {
	if r == nil {
		return nil
	}
	out := &jsonRules{Required: r.Required, MaxAge: r.MaxAge, Approvers: []jsonApprover{}, Rules: []jsonRule{}}
	for _, a := range r.Approvers {
		ja := jsonApprover{Name: a.Name}
		if k, err := ParseApproverKey(a.Key); err == nil {
			ja.KeyType, ja.Fingerprint = k.Type(), ssh.FingerprintSHA256(k)
		}
		out.Approvers = append(out.Approvers, ja)
	}
	for _, x := range r.Rules {
		out.Rules = append(out.Rules, jsonRule{Name: x.Name, ResourceTypes: nonNil(x.ResourceTypes), Actions: nonNil(x.Actions),
			OpensInto: nonNil(x.OpensInto), OpensFrom: nonNil(x.OpensFrom), Required: x.Required})
	}
	return out
}

func jsonApprovalOf(p *Plan) jsonApproval {
	out := jsonApproval{RulesSource: p.RulesSource, Rules: jsonRulesOf(p.Rules), RulesChange: jsonRulesOf(p.RulesChange), Needed: []jsonNeeded{}, Approvals: []jsonApprovalSig{}}
	for _, q := range RuleQuorums(p) {
		out.Needed = append(out.Needed, jsonNeeded{Rule: q.Rule, Required: q.Required, Have: q.Have, Needed: q.Needed(), Approvers: nonNil(q.Approvers)})
	}
	for _, a := range p.Approvals {
		out.Approvals = append(out.Approvals, jsonApprovalSig{Approver: a.Approver, SignedAt: a.SignedAt.UTC(), Comment: a.Comment, Valid: approvalProblem(p, a) == "", Problem: approvalProblem(p, a)})
	}
	return out
}

// approvalProblem says why an attached approval does not count, or "" if it does.
func approvalProblem(p *Plan, a Approval) string {
	if isAuthor(p.Author, a.Approver) {
		return a.Approver + " is the plan's author and cannot approve it"
	}
	msg, _, err := p.verifiedMessage()
	if err != nil {
		return err.Error()
	}
	if e := checkApproval(p.Rules, msg, a); e != nil {
		return e.Reason
	}
	return ""
}

// DriftReport is what `enclave drift` found: the real world against the last apply, and what
// a plan would change to bring it back to the configuration.
type DriftReport struct {
	Enclave   string
	CheckedAt time.Time
	State     StateRef
	// Drift holds the resources whose real state differs from what the last apply recorded.
	Drift []Drift
	// Changes are what a plan made now would do (config against the real world).
	Changes []ResourceChange
}

// Found reports whether the report holds drift or pending changes (exit code 2).
func (r *DriftReport) Found() bool {
	return len(r.Drift) > 0 || (&Plan{Changes: r.Changes}).HasChanges()
}

type jsonDriftReport struct {
	FormatVersion  string       `json:"format_version"`
	Kind           string       `json:"kind"`
	Enclave        string       `json:"enclave"`
	CheckedAt      time.Time    `json:"checked_at"`
	State          jsonState    `json:"state"`
	DriftFound     bool         `json:"drift_found"`
	Summary        driftSummary `json:"summary"`
	Drift          []jsonDrift  `json:"drift"`
	PendingChanges []jsonChange `json:"pending_changes"`
}

type driftSummary struct {
	Changed int `json:"changed_outside"`
	Gone    int `json:"deleted_outside"`
	summaryCounts
}

// RenderDriftJSON writes a drift report in the documented JSON form (docs/json-format.md).
func RenderDriftJSON(w io.Writer, r *DriftReport) error {
	p := &Plan{Changes: r.Changes}
	out := jsonDriftReport{
		FormatVersion: JSONFormatVersion, Kind: "drift", Enclave: r.Enclave, CheckedAt: r.CheckedAt.UTC(),
		State:          jsonState{Lineage: r.State.Lineage, Serial: r.State.Serial, Digest: r.State.Digest},
		DriftFound:     r.Found(),
		Drift:          jsonDrifts(r.Drift),
		PendingChanges: jsonChanges(orderedChanges(p)),
	}
	out.Summary.summaryCounts = countsOf(p)
	for _, d := range r.Drift {
		if d.Gone {
			out.Summary.Gone++
		} else {
			out.Summary.Changed++
		}
	}
	return writeJSON(w, out)
}
