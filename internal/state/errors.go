package state

import (
	"fmt"
	"strings"
	"time"
)

// CorruptError refuses a state file that is damaged: unreadable, truncated, or failing its
// checksum. It never repairs anything; it points at the newest backup that verifies.
type CorruptError struct {
	Path           string
	Reason         string
	LastGoodBackup string // "" when no backup verifies
}

func (e *CorruptError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "state file %s is corrupt: %s; refusing to use it", e.Path, e.Reason)
	if e.LastGoodBackup != "" {
		fmt.Fprintf(&b, "; the newest backup that verifies is %s: check it, then copy it over %s", e.LastGoodBackup, e.Path)
	} else {
		b.WriteString("; no backup verifies either")
	}
	return b.String()
}

// UnsupportedVersionError is a state file written by a newer enclave.
type UnsupportedVersionError struct {
	Path    string
	Version int
}

func (e *UnsupportedVersionError) Error() string {
	where := "state file"
	if e.Path != "" {
		where += " " + e.Path
	}
	return fmt.Sprintf("%s has format version %d, newer than this enclave understands (%d): upgrade enclave to read it",
		where, e.Version, FormatVersion)
}

// LockedError says who holds the state lock.
type LockedError struct {
	Holder LockInfo
	// Stale: the holder ran on this host and its process is gone, so the lock will never be
	// released by itself.
	Stale bool
	// Dir is the enclave directory, for the unlock hint.
	Dir string
}

func (e *LockedError) Error() string {
	h := e.Holder
	msg := fmt.Sprintf("state is locked by %s@%s (pid %d) doing %s since %s; lock ID %s",
		orUnknown(h.User), orUnknown(h.Host), h.PID, orUnknown(h.Operation), h.Created.Format(time.RFC3339), orUnknown(h.ID))
	dir := ""
	if e.Dir != "" {
		dir = " --dir " + shellQuote(e.Dir)
	}
	if e.Stale {
		msg += fmt.Sprintf("; the process holding it is gone; if you are sure, run `enclave state unlock %s%s`", h.ID, dir)
	} else {
		msg += fmt.Sprintf("; if that run is dead, `enclave state unlock %s%s` forces it open (audited)", h.ID, dir)
	}
	return msg
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
