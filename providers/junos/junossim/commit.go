package junossim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

type commitRequest struct {
	check     bool
	confirmed bool
	timeout   time.Duration
	log       string
}

// CommitConfiguration is Junos's <commit-configuration>: <check/>, <confirmed/> with
// <confirm-timeout> in minutes (default 10), <log>. A commit while a confirmed commit is
// pending confirms it. Answers live in <commit-results>.
func (sess *session) CommitConfiguration(op *elem) result {
	req := commitRequest{
		check:     op.Child("check") != nil,
		confirmed: op.Child("confirmed") != nil,
		timeout:   10 * time.Minute,
		log:       op.ChildText("log"),
	}
	if op.Child("at-time") != nil {
		return commitResults(nil, []rpcError{{Tag: "operation-not-supported", BadElement: "at-time", Message: "commit at is not supported by junossim"}})
	}
	if t := strings.TrimSpace(op.ChildText("confirm-timeout")); t != "" {
		m, err := strconv.Atoi(t)
		if err != nil || m < 1 || m > 65535 {
			return commitResults(nil, []rpcError{{Tag: "invalid-value", BadElement: t, Message: "confirm-timeout must be 1..65535 minutes"}})
		}
		req.timeout = time.Duration(m) * time.Minute
	}
	errs, drop := sess.commit(req)
	if drop {
		return result{drop: true}
	}
	success := "commit-success"
	if req.check {
		success = "commit-check-success"
	}
	return commitResults(&elem{Name: success}, errs)
}

func commitResults(success *elem, errs []rpcError) result {
	n := &elem{Name: "commit-results"}
	if len(errs) > 0 {
		for _, e := range errs {
			n.Children = append(n.Children, e.node())
		}
		return result{body: []*elem{n}}
	}
	re := newNode("routing-engine", leaf("name", "re0"), success)
	re.Attrs = append(re.Attrs, junosAttr("style", "normal"))
	n.Children = append(n.Children, re)
	return result{body: []*elem{n}}
}

// Commit is RFC 6241 <commit>: <confirmed/> with <confirm-timeout> in seconds (default
// 600). Answers <ok/> or the errors.
func (sess *session) Commit(op *elem) result {
	req := commitRequest{confirmed: op.Child("confirmed") != nil, timeout: 600 * time.Second}
	if op.Child("persist") != nil || op.Child("persist-id") != nil {
		return fail(rpcError{Tag: "operation-not-supported", BadElement: "persist", Message: "persistent confirmed commits are not supported"})
	}
	if t := strings.TrimSpace(op.ChildText("confirm-timeout")); t != "" {
		sec, err := strconv.Atoi(t)
		if err != nil || sec < 1 {
			return fail(rpcError{Tag: "invalid-value", BadElement: "confirm-timeout", Message: "invalid confirm-timeout " + t})
		}
		req.timeout = time.Duration(sec) * time.Second
	}
	errs, drop := sess.commit(req)
	switch {
	case drop:
		return result{drop: true}
	case len(errs) > 0:
		return fail(errs...)
	}
	return ok()
}

// Validate is RFC 6241 <validate> of the candidate: the commit check.
func (sess *session) Validate(op *elem) result {
	if op.Child("source").Child("candidate") == nil {
		return fail(rpcError{Tag: "operation-not-supported", BadElement: "source", Message: "only the candidate configuration can be validated"})
	}
	if errs, _ := sess.commit(commitRequest{check: true}); len(errs) > 0 {
		return fail(errs...)
	}
	return ok()
}

// commit checks and (unless req.check) commits the session's candidate. drop means the
// connection must be closed without an answer (the DropAtCommit fault).
func (sess *session) commit(req commitRequest) (errs []rpcError, drop bool) {
	s := sess.s
	db := s.db
	if db.lockOwner != nil && db.lockOwner != sess {
		return []rpcError{{Tag: "lock-denied", Message: db.lockMessage(db.lockOwner)}}, false
	}
	cfg, _ := sess.candidate(false)
	if sess.private != nil && db.modified() {
		return []rpcError{{Message: "shared configuration database modified"}}, false
	}
	errs = append(s.personalityErrors(cfg), checkConfig(s.opts.Personality, cfg)...)
	if len(errs) > 0 {
		return append(errs, rpcError{Message: "configuration check-out failed"}), false
	}
	if req.check {
		return nil, false
	}
	if msg, ok := s.faults.takeCommitFailure(); ok {
		return []rpcError{{Message: msg}}, false
	}
	drop, afterApply := s.faults.takeCommitDrop()
	if drop && !afterApply {
		s.logf("junossim: fault: dropping session %d before the commit", sess.id)
		return nil, true
	}
	info := CommitInfo{User: sess.user, Client: "netconf", Time: s.clock.Now(), Log: req.log}
	if req.confirmed {
		info.Comment = fmt.Sprintf("commit confirmed, rollback in %dmins", int((req.timeout+time.Minute-1)/time.Minute))
	}
	prev := db.committed
	db.apply(cfg, info)
	if sess.private != nil {
		sess.private = cfg.Clone()
	}
	if req.confirmed {
		db.armConfirm(prev, req.timeout, sess.user)
	} else if db.pending != nil {
		db.confirm()
	}
	if drop {
		s.logf("junossim: fault: dropping session %d after the commit", sess.id)
		return nil, true
	}
	return nil, false
}

// GetCommitInformation is Junos's <get-commit-information>: the commit history, newest
// first.
func (sess *session) GetCommitInformation(op *elem) result {
	out := &elem{Name: "commit-information"}
	for i, h := range sess.s.db.history {
		e := newNode("commit-history",
			leaf("sequence-number", strconv.Itoa(i)),
			leaf("user", h.User),
			leaf("client", h.Client))
		dt := leaf("date-time", junosTime(h.Time))
		dt.Attrs = append(dt.Attrs, junosAttr("seconds", strconv.FormatInt(h.Time.Unix(), 10)))
		e.Children = append(e.Children, dt)
		if h.Comment != "" {
			e.Children = append(e.Children, leaf("comment", h.Comment))
		}
		if h.Log != "" {
			e.Children = append(e.Children, leaf("log", h.Log))
		}
		out.Children = append(out.Children, e)
	}
	return result{body: []*elem{out}}
}
