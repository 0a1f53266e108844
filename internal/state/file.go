package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// stateFile is the serialized form of a State (format version 2). It differs from State by
// the checksum: sha256 of the canonical encoding of the file with Checksum empty.
type stateFile struct {
	FormatVersion int               `json:"format_version"`
	Lineage       string            `json:"lineage"`
	Serial        uint64            `json:"serial"`
	Enclave       string            `json:"enclave"`
	Resources     []*Resource       `json:"resources"`
	Outputs       map[string]Output `json:"outputs,omitempty"`
	Approval      json.RawMessage   `json:"approval,omitempty"`
	ApprovalChain json.RawMessage   `json:"approval_chain,omitempty"`
	Applied       []AppliedPlan     `json:"applied,omitempty"`
	AuditHead     *AuditAnchor      `json:"audit_head,omitempty"`
	Checksum      string            `json:"checksum,omitempty"`
}

func fileFrom(s *State, checksum string) *stateFile {
	f := &stateFile{
		FormatVersion: FormatVersion,
		Lineage:       s.Lineage,
		Serial:        s.Serial,
		Enclave:       s.Enclave,
		Resources:     canonicalResources(s.Resources),
		Outputs:       s.Outputs,
		Approval:      s.Approval,
		ApprovalChain: s.ApprovalChain,
		Applied:       s.Applied,
		AuditHead:     s.AuditHead,
		Checksum:      checksum,
	}
	if len(f.Outputs) == 0 {
		f.Outputs = nil
	}
	if t := bytes.TrimSpace(f.Approval); len(t) == 0 || string(t) == "null" {
		f.Approval = nil
	}
	if t := bytes.TrimSpace(f.ApprovalChain); len(t) == 0 || string(t) == "null" {
		f.ApprovalChain = nil
	}
	return f
}

// canonical is the one encoding checksums and digests are computed over: compact, map keys
// sorted (encoding/json does that), no HTML escaping.
func canonical(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// mustCanonical is for values built from a State, whose attributes are plain JSON values; an
// attribute that cannot be encoded is a programming error in the caller.
func mustCanonical(v any) []byte {
	b, err := canonical(v)
	if err != nil {
		panic(fmt.Sprintf("state: content cannot be encoded as JSON: %v", err))
	}
	return b
}

func checksumOf(f *stateFile) (string, error) {
	c := *f
	c.Checksum = ""
	b, err := canonical(&c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Encode renders s as a version-2 state file: indented for people and diffs, with its checksum.
// It refuses content that Decode would refuse, so no file is written that cannot be read.
func Encode(s *State) ([]byte, error) {
	f := fileFrom(s, "")
	if s.Lineage == "" {
		return nil, errors.New("encoding state: no lineage")
	}
	if err := checkResources(f.Resources); err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	sum, err := checksumOf(f)
	if err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	f.Checksum = sum
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	return b.Bytes(), nil
}

// errCorrupt is a decode failure that means the bytes are damaged (as opposed to a version
// this build does not know); callers wrap it in a CorruptError with the path.
type errCorrupt struct{ reason string }

func (e *errCorrupt) Error() string { return e.reason }

func corruptf(format string, args ...any) error {
	return &errCorrupt{reason: fmt.Sprintf(format, args...)}
}

// Decode reads a state file of any known format version, verifies it and upgrades it one
// version at a time to the current one. Damage is reported as an error whose Reason says
// what is wrong; a version newer than FormatVersion is an *UnsupportedVersionError.
func Decode(data []byte) (*State, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, corruptf("the file is empty")
	}
	var sniff struct {
		FormatVersion *int `json:"format_version"`
		Version       *int `json:"version"` // version 1 called it "version"
	}
	if err := json.Unmarshal(data, &sniff); err != nil {
		return nil, corruptf("not valid JSON (truncated?): %v", err)
	}
	version := 0
	switch {
	case sniff.FormatVersion != nil:
		version = *sniff.FormatVersion
	case sniff.Version != nil:
		version = *sniff.Version
	default:
		return nil, corruptf("no format_version field")
	}
	if version > FormatVersion {
		return nil, &UnsupportedVersionError{Version: version}
	}
	if version < 1 {
		return nil, corruptf("format version %d is not a version any enclave release wrote", version)
	}
	var (
		cur any
		err error
	)
	// Each step decodes its own version and hands the next step its in-memory form, so a
	// version-1 file goes v1 -> v2 exactly as an old release's upgrade would have done.
	switch version {
	case 1:
		cur, err = decodeV1(data)
	case 2:
		cur, err = decodeV2(data)
	}
	if err != nil {
		return nil, err
	}
	for v := version; v < FormatVersion; v++ {
		if cur, err = upgrades[v](cur); err != nil {
			return nil, fmt.Errorf("upgrading state from format version %d to %d: %w", v, v+1, err)
		}
	}
	return stateFromFile(cur.(*stateFile))
}

// upgrades[v] turns the in-memory form of version v into that of v+1.
var upgrades = map[int]func(any) (any, error){
	1: func(v any) (any, error) { return upgradeV1(v.(*stateFileV1)) },
}

func decodeV2(data []byte) (*stateFile, error) {
	var f stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	// Numbers stay json.Number until the checksum is verified: re-encoding a float64 would
	// change big integers and fail an intact file.
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return nil, corruptf("not a valid state file: %v", err)
	}
	if f.Checksum == "" {
		return nil, corruptf("no checksum field")
	}
	sum, err := checksumOf(&f)
	if err != nil {
		return nil, corruptf("cannot re-encode for the checksum: %v", err)
	}
	if sum != f.Checksum {
		return nil, corruptf("checksum mismatch: the file says %s, its content hashes to %s", f.Checksum, sum)
	}
	return &f, nil
}

// stateFromFile checks what the checksum cannot (a well-formed but wrong document) and turns
// the file into the in-memory State, numbers in the plain form providers use.
func stateFromFile(f *stateFile) (*State, error) {
	if f.Lineage == "" {
		return nil, corruptf("no lineage")
	}
	s := &State{
		FormatVersion: FormatVersion,
		Lineage:       f.Lineage,
		Serial:        f.Serial,
		Enclave:       f.Enclave,
		Resources:     make([]*Resource, 0, len(f.Resources)),
		Approval:      f.Approval,
		ApprovalChain: f.ApprovalChain,
		Applied:       f.Applied,
		AuditHead:     f.AuditHead,
	}
	for i, r := range f.Resources {
		if r == nil {
			return nil, corruptf("resource #%d is null", i+1)
		}
		r.Attributes, _ = plainNumbers(r.Attributes).(map[string]any)
		if r.Attributes == nil {
			r.Attributes = map[string]any{}
		}
		s.Resources = append(s.Resources, r)
	}
	sortResources(s.Resources)
	if err := checkResources(s.Resources); err != nil {
		return nil, corruptf("%v", err)
	}
	if len(f.Outputs) > 0 {
		s.Outputs = make(map[string]Output, len(f.Outputs))
		for k, o := range f.Outputs {
			s.Outputs[k] = Output{Value: plainNumbers(o.Value), Sensitive: o.Sensitive}
		}
	}
	return s, nil
}

// plainNumbers replaces json.Number with int64 when integral and in range, float64
// otherwise: the plain form of providers.FromCty.
func plainNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return string(t)
		}
		if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
			return int64(f)
		}
		return f
	case map[string]any:
		for k, e := range t {
			t[k] = plainNumbers(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = plainNumbers(e)
		}
		return t
	}
	return v
}
