package junossim

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// A session is one NETCONF conversation on one SSH channel.
type session struct {
	s          *Server
	id         int
	user       string
	sconn      *ssh.ServerConn
	fr         *framer
	started    time.Time
	lastActive time.Time
	// private is the session's private candidate after <open-configuration><private/>.
	private *elem
}

const (
	capBase10 = "urn:ietf:params:netconf:base:1.0"
	capBase11 = "urn:ietf:params:netconf:base:1.1"
)

func (s *Server) capabilities() []string {
	caps := []string{capBase10}
	if s.opts.Base11 {
		caps = append(caps, capBase11)
	}
	return append(caps,
		"urn:ietf:params:netconf:capability:candidate:1.0",
		"urn:ietf:params:netconf:capability:confirmed-commit:1.0",
		"urn:ietf:params:netconf:capability:validate:1.0",
		"urn:ietf:params:netconf:capability:url:1.0?scheme=http,ftp,file",
		"urn:ietf:params:xml:ns:netconf:base:1.0",
		"urn:ietf:params:xml:ns:netconf:capability:candidate:1.0",
		"urn:ietf:params:xml:ns:netconf:capability:confirmed-commit:1.0",
		"urn:ietf:params:xml:ns:netconf:capability:validate:1.0",
		"urn:ietf:params:xml:ns:netconf:capability:url:1.0?scheme=http,ftp,file",
		"http://xml.juniper.net/netconf/junos/1.0",
		"http://xml.juniper.net/dmi/system/1.0",
	)
}

func (s *Server) runSession(sconn *ssh.ServerConn, ch ssh.Channel) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.nextID++
	now := s.clock.Now()
	sess := &session{s: s, id: s.nextID, user: sconn.User(), sconn: sconn, fr: newFramer(ch, ch),
		started: now, lastActive: now}
	s.sessions[sess.id] = sess
	s.mu.Unlock()
	s.logf("junossim: session %d opened by %s", sess.id, sess.user)
	defer s.endSession(sess)

	var hello strings.Builder
	hello.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	hello.WriteString(`<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">` + "\n  <capabilities>\n")
	for _, c := range s.capabilities() {
		hello.WriteString("    <capability>")
		xmlEscape(&hello, c)
		hello.WriteString("</capability>\n")
	}
	fmt.Fprintf(&hello, "  </capabilities>\n  <session-id>%d</session-id>\n</hello>", sess.id)
	if err := sess.fr.WriteMessage([]byte(hello.String())); err != nil {
		return
	}
	msg, err := sess.fr.ReadMessage()
	if err != nil {
		return
	}
	clientHello, err := parseXML(bytes.NewReader(msg))
	if err != nil || clientHello.Name != "hello" {
		s.logf("junossim: session %d: bad client hello", sess.id)
		return
	}
	for _, c := range clientHello.Child("capabilities").All("capability") {
		if c.Text == capBase11 && s.opts.Base11 && !sess.fr.chunked {
			sess.fr.chunked = true
			s.mu.Lock()
			s.chunked++
			s.mu.Unlock()
		}
	}
	for {
		msg, err := sess.fr.ReadMessage()
		if err != nil {
			if err != io.EOF {
				s.logf("junossim: session %d: %v", sess.id, err)
			}
			return
		}
		if !sess.handleMessage(msg) {
			return
		}
	}
}

// endSession releases what the session held: its lock (and with it the uncommitted
// changes made under the lock, as Junos discards them) and its private candidate.
func (s *Server) endSession(sess *session) {
	sess.sconn.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, sess.id)
	if s.db.lockOwner == sess {
		s.db.releaseLock(true)
	}
	if s.db.dirtyBy == sess.id {
		s.db.dirtyBy = 0
	}
	s.logf("junossim: session %d closed", sess.id)
}

func (db *database) releaseLock(discard bool) {
	db.lockOwner = nil
	if discard && db.modified() {
		db.candidate = db.committed.Clone()
		db.dirtyBy = 0
	}
}

// result is what an RPC handler produced.
type result struct {
	body       []*elem    // children of <rpc-reply>
	text       string     // character data of <rpc-reply> (a JSON answer)
	errs       []rpcError // top-level <rpc-error>s
	closeAfter bool       // end the session after replying
	drop       bool       // drop the connection without replying
}

func ok() result { return result{body: []*elem{{Name: "ok"}}} }

func fail(errs ...rpcError) result { return result{errs: errs} }

// handleMessage answers one message; false ends the session.
func (sess *session) handleMessage(msg []byte) bool {
	s := sess.s
	root, err := parseXML(bytes.NewReader(msg))
	if err != nil {
		return sess.reply(nil, result{errs: []rpcError{{Type: "rpc", Tag: "malformed-message",
			Message: "syntax error: " + err.Error()}}}) == nil
	}
	if root.Name == "hello" {
		return true
	}
	if root.Name != "rpc" {
		return sess.reply(root, fail(syntaxErr(root.Name))) == nil
	}
	var op *elem
	if len(root.Children) > 0 {
		op = root.Children[0]
	}
	name := ""
	if op != nil {
		name = op.Name
	}
	s.mu.Lock()
	s.counts[name]++
	s.mu.Unlock()
	s.logf("junossim: session %d rpc %s", sess.id, name)
	if s.faults.takeDrop() {
		s.logf("junossim: fault: dropping session %d at %s", sess.id, name)
		sess.sconn.Close()
		return false
	}
	if d := s.faults.delay(name); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return false
		}
	}
	if op == nil {
		return sess.reply(root, fail(rpcError{Type: "protocol", Tag: "operation-failed",
			Message: "syntax error, expecting <rpc> content"})) == nil
	}
	h := handlers[name]
	if h == nil {
		return sess.reply(root, fail(syntaxErr(name))) == nil
	}
	s.mu.Lock()
	s.db.expireIfDue()
	sess.lastActive = s.clock.Now()
	res := h(sess, op)
	s.mu.Unlock()
	if res.drop {
		sess.sconn.Close()
		return false
	}
	if err := sess.reply(root, res); err != nil {
		return false
	}
	return !res.closeAfter
}

// expireIfDue rolls back a confirmed commit whose deadline passed but whose timer has not
// run yet (a wall clock timer races with the next RPC).
func (db *database) expireIfDue() {
	if p := db.pending; p != nil && !db.s.clock.Now().Before(p.deadline) {
		db.rollBack(p)
	}
}

func (sess *session) reply(rpc *elem, res result) error {
	var b strings.Builder
	b.WriteString(`<rpc-reply xmlns="` + nsBase + `" xmlns:junos="http://xml.juniper.net/junos/` + releaseTrain(sess.s.opts.Release) + `/junos"`)
	if rpc != nil {
		for _, a := range rpc.Attrs {
			if a.Name.Space != "" {
				continue
			}
			b.WriteString(" " + a.Name.Local + `="`)
			xmlEscape(&b, a.Value)
			b.WriteString(`"`)
		}
	}
	b.WriteString(">\n")
	for _, e := range res.errs {
		writeXML(&b, e.node(), 0)
	}
	for _, n := range res.body {
		writeXML(&b, n, 0)
	}
	xmlEscapeText(&b, res.text)
	b.WriteString("</rpc-reply>")
	return sess.fr.WriteMessage([]byte(b.String()))
}

// releaseTrain is the release as Junos writes it in its namespace URL: 21.4R3-S5.4 → 21.4R0.
func releaseTrain(rel string) string {
	if i := strings.IndexByte(rel, 'R'); i > 0 {
		return rel[:i] + "R0"
	}
	return rel
}
