package state

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLockContention: a second process holds the lock; we fail at once naming it, then a
// waiting Lock succeeds as soon as the holder lets go.
func TestLockContention(t *testing.T) {
	t.Parallel()
	l, dir := newLocal(t)
	child := helper(t, "hold-lock", dir, "")
	stdin, err := child.StdinPipe()
	require.NoError(t, err)
	stdout, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "locked\n", line)

	start := time.Now()
	_, err = l.Lock(t.Context(), NewLockInfo("plan"), 0)
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Less(t, time.Since(start), time.Second, "no timeout: fail at once")
	assert.Equal(t, child.Process.Pid, le.Holder.PID)
	assert.Equal(t, "apply", le.Holder.Operation)
	assert.Equal(t, hostname(), le.Holder.Host)
	assert.False(t, le.Stale, "the holder is alive")
	assert.Contains(t, err.Error(), "doing apply since")
	assert.Contains(t, err.Error(), "lock ID "+le.Holder.ID)
	assert.NotContains(t, err.Error(), "process holding it is gone")

	// A Lock with a timeout waits for the holder: once it is waiting, the child lets go and
	// the next poll takes the lock. The test drives the clock; nothing sleeps.
	clock := newTestClock()
	l.WithClock(clock)
	got := make(chan error, 1)
	var u Unlocker
	go func() {
		var err error
		u, err = l.Lock(t.Context(), NewLockInfo("plan"), 10*time.Second)
		got <- err
	}()
	<-clock.waiting // it found the lock held and waits for the next poll
	stdin.Close()
	require.NoError(t, child.Wait(), "the child released its own lock cleanly")
	clock.advance(lockPoll)
	require.NoError(t, <-got)
	require.NoError(t, u.Unlock())
	_, err = os.Stat(filepath.Join(dir, "state.lock"))
	assert.True(t, errors.Is(err, os.ErrNotExist))
}

func TestLockTimeoutExpires(t *testing.T) {
	t.Parallel()
	l, _ := newLocal(t)
	u, err := l.Lock(t.Context(), LockInfo{Operation: "apply"}, 0)
	require.NoError(t, err)
	defer u.Unlock()

	// It polls until the timeout has passed on its clock, then gives up naming the holder.
	clock := newTestClock()
	l.WithClock(clock)
	got := make(chan error, 1)
	go func() {
		_, err := l.Lock(t.Context(), NewLockInfo("plan"), 250*time.Millisecond)
		got <- err
	}()
	for polls := 0; ; polls++ {
		select {
		case err = <-got:
		case <-clock.waiting:
			clock.advance(lockPoll)
			continue
		}
		assert.GreaterOrEqual(t, clock.elapsed(), 250*time.Millisecond, "it gave up before its timeout")
		assert.Equal(t, 3, polls, "it polls every %s until 250ms have passed", lockPoll)
		break
	}
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, os.Getpid(), le.Holder.PID, "zero fields of LockInfo are filled in")
	assert.NotEmpty(t, le.Holder.ID)
	assert.NotEmpty(t, le.Holder.User)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = l.Lock(ctx, NewLockInfo("plan"), time.Minute)
	require.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, context.Canceled)
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := helper(t, "exit", t.TempDir(), "")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func writeLock(t *testing.T, dir string, info LockInfo) {
	require.NoError(t, os.MkdirAll(dir, 0o700))
	data, err := json.Marshal(info)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.lock"), data, 0o600))
}

func TestStaleLock(t *testing.T) {
	t.Parallel()
	dead := deadPID(t)
	tests := []struct {
		name  string
		host  string
		pid   int
		start uint64
		stale bool
	}{
		{"holder gone on this host", hostname(), dead, 0, true},
		{"holder's PID reused by another process", hostname(), os.Getpid(), processStart(os.Getpid()) + 1, true},
		{"holder alive on this host", hostname(), os.Getpid(), processStart(os.Getpid()), false},
		{"holder on another host is never judged", "other.example", dead, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, dir := newLocal(t)
			info := LockInfo{ID: "lock-1", User: "alice", Host: tt.host, PID: tt.pid, Start: tt.start, Operation: "apply",
				Created: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)}
			writeLock(t, dir, info)
			u, err := l.Lock(t.Context(), NewLockInfo("plan"), 0)
			if tt.stale {
				// Taken over at once, and audited with who held it.
				require.NoError(t, err)
				h, held, herr := l.holder()
				require.NoError(t, herr)
				require.True(t, held)
				assert.Equal(t, "plan", h.Operation)
				entries, err := l.Audit().Entries()
				require.NoError(t, err)
				require.Len(t, entries, 1)
				assert.Equal(t, KindLockTakeover, entries[0].Kind)
				assert.Equal(t, "lock-1", entries[0].Details["lock_id"])
				assert.Equal(t, "alice@"+tt.host, entries[0].Details["holder"])
				require.NoError(t, u.Unlock())
				return
			}
			var le *LockedError
			require.ErrorAs(t, err, &le)
			assert.False(t, le.Stale)
			assert.Equal(t, info, le.Holder)
			msg := "state is locked by alice@" + tt.host + " (pid " + itoa(tt.pid) + ") doing apply since 2026-12-01T09:30:00Z; lock ID lock-1" +
				"; if that run is dead, `enclave state unlock lock-1 --dir " + filepath.Dir(dir) + "` forces it open (audited)"
			assert.Equal(t, msg, err.Error())
			_, err = os.Stat(filepath.Join(dir, "state.lock"))
			assert.NoError(t, err, "a live holder's lock stays")
		})
	}
}

// Many runs taking over one stale lock at once: exactly one holds it at a time.
func TestStaleLockTakeoverRace(t *testing.T) {
	t.Parallel()
	l, dir := newLocal(t)
	writeLock(t, dir, LockInfo{ID: "lock-1", User: "alice", Host: hostname(), PID: deadPID(t), Operation: "apply", Created: time.Now()})
	var held, maxHeld atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := NewLocal(dir).Lock(t.Context(), NewLockInfo("plan"), 5*time.Second)
			if !assert.NoError(t, err) {
				return
			}
			n := held.Add(1)
			for {
				m := maxHeld.Load()
				if n <= m || maxHeld.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			held.Add(-1)
			assert.NoError(t, u.Unlock())
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), maxHeld.Load(), "two runs held the lock at once")
	entries, err := l.Audit().Entries()
	require.NoError(t, err)
	require.Len(t, entries, 1, "the stale lock is taken over once")
}

func TestForceUnlock(t *testing.T) {
	t.Parallel()
	l, dir := newLocal(t)
	writeLock(t, dir, LockInfo{ID: "lock-1", User: "alice", Host: hostname(), PID: deadPID(t), Operation: "apply", Created: time.Now()})

	err := l.Unlock("lock-2")
	require.ErrorContains(t, err, "lock ID lock-2 does not match the holder")
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "lock-1", le.Holder.ID)

	require.NoError(t, l.Unlock("lock-1"))
	require.ErrorContains(t, l.Unlock("lock-1"), "state is not locked")
	entries, err := l.Audit().Entries()
	require.NoError(t, err)
	require.Len(t, entries, 1, "forcing a lock is audited")
	assert.Equal(t, KindUnlock, entries[0].Kind)
	assert.Equal(t, "lock-1", entries[0].Details["lock_id"])
	assert.Equal(t, "alice@"+hostname(), entries[0].Details["holder"])
	assert.Equal(t, true, entries[0].Details["stale"])

	u, err := l.Lock(t.Context(), NewLockInfo("apply"), 0)
	require.NoError(t, err, "the lock is free again")
	require.NoError(t, u.Unlock())
}

func TestUnlockerOnlyReleasesItsOwnLock(t *testing.T) {
	l, dir := newLocal(t)
	u, err := l.Lock(t.Context(), NewLockInfo("apply"), 0)
	require.NoError(t, err)
	// Someone forced it open and another run took it.
	require.NoError(t, os.Remove(filepath.Join(dir, "state.lock")))
	other, err := l.Lock(t.Context(), NewLockInfo("plan"), 0)
	require.NoError(t, err)
	err = u.Unlock()
	require.ErrorContains(t, err, "taken over")
	_, err = os.Stat(filepath.Join(dir, "state.lock"))
	require.NoError(t, err, "the other run's lock is untouched")
	require.NoError(t, other.Unlock())
	assert.True(t, strings.Contains(u.Unlock().Error(), "already released"))
}

func TestUnreadableLockFile(t *testing.T) {
	l, dir := newLocal(t)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.lock"), nil, 0o600))
	_, err := l.Lock(t.Context(), NewLockInfo("plan"), 0)
	var le *LockedError
	require.ErrorAs(t, err, &le, "an empty lock file still means locked")
	assert.Contains(t, err.Error(), "unreadable lock file")
	assert.False(t, le.Stale)
}

// testClock is a Clock the test advances; waiting receives each time a Lock starts waiting.
type testClock struct {
	mu      sync.Mutex
	start   time.Time
	now     time.Time
	timers  []testTimer
	waiting chan struct{}
}

type testTimer struct {
	at time.Time
	ch chan time.Time
}

func newTestClock() *testClock {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return &testClock{start: t0, now: t0, waiting: make(chan struct{}, 16)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, testTimer{at: c.now.Add(d), ch: ch})
	c.mu.Unlock()
	c.waiting <- struct{}{}
	return ch
}

// advance moves the clock on by d and fires the timers due.
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.now) {
			tm.ch <- c.now
			continue
		}
		kept = append(kept, tm)
	}
	c.timers = kept
}

func (c *testClock) elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now.Sub(c.start)
}
