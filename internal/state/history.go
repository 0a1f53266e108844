package state

import (
	"fmt"
	"os"
	"time"
)

// Generation is one kept generation of state: the current file or a backup.
type Generation struct {
	Serial    uint64
	Written   time.Time
	Resources int
	Current   bool
	Path      string
}

// History lists the current state and every kept backup, newest first. A backup that does
// not verify is listed with Resources -1.
func (l *Local) History() ([]Generation, error) {
	var out []Generation
	if b, err := os.ReadFile(l.Path()); err == nil {
		g := Generation{Current: true, Path: l.Path(), Resources: -1}
		if fi, err := os.Stat(l.Path()); err == nil {
			g.Written = fi.ModTime()
		}
		if st, err := Decode(b); err == nil {
			g.Serial, g.Resources = st.Serial, len(st.Resources)
		}
		out = append(out, g)
	}
	files, err := l.backupFiles()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		g := Generation{Serial: f.serial, Written: f.at, Resources: -1, Path: f.path}
		if b, err := os.ReadFile(f.path); err == nil {
			if st, err := Decode(b); err == nil {
				g.Resources = len(st.Resources)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// Generation reads the kept generation with serial (the current file or a backup) and
// verifies it.
func (l *Local) Generation(serial uint64) (*State, error) {
	gens, err := l.History()
	if err != nil {
		return nil, err
	}
	for _, g := range gens {
		if g.Serial != serial {
			continue
		}
		b, err := os.ReadFile(g.Path)
		if err != nil {
			return nil, err
		}
		st, err := Decode(b)
		if err != nil {
			return nil, fmt.Errorf("generation %d (%s) does not verify: %w", serial, g.Path, err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("no kept generation has serial %d (see `enclave state history`)", serial)
}

// Restore writes old's content as the newest generation: cur is the current state (nil when
// it is missing or damaged). The plans made against any serial before are spent: the serial
// moves on. Digests applied since old are kept, so none of those plans can be applied again.
func (l *Local) Restore(old, cur *State) (uint64, error) {
	st := old.DeepCopy()
	if cur != nil {
		if cur.Lineage != "" && cur.Lineage != st.Lineage {
			return 0, fmt.Errorf("generation %d is of lineage %s, the current state of %s: restoring it would replace another state", old.Serial, st.Lineage, cur.Lineage)
		}
		seen := map[string]bool{}
		for _, a := range st.Applied {
			seen[a.Digest] = true
		}
		for _, a := range cur.Applied {
			if !seen[a.Digest] {
				st.Applied = append(st.Applied, a)
			}
		}
		st.Serial = cur.Serial
		// Force a write even when the content equals the current one: a restore is a new
		// generation by intent.
		if st.Equal(cur) {
			return cur.Serial, nil
		}
		if _, err := l.Write(st); err != nil {
			return 0, err
		}
		return st.Serial, nil
	}
	// The current file is missing or damaged: the restored generation goes past every kept
	// serial, written as Write would.
	l.mu.Lock()
	defer l.mu.Unlock()
	files, err := l.backupFiles()
	if err != nil {
		return 0, err
	}
	next := old.Serial
	for _, f := range files {
		next = max(next, f.serial)
	}
	st.Serial = next + 1
	head, err := l.audit.Head()
	if err != nil {
		return 0, err
	}
	st.AuditHead = head
	data, err := Encode(st)
	if err != nil {
		return 0, err
	}
	if err := writeAtomic(l.Path(), data); err != nil {
		return 0, fmt.Errorf("writing state: %w", err)
	}
	return st.Serial, nil
}
