package junossim

import (
	"strconv"
	"strings"
)

// RPC dispatch: each handler is named after the RPC it serves and runs with Server.mu held.

type handler func(sess *session, op *elem) result

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		// session
		"close-session": (*session).CloseSession,
		"kill-session":  (*session).KillSession,
		// locks and private candidates
		"lock":                 (*session).Lock,
		"unlock":               (*session).Unlock,
		"lock-configuration":   (*session).LockConfiguration,
		"unlock-configuration": (*session).UnlockConfiguration,
		"open-configuration":   (*session).OpenConfiguration,
		"close-configuration":  (*session).CloseConfiguration,
		// loading
		"load-configuration": (*session).LoadConfiguration,
		"edit-config":        (*session).EditConfig,
		"discard-changes":    (*session).DiscardChanges,
		// reading
		"get-configuration": (*session).GetConfiguration,
		"get-config":        (*session).GetConfig,
		"get":               (*session).Get,
		// committing
		"commit-configuration":   (*session).CommitConfiguration,
		"commit":                 (*session).Commit,
		"validate":               (*session).Validate,
		"get-commit-information": (*session).GetCommitInformation,
		// operational
		"get-system-information":       (*session).GetSystemInformation,
		"get-software-information":     (*session).GetSoftwareInformation,
		"get-chassis-inventory":        (*session).GetChassisInventory,
		"get-route-engine-information": (*session).GetRouteEngineInformation,
		"get-chassis-cluster-status":   (*session).GetChassisClusterStatus,
		"get-interface-information":    (*session).GetInterfaceInformation,
		"file-show":                    (*session).FileShow,
		"file-list":                    (*session).FileList,
		"command":                      (*session).Command,
	}
}

// rpcError is one <rpc-error>.
type rpcError struct {
	Type       string // protocol, application, rpc, transport
	Tag        string
	Severity   string // error (default) or warning
	Path       string // Junos: "[edit security zones security-zone trust]"
	BadElement string
	Message    string
}

func (e rpcError) node() *elem {
	n := &elem{Name: "rpc-error"}
	typ := e.Type
	if typ == "" {
		typ = "protocol"
	}
	tag := e.Tag
	if tag == "" {
		tag = "operation-failed"
	}
	sev := e.Severity
	if sev == "" {
		sev = "error"
	}
	n.Children = append(n.Children, leaf("error-type", typ), leaf("error-tag", tag), leaf("error-severity", sev))
	if e.Path != "" {
		n.Children = append(n.Children, leaf("error-path", e.Path))
	}
	if e.BadElement != "" {
		n.Children = append(n.Children, newNode("error-info", leaf("bad-element", e.BadElement)))
	}
	n.Children = append(n.Children, leaf("error-message", e.Message))
	return n
}

// syntaxErr is Junos's answer to an RPC it does not know.
func syntaxErr(element string) rpcError {
	return rpcError{Type: "protocol", Tag: "operation-failed", Message: "syntax error", BadElement: element}
}

func (sess *session) CloseSession(op *elem) result {
	r := ok()
	r.closeAfter = true
	return r
}

func (sess *session) KillSession(op *elem) result {
	id, err := strconv.Atoi(strings.TrimSpace(op.ChildText("session-id")))
	if err != nil {
		return fail(rpcError{Tag: "missing-element", BadElement: "session-id", Message: "session-id is required"})
	}
	if id == sess.id {
		return fail(rpcError{Tag: "invalid-value", BadElement: "session-id", Message: "cannot kill own session"})
	}
	other := sess.s.sessions[id]
	if other == nil {
		return fail(rpcError{Tag: "invalid-value", BadElement: "session-id", Message: "session " + strconv.Itoa(id) + " not found"})
	}
	if sess.s.db.lockOwner == other {
		sess.s.db.releaseLock(true)
	}
	other.sconn.Close()
	return ok()
}

// ---- locks ----

func (sess *session) takeLock() result {
	db := sess.s.db
	if db.lockOwner == sess {
		return ok()
	}
	if db.lockOwner != nil {
		return fail(rpcError{Tag: "lock-denied", Message: db.lockMessage(db.lockOwner)})
	}
	if db.modified() && db.dirtyBy != sess.id {
		return fail(rpcError{Tag: "lock-denied", Message: "configuration database modified"})
	}
	db.lockOwner = sess
	db.lockSince = sess.s.clock.Now()
	return ok()
}

func (sess *session) dropLock() result {
	db := sess.s.db
	if db.lockOwner != sess {
		if db.lockOwner != nil {
			return fail(rpcError{Message: db.lockMessage(db.lockOwner)})
		}
		return fail(rpcError{Message: "configuration database not locked"})
	}
	// Uncommitted changes made under an exclusive lock do not survive its release.
	db.releaseLock(true)
	return ok()
}

func isCandidateTarget(op *elem) bool {
	t := op.Child("target")
	return t != nil && t.Child("candidate") != nil
}

// Lock is RFC 6241 <lock><target><candidate/></target></lock>.
func (sess *session) Lock(op *elem) result {
	if !isCandidateTarget(op) {
		return fail(rpcError{Tag: "invalid-value", BadElement: "target", Message: "only the candidate configuration can be locked"})
	}
	return sess.takeLock()
}

// Unlock is RFC 6241 <unlock>.
func (sess *session) Unlock(op *elem) result {
	if !isCandidateTarget(op) {
		return fail(rpcError{Tag: "invalid-value", BadElement: "target", Message: "only the candidate configuration can be unlocked"})
	}
	return sess.dropLock()
}

// LockConfiguration is Junos's <lock-configuration/> (PyEZ's Config.lock).
func (sess *session) LockConfiguration(op *elem) result { return sess.takeLock() }

// UnlockConfiguration is Junos's <unlock-configuration/>.
func (sess *session) UnlockConfiguration(op *elem) result { return sess.dropLock() }

// OpenConfiguration with <private/> gives the session a private candidate.
func (sess *session) OpenConfiguration(op *elem) result {
	if op.Child("private") == nil {
		return fail(rpcError{Tag: "operation-not-supported", BadElement: op.firstChildName(),
			Message: "only private configuration databases are supported"})
	}
	db := sess.s.db
	if db.lockOwner != nil && db.lockOwner != sess {
		return fail(rpcError{Message: db.lockMessage(db.lockOwner)})
	}
	if sess.private == nil {
		if db.modified() {
			return fail(rpcError{Message: "shared configuration database modified"})
		}
		sess.private = db.committed.Clone()
	}
	return ok()
}

// firstChildName names the first child element, for error reports.
func (n *elem) firstChildName() string {
	if n == nil || len(n.Children) == 0 {
		return ""
	}
	return n.Children[0].Name
}

// CloseConfiguration drops a private candidate.
func (sess *session) CloseConfiguration(op *elem) result {
	sess.private = nil
	return ok()
}

// candidate returns the database the session edits and reads as "candidate", or an error
// when another session holds the exclusive lock on the shared one.
func (sess *session) candidate(write bool) (*elem, *rpcError) {
	if sess.private != nil {
		return sess.private, nil
	}
	db := sess.s.db
	if write && db.lockOwner != nil && db.lockOwner != sess {
		return nil, &rpcError{Tag: "lock-denied", Message: db.lockMessage(db.lockOwner)}
	}
	return db.candidate, nil
}

// setCandidate stores an edited copy of the candidate.
func (sess *session) setCandidate(cfg *elem) {
	if sess.private != nil {
		sess.private = cfg
		return
	}
	db := sess.s.db
	db.candidate = cfg
	db.dirtyBy = sess.id
	db.changed = sess.s.clock.Now()
}

// DiscardChanges returns the candidate to the committed configuration.
func (sess *session) DiscardChanges(op *elem) result {
	if _, err := sess.candidate(true); err != nil {
		return fail(*err)
	}
	sess.setCandidate(sess.s.db.committed.Clone())
	if sess.private == nil {
		sess.s.db.dirtyBy = 0
	}
	return ok()
}
