package junossim

import (
	"fmt"
	"strings"
	"time"
)

// The configuration databases: the committed configuration, the shared candidate, the
// rollback files and the commit history, with the exclusive lock and the pending
// confirmed commit. All of it is guarded by Server.mu.

const maxRollbacks = 50

// CommitInfo is one entry of the commit history (newest first in CommitHistory).
type CommitInfo struct {
	User    string
	Client  string // "netconf" for NETCONF sessions, "cli" for LoadSet, "other" for automatic rollbacks
	Time    time.Time
	Log     string // the <log> given with the commit
	Comment string // what Junos adds itself, e.g. "commit confirmed, rollback in 10mins"
}

type database struct {
	s         *Server
	committed *elem
	candidate *elem
	rollbacks []*elem      // [0] is the committed configuration
	history   []CommitInfo // newest first, parallel to rollbacks
	commits   int          // commits since New (including the initial one)

	lockOwner *session
	lockSince time.Time
	// dirtyBy is the session that last changed the shared candidate (0: none alive or
	// unknown). Only meaningful while the candidate differs from the committed config.
	dirtyBy int
	changed time.Time

	pending *confirmState
}

type confirmState struct {
	rollbackTo *elem
	deadline   time.Time
	timer      Timer
	user       string
}

func newDatabase(s *Server) *database {
	cfg := &elem{Name: "configuration"}
	base := fmt.Sprintf("set system host-name %s\nset system services ssh\nset system services netconf ssh\n", quote(s.opts.Hostname))
	if err := loadSetLines(cfg, base); err != nil {
		panic(err)
	}
	now := s.clock.Now()
	return &database{
		s:         s,
		committed: cfg,
		candidate: cfg.Clone(),
		rollbacks: []*elem{cfg.Clone()},
		history:   []CommitInfo{{User: "root", Client: "other", Time: now}},
		commits:   1,
		changed:   now,
	}
}

func (db *database) modified() bool { return !equal(db.candidate, db.committed) }

func (db *database) stopTimer() {
	if db.pending != nil && db.pending.timer != nil {
		db.pending.timer.Stop()
	}
}

// apply makes cfg the committed configuration and records the commit.
func (db *database) apply(cfg *elem, info CommitInfo) {
	db.committed = cfg.Clone()
	db.candidate = cfg.Clone()
	db.dirtyBy = 0
	db.rollbacks = append([]*elem{cfg.Clone()}, db.rollbacks...)
	db.history = append([]CommitInfo{info}, db.history...)
	if len(db.rollbacks) > maxRollbacks {
		db.rollbacks = db.rollbacks[:maxRollbacks]
		db.history = db.history[:maxRollbacks]
	}
	db.commits++
	db.changed = info.Time
}

// armConfirm starts (or restarts) the confirmed-commit timer. rollbackTo is the
// configuration to return to when no confirming commit arrives.
func (db *database) armConfirm(rollbackTo *elem, d time.Duration, user string) {
	db.stopTimer()
	if db.pending != nil {
		rollbackTo = db.pending.rollbackTo // a re-confirmed commit still returns to the original
	}
	cs := &confirmState{rollbackTo: rollbackTo, deadline: db.s.clock.Now().Add(d), user: user}
	db.pending = cs
	cs.timer = db.s.clock.AfterFunc(d, func() { db.s.expireConfirm(cs) })
}

// confirm ends a pending confirmed commit (a later commit confirms it).
func (db *database) confirm() {
	db.stopTimer()
	db.pending = nil
}

func (s *Server) expireConfirm(cs *confirmState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.pending != cs || s.closed {
		return
	}
	s.db.rollBack(cs)
	s.logf("junossim: confirmed commit not confirmed in time; rolled back")
}

// rollBack returns to the configuration before an unconfirmed confirmed commit. The
// shared candidate follows unless it holds changes of its own.
func (db *database) rollBack(cs *confirmState) {
	db.stopTimer()
	db.pending = nil
	candidateWasCommitted := !db.modified()
	prev := db.candidate
	db.apply(cs.rollbackTo, CommitInfo{User: cs.user, Client: "other", Time: db.s.clock.Now(),
		Comment: "automatic rollback: confirmed commit not confirmed"})
	if !candidateWasCommitted {
		db.candidate = prev
	}
}

func (db *database) lockMessage(owner *session) string {
	now := db.s.clock.Now()
	idle := now.Sub(owner.lastActive).Round(time.Second)
	if idle < 0 {
		idle = 0
	}
	h := int(idle.Hours())
	m := int(idle.Minutes()) % 60
	sec := int(idle.Seconds()) % 60
	return fmt.Sprintf("configuration database locked by: %s terminal (pid %d) on since %s, idle %02d:%02d:%02d exclusive",
		owner.user, owner.id, junosTime(db.lockSince), h, m, sec)
}

func junosTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }

// ---- inspection for tests ----

// CommittedXML returns the committed configuration as a <configuration> element.
func (s *Server) CommittedXML() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.committed.String()
}

// CommittedSet returns the committed configuration as set lines.
func (s *Server) CommittedSet() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	renderSet(&b, s.db.committed, schemaRoot, nil)
	return b.String()
}

// CommittedText returns the committed configuration in curly-brace text.
func (s *Server) CommittedText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	renderText(&b, s.db.committed, schemaRoot, 0)
	return b.String()
}

// CandidateSet returns the shared candidate configuration as set lines.
func (s *Server) CandidateSet() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	renderSet(&b, s.db.candidate, schemaRoot, nil)
	return b.String()
}

// Locked reports whether some session holds the exclusive configuration lock.
func (s *Server) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.lockOwner != nil
}

// CandidateModified reports whether the shared candidate differs from the committed
// configuration (uncommitted changes are left behind).
func (s *Server) CandidateModified() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.modified()
}

// CommitCount is the number of commits (including automatic rollbacks and the initial
// configuration) since New.
func (s *Server) CommitCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.commits
}

// CommitHistory returns the commit history, newest first (at most 50 entries).
func (s *Server) CommitHistory() []CommitInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CommitInfo(nil), s.db.history...)
}

// ConfirmPending reports whether a confirmed commit is waiting for its confirmation, and
// its deadline.
func (s *Server) ConfirmPending() (bool, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.pending == nil {
		return false, time.Time{}
	}
	return true, s.db.pending.deadline
}

// Sessions is the number of open NETCONF sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// LoadSet applies set/delete lines to the committed configuration and commits the result
// (user root, client cli), after the same checks a commit runs. It is how tests and the
// lab seed a base configuration. It fails while a session holds the lock or the shared
// candidate has uncommitted changes.
func (s *Server) LoadSet(lines string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.db
	if db.lockOwner != nil {
		return fmt.Errorf("junossim: %s", db.lockMessage(db.lockOwner))
	}
	if db.modified() {
		return fmt.Errorf("junossim: configuration database modified")
	}
	cfg := db.committed.Clone()
	if err := loadSetLines(cfg, lines); err != nil {
		return fmt.Errorf("junossim: %v", err)
	}
	if errs := s.personalityErrors(cfg); len(errs) > 0 {
		return fmt.Errorf("junossim: %s", errs[0].Message)
	}
	if errs := checkConfig(s.opts.Personality, cfg); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Path + " " + e.Message
		}
		return fmt.Errorf("junossim: %s", strings.Join(msgs, "; "))
	}
	db.apply(cfg, CommitInfo{User: "root", Client: "cli", Time: s.clock.Now()})
	return nil
}

// RPCCount is how many RPCs named rpc (e.g. "get-configuration") all sessions have sent.
func (s *Server) RPCCount(rpc string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[rpc]
}

// RPCCounts returns a copy of all RPC counts by name.
func (s *Server) RPCCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// ResetCounts zeroes the RPC counts.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
}
