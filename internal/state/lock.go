package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/enclave-dev/enclave/internal/faultpoint"
)

// Unlocker releases a lock taken with Lock.
type Unlocker interface{ Unlock() error }

// LockInfo is who holds the state lock, recorded in the lock itself so a second run can say.
type LockInfo struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Operation string    `json:"operation"` // plan, apply, state mv, ...
	Created   time.Time `json:"created"`
	// Start is when the holder's process started (in the kernel's clock ticks since boot,
	// Linux only; 0 where unknown), so a PID reused by another process is not mistaken for
	// the holder.
	Start uint64 `json:"start,omitempty"`
}

// NewLockInfo describes this process doing operation, with a fresh random ID.
func NewLockInfo(operation string) LockInfo {
	return LockInfo{
		ID:        uuid.NewString(),
		User:      currentUser(),
		Host:      hostname(),
		PID:       os.Getpid(),
		Operation: operation,
		Created:   time.Now().UTC(),
		Start:     processStart(os.Getpid()),
	}
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "uid:" + strconv.Itoa(os.Getuid())
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "(unknown host)"
	}
	return h
}

// lockPoll is how often a waiting Lock looks again.
var lockPoll = 100 * time.Millisecond

// Clock is the time a waiting Lock counts its timeout in; tests give a Local a clock they
// drive (WithClock), so no test waits on the wall clock.
type Clock interface {
	Now() time.Time
	// After is a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// WithClock makes l's lock waits count time on c.
func (l *Local) WithClock(c Clock) *Local {
	l.clock = c
	return l
}

func (l *Local) now() Clock {
	if l.clock == nil {
		return wallClock{}
	}
	return l.clock
}

// Lock takes the state lock: state.lock, created with O_EXCL, holding the LockInfo as JSON.
// Zero fields of info are filled as NewLockInfo would. See Backend.Lock.
func (l *Local) Lock(ctx context.Context, info LockInfo, timeout time.Duration) (Unlocker, error) {
	info = fillLockInfo(info)
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", l.dir, err)
	}
	clock := l.now()
	deadline := clock.Now().Add(timeout)
	for {
		err := l.tryLock(info)
		if err == nil {
			l.removeTemps()
			return &localLock{l: l, id: info.ID}, nil
		}
		var locked *LockedError
		if !errors.As(err, &locked) || locked.Stale || !clock.Now().Before(deadline) {
			return nil, err
		}
		faultpoint.Hit("lock.wait")
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w; stopped waiting: %w", locked, ctx.Err())
		case <-clock.After(min(lockPoll, deadline.Sub(clock.Now()))):
		}
	}
}

func fillLockInfo(info LockInfo) LockInfo {
	def := NewLockInfo(info.Operation)
	if info.ID == "" {
		info.ID = def.ID
	}
	if info.User == "" {
		info.User = def.User
	}
	if info.Host == "" {
		info.Host = def.Host
	}
	if info.PID == 0 {
		info.PID = def.PID
	}
	if info.Created.IsZero() {
		info.Created = def.Created
	}
	if info.Start == 0 && info.PID == def.PID {
		info.Start = def.Start
	}
	return info
}

func (l *Local) tryLock(info LockInfo) error {
	for {
		f, err := os.OpenFile(l.lockPath(), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if errors.Is(err, fs.ErrExist) {
			holder, held, rerr := l.holder()
			if rerr != nil {
				return rerr
			}
			if !held {
				continue // released between our create and our read: try again at once
			}
			if isStale(holder) {
				// The holder's process is gone (killed, crashed, its machine rebooted): no
				// one will ever release this lock. Take it over, and say so in the audit log.
				// Whether this run removed it or another did first, look again.
				if _, err := l.takeOver(holder); err != nil {
					return err
				}
				continue
			}
			return &LockedError{Holder: holder, Stale: isStale(holder), Dir: filepath.Dir(l.dir)}
		}
		if err != nil {
			return fmt.Errorf("taking the state lock %s: %w", l.lockPath(), err)
		}
		return l.writeLock(f, info)
	}
}

// takeOver removes a stale lock, holding a flock on a sibling file so that two runs taking over
// the same stale lock at once cannot remove a fresh lock one of them has just taken: the lock
// is removed only while it is still the stale holder's. It reports whether it removed it.
//
// Hand-written rather than taken from a library: the lock must be a plain file that names its
// holder (SPEC §7), and flock alone cannot say who holds a lock or since when.
func (l *Local) takeOver(stale LockInfo) (bool, error) {
	mu, err := os.OpenFile(l.lockPath()+".takeover", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return false, fmt.Errorf("taking over the stale state lock: %w", err)
	}
	defer mu.Close()
	unlock, err := lockFile(mu)
	if err != nil {
		return false, fmt.Errorf("taking over the stale state lock: %w", err)
	}
	defer unlock()
	cur, held, err := l.holder()
	if err != nil || !held || cur.ID != stale.ID {
		return false, err // released or taken over by someone else meanwhile: look again
	}
	if err := l.audit.Append(KindLockTakeover, map[string]any{
		"lock_id":   stale.ID,
		"holder":    stale.User + "@" + stale.Host,
		"pid":       stale.PID,
		"operation": stale.Operation,
		"since":     stale.Created.Format(time.RFC3339),
	}); err != nil {
		return false, fmt.Errorf("the state lock of %s@%s (pid %d, gone) could not be taken over: %w", stale.User, stale.Host, stale.PID, err)
	}
	if err := os.Remove(l.lockPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("removing the stale state lock: %w", err)
	}
	return true, nil
}

func (l *Local) writeLock(f *os.File, info LockInfo) error {
	data, _ := json.Marshal(info)
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(l.lockPath())
		return fmt.Errorf("writing the state lock %s: %w", l.lockPath(), werr)
	}
	return nil
}

// holder reads the lock file. A holder between its O_EXCL create and its write leaves the file
// briefly empty, so an unreadable lock is read again a few times before it is reported as is.
func (l *Local) holder() (LockInfo, bool, error) {
	var info LockInfo
	for try := 0; ; try++ {
		data, err := os.ReadFile(l.lockPath())
		if errors.Is(err, fs.ErrNotExist) {
			return LockInfo{}, false, nil
		}
		if err != nil {
			return LockInfo{}, false, fmt.Errorf("reading the state lock %s: %w", l.lockPath(), err)
		}
		if err = json.Unmarshal(data, &info); err == nil {
			return info, true, nil
		}
		if try == 10 {
			return LockInfo{ID: "(unreadable lock file " + l.lockPath() + ")"}, true, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// isStale: the holder ran on this host and its process no longer exists (or its PID now
// belongs to a process started at another time). A holder on another host cannot be checked
// from here and is never called stale.
func isStale(h LockInfo) bool {
	if h.PID <= 0 || h.Host != hostname() {
		return false
	}
	if !processAlive(h.PID) {
		return true
	}
	return h.Start != 0 && processStart(h.PID) != 0 && processStart(h.PID) != h.Start
}

type localLock struct {
	l  *Local
	id string
}

// Unlock releases the lock if this run still holds it.
func (u *localLock) Unlock() error {
	h, held, err := u.l.holder()
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("state lock %s was already released (forced open?)", u.id)
	}
	if h.ID != u.id {
		return fmt.Errorf("state lock was taken over: it is now held by %s@%s, lock ID %s, not ours (%s)", h.User, h.Host, h.ID, u.id)
	}
	if err := os.Remove(u.l.lockPath()); err != nil {
		return fmt.Errorf("releasing the state lock: %w", err)
	}
	return nil
}

// Unlock forces the lock open when id matches its holder, and records that in the audit log
// with who held it and whether it was stale.
func (l *Local) Unlock(id string) error {
	h, held, err := l.holder()
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("state is not locked (no %s)", l.lockPath())
	}
	if h.ID != id {
		return fmt.Errorf("lock ID %s does not match the holder: %w", id, &LockedError{Holder: h, Stale: isStale(h), Dir: filepath.Dir(l.dir)})
	}
	stale := isStale(h)
	if err := os.Remove(l.lockPath()); err != nil {
		return fmt.Errorf("removing the state lock: %w", err)
	}
	return l.audit.Append(KindUnlock, map[string]any{
		"lock_id":   h.ID,
		"holder":    h.User + "@" + h.Host,
		"pid":       h.PID,
		"operation": h.Operation,
		"since":     h.Created.Format(time.RFC3339),
		"stale":     stale,
	})
}
