package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/enclave-dev/enclave/providers"
)

// FormatVersion is the state file format this build writes. Older versions are upgraded one
// step at a time on read (see upgrade.go); newer ones are refused.
const FormatVersion = 2

// Resource modes.
const (
	ModeManaged = "managed"
	ModeData    = "data"
)

// StatusUncertain marks a resource whose last apply failed part-way: the object may or may not
// match its attributes, so the next plan must refresh and look at it.
const StatusUncertain = "uncertain"

// StatusCreating marks an intent: apply is about to create this object (its attributes are
// the planned ones, with no id yet). Written before the create call, so that a crash between
// the call and its result leaves a record: the next refresh looks the object up by identity
// and adopts it only because this enclave's intent created it.
const StatusCreating = "creating"

// State is everything the enclave remembers between runs.
type State struct {
	FormatVersion int               `json:"format_version"`
	Lineage       string            `json:"lineage"` // UUID at creation
	Serial        uint64            `json:"serial"`
	Enclave       string            `json:"enclave"`
	Resources     []*Resource       `json:"resources"` // sorted by Addr (see CompareAddr)
	Outputs       map[string]Output `json:"outputs,omitempty"`
	// Approval holds the approval rules in force (plans.ApprovalRules JSON), opaque here.
	Approval json.RawMessage `json:"approval,omitempty"`
	// ApprovalChain is the chain of rule sets with the proof each was installed under the one
	// before (plans.RulesChain JSON), opaque here; its last link is Approval.
	ApprovalChain json.RawMessage `json:"approval_chain,omitempty"`
	// Applied lists the digests of the plans applied to this state, so none is applied twice.
	Applied []AppliedPlan `json:"applied,omitempty"`
	// AuditHead anchors the audit log: how many entries it had and the hash of the last one
	// when this state was written. `audit verify` checks the log against it, so deleting,
	// reordering or truncating entries up to it is found even when the chain is rebuilt.
	AuditHead *AuditAnchor `json:"audit_head,omitempty"`
}

// AppliedPlan is one plan applied to this state.
type AppliedPlan struct {
	Digest string    `json:"digest"`
	At     time.Time `json:"at"`
}

// AuditAnchor is the audit log's head as a state write saw it.
type AuditAnchor struct {
	Entries int    `json:"entries"`
	Hash    string `json:"hash"` // lineHash of entry number Entries
}

// AppliedAt says when the plan with digest was applied to this state, if it was.
func (s *State) AppliedAt(digest string) (time.Time, bool) {
	for _, a := range s.Applied {
		if a.Digest == digest {
			return a.At, true
		}
	}
	return time.Time{}, false
}

// Resource is one resource instance as last applied (managed) or read (data).
type Resource struct {
	Addr         string            `json:"address"`  // module.x.vsphere_virtual_machine.svc[0]
	Mode         string            `json:"mode"`     // managed | data
	Type         string            `json:"type"`     // vsphere_virtual_machine
	Provider     string            `json:"provider"` // provider instance key: vsphere, junos.srx
	Attributes   map[string]any    `json:"attributes"`
	Dependencies []string          `json:"dependencies,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
	Status       string            `json:"status,omitempty"` // "" ok | "uncertain"
}

// Output is one output value. A sensitive output's Value is stored hashed.
type Output struct {
	Value     any  `json:"value"`
	Sensitive bool `json:"sensitive,omitempty"`
}

// New returns an empty state for an enclave with a fresh lineage and serial 0.
func New(enclave string) *State {
	return &State{
		FormatVersion: FormatVersion,
		Lineage:       uuid.NewString(),
		Enclave:       enclave,
		Resources:     []*Resource{},
	}
}

// index returns where addr is or would be inserted, and whether it is there.
func (s *State) index(addr string) (int, bool) {
	i := sort.Search(len(s.Resources), func(i int) bool { return CompareAddr(s.Resources[i].Addr, addr) >= 0 })
	return i, i < len(s.Resources) && s.Resources[i].Addr == addr
}

// Resource returns the resource instance at addr, or nil.
func (s *State) Resource(addr string) *Resource {
	if i, ok := s.index(addr); ok {
		return s.Resources[i]
	}
	return nil
}

// Set inserts r or replaces the instance at r.Addr, keeping Resources sorted.
func (s *State) Set(r *Resource) {
	i, ok := s.index(r.Addr)
	if ok {
		s.Resources[i] = r
		return
	}
	s.Resources = append(s.Resources, nil)
	copy(s.Resources[i+1:], s.Resources[i:])
	s.Resources[i] = r
}

// Remove deletes the instance at addr and reports whether it was there.
func (s *State) Remove(addr string) bool {
	i, ok := s.index(addr)
	if !ok {
		return false
	}
	s.Resources = append(s.Resources[:i], s.Resources[i+1:]...)
	return true
}

// Move renames the instance at from to to. When from names no instance and has no index, every
// instance of that resource (from[0], from["k"], ...) moves under to with its key kept.
// Dependencies that point at a moved address are rewritten. Nothing moves on error.
func (s *State) Move(from, to string) error {
	fa, err := ParseAddr(from)
	if err != nil {
		return err
	}
	ta, err := ParseAddr(to)
	if err != nil {
		return err
	}
	if fa.Mode != ta.Mode || fa.Type != ta.Type {
		return fmt.Errorf("cannot move %s to %s: a resource keeps its mode and type", from, to)
	}
	moves := map[string]string{}
	if s.Resource(from) != nil {
		moves[from] = to
	} else if fa.Key == "" {
		if ta.Key != "" {
			return fmt.Errorf("cannot move every instance of %s to the single instance %s", from, to)
		}
		for _, r := range s.Resources {
			if a, err := ParseAddr(r.Addr); err == nil && a.Key != "" && a.Resource() == from {
				moves[r.Addr] = to + a.Key
			}
		}
	}
	if len(moves) == 0 {
		return fmt.Errorf("no resource instance %s in state", from)
	}
	for _, dst := range moves {
		if _, moving := moves[dst]; s.Resource(dst) != nil && !moving {
			return fmt.Errorf("cannot move %s to %s: %s is already in state", from, to, dst)
		}
	}
	var moved []*Resource
	for src, dst := range moves {
		r := s.Resource(src)
		s.Remove(src)
		r.Addr = dst
		moved = append(moved, r)
	}
	for _, r := range moved {
		s.Set(r)
	}
	for _, r := range s.Resources {
		for i, d := range r.Dependencies {
			if dst, ok := moves[d]; ok {
				r.Dependencies[i] = dst
			} else if d == from {
				r.Dependencies[i] = to
			}
		}
	}
	return nil
}

// DeepCopy returns a copy that shares nothing mutable with s.
func (s *State) DeepCopy() *State {
	if s == nil {
		return nil
	}
	c := *s
	c.Resources = make([]*Resource, len(s.Resources))
	for i, r := range s.Resources {
		c.Resources[i] = r.DeepCopy()
	}
	if s.Outputs != nil {
		c.Outputs = make(map[string]Output, len(s.Outputs))
		for k, o := range s.Outputs {
			c.Outputs[k] = Output{Value: copyAny(o.Value), Sensitive: o.Sensitive}
		}
	}
	c.Approval = slices.Clone(s.Approval)
	c.ApprovalChain = slices.Clone(s.ApprovalChain)
	c.Applied = slices.Clone(s.Applied)
	if s.AuditHead != nil {
		h := *s.AuditHead
		c.AuditHead = &h
	}
	return &c
}

// DeepCopy returns a copy of r that shares nothing mutable with it.
func (r *Resource) DeepCopy() *Resource {
	if r == nil {
		return nil
	}
	c := *r
	c.Attributes = providers.Copy(r.Attributes)
	c.Dependencies = slices.Clone(r.Dependencies)
	c.Tags = maps.Clone(r.Tags)
	return &c
}

func copyAny(v any) any {
	if v == nil {
		return nil
	}
	return providers.Copy(map[string]any{"v": v})["v"]
}

// Equal reports whether s and o hold the same content: everything but serial and format
// version (which are the file's business, not the content's).
func (s *State) Equal(o *State) bool {
	if s == nil || o == nil {
		return s == o
	}
	return string(s.contentJSON()) == string(o.contentJSON())
}

// Digest is "sha256:HEX" of the canonical JSON of the content (as Equal sees it). Plans pin
// it beside lineage and serial.
func (s *State) Digest() string {
	sum := sha256.Sum256(s.contentJSON())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// contentJSON is the canonical encoding of what Equal and Digest compare.
func (s *State) contentJSON() []byte {
	c := *s
	c.Serial = 0
	c.FormatVersion = FormatVersion
	c.AuditHead = nil // an anchor moving is not a change of content
	return mustCanonical(fileFrom(&c, ""))
}

// canonicalResources returns the resources as they are encoded: sorted by address, nil
// collections normalized, dependencies sorted and without duplicates, so equal content always
// encodes the same however the caller built it.
func canonicalResources(rs []*Resource) []*Resource {
	out := make([]*Resource, 0, len(rs))
	for _, r := range rs {
		if r == nil {
			continue
		}
		c := *r
		if c.Attributes == nil {
			c.Attributes = map[string]any{}
		}
		if len(r.Dependencies) > 0 {
			deps := append([]string(nil), r.Dependencies...)
			sort.Strings(deps)
			c.Dependencies = deps[:0]
			for j, d := range deps {
				if j == 0 || d != deps[j-1] {
					c.Dependencies = append(c.Dependencies, d)
				}
			}
		}
		out = append(out, &c)
	}
	sortResources(out)
	return out
}

func sortResources(rs []*Resource) {
	sort.SliceStable(rs, func(i, j int) bool { return CompareAddr(rs[i].Addr, rs[j].Addr) < 0 })
}

// checkResources finds what no reader accepts: a bad address, mode or status, or an address
// twice. rs must be sorted.
func checkResources(rs []*Resource) error {
	for i, r := range rs {
		if r.Addr == "" {
			return fmt.Errorf("resource #%d has no address", i+1)
		}
		if _, err := ParseAddr(r.Addr); err != nil {
			return err
		}
		if r.Mode != ModeManaged && r.Mode != ModeData {
			return fmt.Errorf("resource %s: mode %q is neither managed nor data", r.Addr, r.Mode)
		}
		if r.Status != "" && r.Status != StatusUncertain && r.Status != StatusCreating {
			return fmt.Errorf("resource %s: unknown status %q", r.Addr, r.Status)
		}
		if i > 0 && rs[i-1].Addr == r.Addr {
			return fmt.Errorf("resource %s appears twice", r.Addr)
		}
	}
	return nil
}

// Addr is a parsed resource instance address.
type Addr struct {
	Module string // "module.a.module.b[0]" or ""
	Mode   string // managed | data
	Type   string
	Name   string
	Key    string // the instance key with its brackets: `[0]`, `["k"]`, or ""
}

// Resource is the address without the instance key.
func (a Addr) Resource() string {
	var b strings.Builder
	if a.Module != "" {
		b.WriteString(a.Module + ".")
	}
	if a.Mode == ModeData {
		b.WriteString("data.")
	}
	b.WriteString(a.Type + "." + a.Name)
	return b.String()
}

func (a Addr) String() string { return a.Resource() + a.Key }

// ParseAddr splits a resource instance address. Keys may be numbers or quoted strings holding
// dots or brackets.
func ParseAddr(s string) (Addr, error) {
	var parts []string
	start, depth := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '.' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	bad := func(why string) (Addr, error) {
		return Addr{}, fmt.Errorf("invalid resource address %q: %s", s, why)
	}
	if inQuote || depth != 0 {
		return bad("unbalanced brackets or quotes")
	}
	var a Addr
	var mods []string
	for len(parts) > 0 && parts[0] == "module" {
		if len(parts) < 2 {
			return bad("module without a name")
		}
		mods = append(mods, "module."+parts[1])
		parts = parts[2:]
	}
	a.Module = strings.Join(mods, ".")
	a.Mode = ModeManaged
	if len(parts) > 0 && parts[0] == "data" {
		a.Mode = ModeData
		parts = parts[1:]
	}
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return bad("want [module.NAME.]...[data.]TYPE.NAME[KEY]")
	}
	a.Type = parts[0]
	name := parts[1]
	if i := strings.IndexByte(name, '['); i >= 0 {
		if !strings.HasSuffix(name, "]") {
			return bad("text after the instance key")
		}
		a.Key = name[i:]
		name = name[:i]
	}
	if name == "" || strings.ContainsAny(a.Type, `[]"`) {
		return bad("want [module.NAME.]...[data.]TYPE.NAME[KEY]")
	}
	a.Name = name
	return a, nil
}

// CompareAddr orders addresses the way people read them: runs of digits compare as numbers,
// so svc[2] sorts before svc[10] and ge-0/0/2 before ge-0/0/10.
func CompareAddr(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na := strings.TrimLeft(a[si:i], "0")
			nb := strings.TrimLeft(b[sj:j], "0")
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if a[i] != b[j] {
			return cmpInt(int(a[i]), int(b[j]))
		}
		i++
		j++
	}
	if c := cmpInt(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	// Same up to leading zeros: fall back to byte order so the order stays total.
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
