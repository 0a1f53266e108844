package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Audit entry kinds.
const (
	KindPlan       = "plan"
	KindApprove    = "approve"
	KindRefuse     = "refuse"
	KindApplyStart = "apply-start"
	KindApplyEnd   = "apply-end"
	KindStateRm    = "state-rm"
	KindStateMv    = "state-mv"
	KindImport     = "import"
	KindUnlock     = "unlock"
	// KindLockTakeover: a run took over the lock of a run on this host whose process is gone.
	KindLockTakeover = "lock-takeover"
	// KindStateInit: the enclave's state was written for the first time (its lineage). A
	// state missing later, with this in the log, was lost or wiped, not never made.
	KindStateInit = "state-init"
)

// AuditEntry is one line of the audit log. Prev is "sha256:HEX" of the previous line's bytes
// ("" for the first entry), which chains the lines: deleting, reordering or editing one breaks
// the chain at the next. Hash is "sha256:HEX" of the entry's own canonical JSON with Hash
// empty, so an edited entry is named itself, not only by its successor.
type AuditEntry struct {
	Seq     int            `json:"seq"`
	Time    time.Time      `json:"time"`
	User    string         `json:"user"`
	Host    string         `json:"host"`
	Kind    string         `json:"kind"`
	Details map[string]any `json:"details,omitempty"`
	Prev    string         `json:"prev"`
	Hash    string         `json:"hash"`
}

// AuditLog is an append-only file of JSON lines (the local backend's .enclave/audit.log).
// Appends from concurrent processes are serialized with an exclusive file lock.
//
// The chain proves that no entry was changed, removed or moved, except at the tail: cutting
// off the newest lines leaves a valid, shorter chain.
type AuditLog struct {
	path string
}

// OpenAuditLog returns the audit log at path; the file is created by the first Append.
func OpenAuditLog(path string) *AuditLog { return &AuditLog{path: path} }

// Path is the log file's path.
func (a *AuditLog) Path() string { return a.path }

// AuditBrokenError names the first entry where the chain does not hold.
type AuditBrokenError struct {
	Path   string
	Seq    int // the entry's sequence number (as recorded, or as expected when unreadable)
	Line   int // 1-based line in the file
	Reason string
}

func (e *AuditBrokenError) Error() string {
	return fmt.Sprintf("audit log %s is broken at line %d (entry %d): %s", e.Path, e.Line, e.Seq, e.Reason)
}

// Append adds one entry of kind with details, filling seq, time, user, host and the chain, and
// syncs it to disk before returning. Details must hold no secrets in the clear.
func (a *AuditLog) Append(kind string, details map[string]any) error {
	if kind == "" {
		return errors.New("audit entry without a kind")
	}
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return fmt.Errorf("creating the audit log directory: %w", err)
	}
	f, err := os.OpenFile(a.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening the audit log: %w", err)
	}
	defer f.Close()
	unlock, err := lockFile(f)
	if err != nil {
		return fmt.Errorf("locking the audit log %s: %w", a.path, err)
	}
	defer unlock()

	// Details may hold structs; the hash must be over what a reader decodes, so take them
	// through JSON first (struct field order would otherwise differ from sorted map keys).
	if details != nil {
		b, err := json.Marshal(details)
		if err != nil {
			return fmt.Errorf("audit entry %s: details cannot be encoded: %w", kind, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		details = nil
		if err := dec.Decode(&details); err != nil {
			return fmt.Errorf("audit entry %s: %w", kind, err)
		}
	}
	e := AuditEntry{Seq: 1, Time: time.Now().UTC(), User: currentUser(), Host: hostname(), Kind: kind, Details: details}
	last, err := lastLine(f)
	if err != nil {
		return fmt.Errorf("reading the audit log %s: %w", a.path, err)
	}
	if last != nil {
		prev, err := decodeAuditLine(last)
		if err != nil {
			// Appending after a damaged tail would bury the damage; stop and let someone look.
			return fmt.Errorf("audit log %s has a damaged last line (%v); run `enclave audit verify` and repair it before anything is appended", a.path, err)
		}
		e.Seq = prev.Seq + 1
		e.Prev = lineHash(last)
	}
	if e.Hash, err = entryHash(e); err != nil {
		return fmt.Errorf("audit entry %s: details cannot be encoded: %w", kind, err)
	}
	line, err := canonical(e)
	if err != nil {
		return fmt.Errorf("audit entry %s: %w", kind, err)
	}
	// One write of the whole line: with O_APPEND and the lock, lines never interleave.
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("appending to the audit log %s: %w", a.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing the audit log %s: %w", a.path, err)
	}
	return nil
}

// lastLine returns the last line of f without its newline, or nil for an empty file. A file
// not ending in a newline returns its torn tail, which then fails to decode.
func lastLine(f *os.File) ([]byte, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil || size == 0 {
		return nil, err
	}
	// Read backwards in chunks until the newline before the last line is found.
	const chunk = 4096
	var tail []byte
	for off := size; off > 0; {
		n := min(int64(chunk), off)
		off -= n
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, off); err != nil {
			return nil, err
		}
		tail = append(buf, tail...)
		body := bytes.TrimSuffix(tail, []byte("\n"))
		if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
			return body[i+1:], nil
		}
		if off == 0 {
			return body, nil
		}
	}
	return nil, nil
}

func lineHash(line []byte) string {
	sum := sha256.Sum256(line)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func entryHash(e AuditEntry) (string, error) {
	e.Hash = ""
	b, err := canonical(e)
	if err != nil {
		return "", err
	}
	return lineHash(b), nil
}

// decodeAuditLine keeps numbers as json.Number so that re-encoding for the hash gives back
// exactly the bytes that were hashed.
func decodeAuditLine(line []byte) (AuditEntry, error) {
	var e AuditEntry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		return e, fmt.Errorf("not a JSON audit entry: %v", err)
	}
	if dec.More() {
		return e, errors.New("text after the entry")
	}
	return e, nil
}

func (a *AuditLog) lines() ([][]byte, error) {
	data, err := os.ReadFile(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	lines := bytes.Split(data, []byte("\n"))
	// A complete log ends with a newline: the last split element is empty. Anything else is
	// a torn last line, kept so Verify reports it.
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines, nil
}

// Entries returns every entry in file order.
func (a *AuditLog) Entries() ([]AuditEntry, error) {
	lines, err := a.lines()
	if err != nil {
		return nil, err
	}
	out := make([]AuditEntry, 0, len(lines))
	for i, l := range lines {
		e, err := decodeAuditLine(l)
		if err != nil {
			return nil, fmt.Errorf("audit log %s line %d: %w", a.path, i+1, err)
		}
		e.Details, _ = plainNumbers(e.Details).(map[string]any)
		out = append(out, e)
	}
	return out, nil
}

// Head is the log's anchor as it stands: how many entries and the hash of the last line; nil
// for a log with no entries yet.
func (a *AuditLog) Head() (*AuditAnchor, error) {
	f, err := os.Open(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening the audit log: %w", err)
	}
	defer f.Close()
	last, err := lastLine(f)
	if err != nil || last == nil {
		return nil, err
	}
	e, err := decodeAuditLine(last)
	if err != nil {
		return nil, fmt.Errorf("audit log %s has a damaged last line: %v", a.path, err)
	}
	return &AuditAnchor{Entries: e.Seq, Hash: lineHash(last)}, nil
}

// VerifyAnchored is Verify, then the check that the log still holds the entries the state
// anchored: at least anchor.Entries of them, the last of those hashing to anchor.Hash. A log
// whose chain was rebuilt after entries were deleted, reordered or cut from the front, or a
// log deleted whole, fails here though its own chain holds.
func (a *AuditLog) VerifyAnchored(anchor *AuditAnchor) (int, error) {
	n, err := a.Verify()
	if err != nil || anchor == nil || anchor.Entries == 0 {
		return n, err
	}
	lines, err := a.lines()
	if err != nil {
		return n, err
	}
	if len(lines) < anchor.Entries {
		return n, &AuditBrokenError{Path: a.path, Seq: anchor.Entries, Line: len(lines), Reason: fmt.Sprintf("the state recorded %d entries when it was last written, the log has %d: entries were deleted or the log was truncated or replaced", anchor.Entries, len(lines))}
	}
	if got := lineHash(lines[anchor.Entries-1]); got != anchor.Hash {
		return n, &AuditBrokenError{Path: a.path, Seq: anchor.Entries, Line: anchor.Entries, Reason: fmt.Sprintf("entry %d is not the one the state anchored (it hashes to %s, the state recorded %s): the log was rewritten", anchor.Entries, got, anchor.Hash)}
	}
	return n, nil
}

// Verify walks the chain and returns the number of entries that hold. The first one that does
// not is an *AuditBrokenError: a line edited (its hash), deleted (a gap in seq), moved (seq
// out of order) or one whose predecessor changed (prev).
func (a *AuditLog) Verify() (int, error) {
	lines, err := a.lines()
	if err != nil {
		return 0, err
	}
	entries := make([]AuditEntry, len(lines))
	errs := make([]error, len(lines))
	// Where each recorded seq sits, to tell an entry moved from one deleted.
	lineOf := map[int]int{}
	for i, l := range lines {
		entries[i], errs[i] = decodeAuditLine(l)
		if _, dup := lineOf[entries[i].Seq]; errs[i] == nil && !dup {
			lineOf[entries[i].Seq] = i + 1
		}
	}
	prevHash := ""
	for i, l := range lines {
		want := i + 1
		broken := func(seq int, format string, args ...any) (int, error) {
			return i, &AuditBrokenError{Path: a.path, Seq: seq, Line: i + 1, Reason: fmt.Sprintf(format, args...)}
		}
		if len(l) == 0 {
			return broken(want, "empty line")
		}
		e, err := entries[i], errs[i]
		if err != nil {
			if i == len(lines)-1 {
				return broken(want, "incomplete or unreadable last line: %v", err)
			}
			return broken(want, "%v", err)
		}
		h, err := entryHash(e)
		if err != nil || h != e.Hash {
			return broken(e.Seq, "the entry was edited: its content does not match its hash")
		}
		switch {
		case e.Seq > want:
			if at, ok := lineOf[want]; ok {
				return broken(e.Seq, "out of order: entry %d is at line %d", want, at)
			}
			if want == e.Seq-1 {
				return broken(e.Seq, "entry %d is missing (deleted?)", want)
			}
			return broken(e.Seq, "entries %d to %d are missing (deleted?)", want, e.Seq-1)
		case e.Seq < want:
			return broken(e.Seq, "out of order: entry %d where %d belongs", e.Seq, want)
		}
		if e.Prev != prevHash {
			if i == 0 {
				return broken(e.Seq, "the first entry points at a predecessor (%s)", e.Prev)
			}
			return broken(e.Seq, "the previous line was changed: it hashes to %s, this entry recorded %s", prevHash, e.Prev)
		}
		prevHash = lineHash(l)
	}
	return len(lines), nil
}
