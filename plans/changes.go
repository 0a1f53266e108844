package plans

import (
	"encoding/json"
	"fmt"
	"time"
)

// FormatVersion is the version of the saved plan file this build writes and reads.
const FormatVersion = 2

// Plan is everything a saved plan holds. Every field except Digest and Approvals is covered by
// the digest (see Digest()).
type Plan struct {
	FormatVersion int    `json:"format_version"`
	Enclave       string `json:"enclave"`
	Author        string `json:"author"`
	// Dir is the enclave directory, relative to where the plan was made (slash path); apply
	// finds the state there unless told otherwise.
	Dir       string    `json:"dir"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Files is a snapshot of every file the configuration was made from: *.hcl of the enclave
	// and its modules, and files read by file(). Keys are slash paths relative to the enclave
	// directory ("main.hcl", "../../modules/esx-cluster/main.hcl").
	Files map[string]string `json:"files"`
	// Env holds, per variable env() read at plan time, a salted hash of its value (see
	// HashSensitiveValue). Apply reads the environment again and uses a value only after it
	// matches; a name not recorded here is an error at apply.
	Env map[string]string `json:"env,omitempty"`
	// PinnedFiles holds, per file read by file() in a provider block (a credential), a salted
	// hash of its content instead of the content itself, which Files never holds. Apply reads
	// the file from the enclave directory again and uses it only after it matches.
	PinnedFiles map[string]string   `json:"pinned_files,omitempty"`
	Variables   map[string]Variable `json:"variables"`
	Targets     []string            `json:"targets,omitempty"`
	// Destroy: made by plan --destroy, taking down everything the state holds.
	Destroy   bool `json:"destroy,omitempty"`
	Refreshed bool `json:"refreshed"`
	// State is what the plan was made against; PriorState is that state itself (its file
	// form, sensitive values hashed as state keeps them; absent for an empty state), so the
	// plan can be re-derived from the file alone, by a reviewer who has no access to the
	// state. Apply checks that it is the state in force.
	State      StateRef        `json:"state"`
	PriorState json.RawMessage `json:"prior_state,omitempty"`
	// Observed holds, per resource instance address, the real values refresh saw (sensitive
	// attributes hashed). Apply reads the changed resources again and compares.
	Observed map[string]map[string]any `json:"observed"`
	Changes  []ResourceChange          `json:"changes"`
	Drift    []Drift                   `json:"drift,omitempty"`
	// Reachability is, per Junos device whose security configuration the plan changes, the
	// flows the plan newly permits and newly denies, when there are any (see
	// DeviceReachability). Approval rules and policies key on it.
	Reachability []DeviceReachability   `json:"reachability,omitempty"`
	Policies     []PolicyResult         `json:"policies,omitempty"`
	Outputs      map[string]OutputValue `json:"outputs,omitempty"`
	// Rules are the approval rules in force; RulesSource says where they came from: "state"
	// (the last apply) or "config" (first apply of an empty state).
	Rules       *ApprovalRules `json:"approval_rules,omitempty"`
	RulesSource string         `json:"approval_rules_source,omitempty"`
	// RulesChange is set when the configuration's approval block differs from the rules in
	// force: applying the plan records the new rules in state.
	RulesChange *ApprovalRules `json:"approval_rules_change,omitempty"`

	Digest string `json:"digest"`
	// AuthorSignature is the author's SSH signature over the digest line (the same message
	// approvals sign), made by `plan --out` or attached later. Like Approvals it is not
	// covered by the digest. The key that made it never counts as an approval.
	AuthorSignature string     `json:"author_signature,omitempty"`
	Approvals       []Approval `json:"approvals,omitempty"`
}

// Variable is one input variable's value as the plan used it. Sensitive values are never
// stored: Hash is "sha256:SALT:HEX" of the value's JSON, and apply needs the value again.
type Variable struct {
	Value     any    `json:"value,omitempty"`
	Sensitive bool   `json:"sensitive,omitempty"`
	Hash      string `json:"hash,omitempty"`
}

// StateRef pins the state a plan was made against.
type StateRef struct {
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
	Digest  string `json:"digest"`
}

// ResourceChange is the plan for one resource instance. What Before and After hold:
//
//	action   Before                  After
//	create   nil                     planned attributes; unknown ones listed in AfterUnknown
//	update   refreshed attributes    planned attributes
//	replace  refreshed attributes    planned attributes of the new object
//	delete   refreshed attributes    nil
//	read     nil                     the data source's result
//	no-op    refreshed attributes    the same
//
// Sensitive attributes are masked ("(sensitive)") in Before and After; Diffs says whether
// they change.
type ResourceChange struct {
	Addr         string         `json:"address"`
	Module       string         `json:"module,omitempty"`
	Mode         string         `json:"mode"` // managed | data
	Type         string         `json:"type"`
	Name         string         `json:"name"`
	Key          any            `json:"index,omitempty"`
	Provider     string         `json:"provider"` // provider instance: vsphere, junos.srx
	Action       Action         `json:"action"`
	Before       map[string]any `json:"before,omitempty"`
	After        map[string]any `json:"after,omitempty"`
	AfterUnknown []string       `json:"after_unknown,omitempty"`
	Diffs        []AttrDiff     `json:"diffs,omitempty"`
	// Destructive: deleting or replacing an object that holds data.
	Destructive bool `json:"destructive,omitempty"`
	// Reason explains a replace ("vsphere_nas_datastore: remote_path forces replacement") or
	// a delete ("no longer in configuration").
	Reason string `json:"reason,omitempty"`
	// AlreadyExists is, for a create, the device's id of an object that already has the
	// identity this create would give (its name, where it lives): refresh found it. Such a
	// plan is not saved, and the gate refuses one that carries it: the object is adopted
	// only by `enclave import ADDR ID`.
	AlreadyExists string            `json:"already_exists,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	DependsOn     []string          `json:"depends_on,omitempty"`
}

// AttrDiff is one attribute's change. Path is dotted with list indexes: "disk[0].size_gb".
type AttrDiff struct {
	Path      string `json:"path"`
	Before    any    `json:"before,omitempty"`
	After     any    `json:"after,omitempty"`
	Unknown   bool   `json:"unknown,omitempty"` // known after apply
	Sensitive bool   `json:"sensitive,omitempty"`
	// ForcesReplacement: this attribute cannot change in place.
	ForcesReplacement bool `json:"forces_replacement,omitempty"`
}

// Drift is a resource whose real state differs from what the last apply recorded.
type Drift struct {
	Addr  string     `json:"address"`
	Type  string     `json:"type"`
	Gone  bool       `json:"gone,omitempty"` // deleted out of band
	Diffs []AttrDiff `json:"diffs,omitempty"`
}

// PolicyResult is one policy's outcome at plan.
type PolicyResult struct {
	Name        string `json:"name"`
	Enforcement string `json:"enforcement"` // mandatory | advisory
	Passed      bool   `json:"passed"`
	Message     string `json:"message,omitempty"`
	Range       string `json:"range"` // file:line:col
}

// OutputValue is an output as planned.
type OutputValue struct {
	Value     any  `json:"value,omitempty"`
	Unknown   bool `json:"unknown,omitempty"`
	Sensitive bool `json:"sensitive,omitempty"`
}

// ApprovalRules are the change-control rules: the configuration's approval block, with keys
// as authorized_keys lines.
type ApprovalRules struct {
	Required  int        `json:"required"`
	MaxAge    string     `json:"max_age,omitempty"` // Go duration, e.g. "24h0m0s"
	Approvers []Approver `json:"approvers"`
	Rules     []Rule     `json:"rules,omitempty"`
}

// Approver is a named reviewer and their SSH public key (authorized_keys form).
type Approver struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// Rule raises the quorum for plans that match it: at least one change whose type is in
// ResourceTypes and whose action is in Actions (empty lists match all) and, when OpensInto or
// OpensFrom is set, at least one flow the plan newly permits whose to-zone is in OpensInto
// and whose from-zone is in OpensFrom (an empty list matches every zone).
type Rule struct {
	Name          string   `json:"name"`
	ResourceTypes []string `json:"resource_types,omitempty"`
	Actions       []string `json:"actions,omitempty"`
	OpensInto     []string `json:"opens_into,omitempty"`
	OpensFrom     []string `json:"opens_from,omitempty"`
	Required      int      `json:"required"`
}

// Approval is one reviewer's SSH signature over the plan's digest line. Not covered by the
// digest.
type Approval struct {
	Approver  string    `json:"approver"`
	Signature string    `json:"signature"` // armored SSHSIG, as ssh-keygen -Y sign writes it
	Comment   string    `json:"comment,omitempty"`
	SignedAt  time.Time `json:"signed_at"`
}

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp && c.Action != Read {
			return true
		}
	}
	return p.RulesChange != nil
}

// Collisions lists the creates whose identity is already taken on the device.
func (p *Plan) Collisions() []ResourceChange {
	var out []ResourceChange
	for _, c := range p.Changes {
		if c.AlreadyExists != "" {
			out = append(out, c)
		}
	}
	return out
}

// CollisionNote is how a collision is told: what exists, and how to adopt it.
func CollisionNote(c ResourceChange) string {
	return fmt.Sprintf("already exists on the device (id %s), and this enclave did not create it: adopt it with `enclave import %s %s`, or give it another name", c.AlreadyExists, c.Addr, c.AlreadyExists)
}

// Counts returns how many instances get each action.
func (p *Plan) Counts() map[Action]int {
	out := map[Action]int{}
	for _, c := range p.Changes {
		out[c.Action]++
	}
	return out
}

// Sensitive is what masked values are shown as.
const Sensitive = "(sensitive)"

// KnownAfterApply is what unknown values are shown as.
const KnownAfterApply = "(known after apply)"
