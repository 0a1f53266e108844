package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Backend stores one enclave's state. Implementations: Local (a directory); the PostgreSQL
// backend keeps the same contract.
type Backend interface {
	// Read returns the current state (a New one with no file yet; found=false then).
	Read() (st *State, found bool, err error)
	// Write persists st atomically if its content differs from the current file: serial bumped
	// by one (st.Serial is set), old generation kept as a backup. If nothing changed, the serial
	// stays and nothing is written. Returns whether it wrote.
	Write(st *State) (bool, error)
	// Lock takes the state lock for one run. When another run holds it, it returns a
	// *LockedError at once (timeout 0) or after polling for timeout; a stale lock is reported
	// at once, since no one will release it.
	Lock(ctx context.Context, info LockInfo, timeout time.Duration) (Unlocker, error)
	// Unlock forces the lock with this ID open (`enclave state unlock ID`), and audits it.
	Unlock(id string) error
	// Backups lists the kept generations, newest first.
	Backups() ([]string, error)
	Audit() *AuditLog
}

// Local keeps state in an enclave's .enclave directory:
//
//	state.json                                  the current generation
//	state.lock                                  present while a run holds the lock
//	backups/state.<serial>.<timestamp>.json     the previous KeepBackups generations
//	audit.log                                   the hash-chained audit log
type Local struct {
	dir   string
	audit *AuditLog
	// mu serializes Write within one process (parallel applies write after each resource);
	// across processes the state lock does.
	mu sync.Mutex
	// clock counts lock waits (nil: the wall clock).
	clock Clock
}

var _ Backend = (*Local)(nil)

// KeepBackups is how many previous generations Local keeps.
const KeepBackups = 10

const backupTimeLayout = "20060102T150405.000000000Z"

// NewLocal returns the local backend for dir, an enclave's ".enclave" directory. Nothing is
// created until the first write.
func NewLocal(dir string) *Local {
	return &Local{dir: dir, audit: OpenAuditLog(filepath.Join(dir, "audit.log"))}
}

// Path is the state file's path.
func (l *Local) Path() string { return filepath.Join(l.dir, "state.json") }

func (l *Local) lockPath() string  { return filepath.Join(l.dir, "state.lock") }
func (l *Local) backupDir() string { return filepath.Join(l.dir, "backups") }
func (l *Local) Audit() *AuditLog  { return l.audit }

// afterTempWrite, when set (tests only), runs after a new file's bytes are written and synced
// to its temporary name and before the rename that makes them current: a crash there must
// leave the previous generation intact.
var afterTempWrite func(tmp string)

// Read returns the current state. A damaged file is a *CorruptError naming the newest backup
// that verifies; a file from a newer enclave is an *UnsupportedVersionError.
func (l *Local) Read() (*State, bool, error) {
	st, _, found, err := l.read()
	return st, found, err
}

func (l *Local) read() (*State, []byte, bool, error) {
	data, err := os.ReadFile(l.Path())
	if errors.Is(err, fs.ErrNotExist) {
		// A missing file with backups beside it was lost, not never written: an empty state
		// would plan to create everything that already exists.
		if files, _ := l.backupFiles(); len(files) > 0 {
			return nil, nil, false, &CorruptError{Path: l.Path(), LastGoodBackup: l.lastGoodBackup(),
				Reason: fmt.Sprintf("the file is missing but %s holds earlier generations (newest: serial %d); to really start over, remove that directory too", l.backupDir(), files[0].serial)}
		}
		return New(""), nil, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("reading state: %w", err)
	}
	st, err := Decode(data)
	if err != nil {
		return nil, nil, true, l.fileError(err)
	}
	return st, data, true, nil
}

// fileError attaches the path, and for damage the last good backup, to a Decode error.
func (l *Local) fileError(err error) error {
	var c *errCorrupt
	var v *UnsupportedVersionError
	switch {
	case errors.As(err, &c):
		return &CorruptError{Path: l.Path(), Reason: c.reason, LastGoodBackup: l.lastGoodBackup()}
	case errors.As(err, &v):
		v.Path = l.Path()
		return v
	}
	return fmt.Errorf("state file %s: %w", l.Path(), err)
}

// Write persists st when its content changed; see Backend. It refuses to write over a damaged
// file, over another lineage, or over a newer serial than st was read at (someone else wrote
// in between). Sensitive outputs in st are hashed in place.
func (l *Local) Write(st *State) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, raw, found, err := l.read()
	if err != nil {
		return false, err
	}
	if found {
		if st.Lineage != cur.Lineage {
			return false, fmt.Errorf("refusing to write state of lineage %s over %s, which holds lineage %s", st.Lineage, l.Path(), cur.Lineage)
		}
		if st.Serial != cur.Serial {
			return false, fmt.Errorf("state %s moved since it was read: read at serial %d, the file is at serial %d", l.Path(), st.Serial, cur.Serial)
		}
	} else {
		cur = nil
	}
	hideSensitiveOutputs(st.Outputs, cur)
	if found && st.Equal(cur) {
		st.FormatVersion = FormatVersion
		return false, nil
	}
	next := *st
	next.Serial = st.Serial + 1
	head, err := l.audit.Head()
	if err != nil {
		return false, fmt.Errorf("anchoring the audit log in state: %w", err)
	}
	next.AuditHead = head
	data, err := Encode(&next)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return false, fmt.Errorf("creating %s: %w", l.dir, err)
	}
	if !found {
		if err := l.audit.Append(KindStateInit, map[string]any{"lineage": st.Lineage, "enclave": st.Enclave}); err != nil {
			return false, fmt.Errorf("recording the state's creation in the audit log: %w", err)
		}
	}
	if found {
		if err := l.backup(cur.Serial, raw); err != nil {
			return false, err
		}
	}
	if err := writeAtomic(l.Path(), data); err != nil {
		return false, fmt.Errorf("writing state: %w", err)
	}
	// Verify what landed, not what we meant to write.
	back, err := os.ReadFile(l.Path())
	if err == nil && !bytes.Equal(back, data) {
		err = errors.New("the file read back differs from what was written")
	}
	if err == nil {
		_, err = Decode(back)
	}
	if err != nil {
		return false, fmt.Errorf("verifying state %s after writing: %w", l.Path(), err)
	}
	st.Serial = next.Serial
	st.FormatVersion = FormatVersion
	st.AuditHead = head
	return true, l.rotate()
}

func (l *Local) backup(serial uint64, raw []byte) error {
	if err := os.MkdirAll(l.backupDir(), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", l.backupDir(), err)
	}
	name := fmt.Sprintf("state.%d.%s.json", serial, time.Now().UTC().Format(backupTimeLayout))
	if err := writeAtomic(filepath.Join(l.backupDir(), name), raw); err != nil {
		return fmt.Errorf("keeping a backup of state serial %d: %w", serial, err)
	}
	return nil
}

type backupFile struct {
	path   string
	serial uint64
	at     time.Time
}

func (l *Local) backupFiles() ([]backupFile, error) {
	ents, err := os.ReadDir(l.backupDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing backups: %w", err)
	}
	var out []backupFile
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), "state.")
		rest, ok2 := strings.CutSuffix(rest, ".json")
		serialStr, ts, ok3 := strings.Cut(rest, ".")
		if !ok || !ok2 || !ok3 || e.IsDir() {
			continue
		}
		serial, err1 := strconv.ParseUint(serialStr, 10, 64)
		at, err2 := time.Parse(backupTimeLayout, ts)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, backupFile{filepath.Join(l.backupDir(), e.Name()), serial, at})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].serial != out[j].serial {
			return out[i].serial > out[j].serial
		}
		return out[i].at.After(out[j].at)
	})
	return out, nil
}

// Backups lists the kept generations, newest first.
func (l *Local) Backups() ([]string, error) {
	files, err := l.backupFiles()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, nil
}

func (l *Local) rotate() error {
	files, err := l.backupFiles()
	if err != nil {
		return err
	}
	for i := KeepBackups; i < len(files); i++ {
		if err := os.Remove(files[i].path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing old backup: %w", err)
		}
	}
	return nil
}

// lastGoodBackup is the newest backup that itself verifies, or "".
func (l *Local) lastGoodBackup() string {
	files, _ := l.backupFiles()
	for _, f := range files {
		if data, err := os.ReadFile(f.path); err == nil {
			if _, err := Decode(data); err == nil {
				return f.path
			}
		}
	}
	return ""
}

// writeAtomic replaces path with data so that a reader sees the old or the new bytes, never
// a mix, even across a crash: temp file in the same directory, fsync, rename, fsync the
// directory so the rename itself is durable.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if afterTempWrite != nil {
		afterTempWrite(tmp)
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeTemps deletes temporary files a crashed writer left. Only called while holding the
// lock, when no other writer can be between write and rename.
func (l *Local) removeTemps() {
	for _, dir := range []string{l.dir, l.backupDir()} {
		matches, _ := filepath.Glob(filepath.Join(dir, ".state*.tmp"))
		for _, m := range matches {
			os.Remove(m)
		}
	}
}
