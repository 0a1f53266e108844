package junossim

import (
	"sync"
	"time"
)

// Faults is the simulator's fault injection, in the spirit of govmomi's
// simulator/fault_injection.go: tests arm a fault, drive a client, and see the error path.
// Faults apply to all sessions. Every one-shot fault disarms itself when it fires.
type Faults struct {
	mu             sync.Mutex
	delays         map[string]time.Duration
	dropAfter      int // RPCs still to answer before dropping; -1 when disarmed
	dropAtCommit   bool
	dropAfterApply bool
	failCommit     string
	failCommitSet  bool
}

func newFaults() *Faults { return &Faults{delays: map[string]time.Duration{}, dropAfter: -1} }

// SetDelay makes every RPC called rpc (its element name, e.g. "commit-configuration") wait d
// before it is handled. rpc "*" delays every RPC. d <= 0 removes the delay.
func (f *Faults) SetDelay(rpc string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d <= 0 {
		delete(f.delays, rpc)
		return
	}
	f.delays[rpc] = d
}

// DropAfterRPCs lets the next n RPCs (over all sessions) be answered, then closes the SSH
// connection of the session that sends the one after, without answering it.
func (f *Faults) DropAfterRPCs(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n < 0 {
		n = -1
	}
	f.dropAfter = n
}

// DropAtCommit closes the connection of the session that sends the next commit (a
// commit-configuration or commit that is not a check) without answering it. With
// afterApply false the commit is not applied; with afterApply true it is applied first, so
// a confirmed commit is left waiting for a confirmation its client will never send and the
// device rolls itself back when the timeout passes.
func (f *Faults) DropAtCommit(afterApply bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropAtCommit = true
	f.dropAfterApply = afterApply
}

// FailNextCommit makes the next commit (not a check) fail with message, as a commit
// script or daemon failure would, leaving the committed configuration unchanged.
func (f *Faults) FailNextCommit(message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failCommit = message
	f.failCommitSet = true
}

// Reset disarms every fault and removes every delay.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delays = map[string]time.Duration{}
	f.dropAfter = -1
	f.dropAtCommit = false
	f.failCommitSet = false
}

func (f *Faults) delay(rpc string) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.delays[rpc]; ok {
		return d
	}
	return f.delays["*"]
}

// takeDrop reports whether this RPC should be dropped (the DropAfterRPCs fault).
func (f *Faults) takeDrop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.dropAfter < 0:
		return false
	case f.dropAfter == 0:
		f.dropAfter = -1
		return true
	default:
		f.dropAfter--
		return false
	}
}

// takeCommitDrop returns whether the commit drops and whether it applies first.
func (f *Faults) takeCommitDrop() (drop, afterApply bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.dropAtCommit {
		return false, false
	}
	f.dropAtCommit = false
	return true, f.dropAfterApply
}

func (f *Faults) takeCommitFailure() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.failCommitSet {
		return "", false
	}
	f.failCommitSet = false
	return f.failCommit, true
}
