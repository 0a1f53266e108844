package junos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// This is our own small NETCONF session layer on golang.org/x/crypto/ssh rather than
// go-netconf v0.3's Session: that one never sets RPCReply.Ok (Juniper/go-netconf#55), keeps
// chunk headers inside multi-chunk base:1.1 replies (#103), drops bytes that follow a
// delimiter in the same read, does not match replies to requests by message-id and has no
// per-RPC deadline. A commit we cannot read the answer to reliably is a commit we cannot vouch
// for, so the framing, the reply matching and the deadline live here, in a few hundred lines
// under test.

const (
	nsNetconf   = "urn:ietf:params:xml:ns:netconf:base:1.0"
	capBase10   = "urn:ietf:params:netconf:base:1.0"
	capBase11   = "urn:ietf:params:netconf:base:1.1"
	clientHello = `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="` + nsNetconf + `"><capabilities>` +
		`<capability>` + capBase10 + `</capability><capability>` + capBase11 + `</capability>` +
		`</capabilities></hello>`
)

// LinkError means the connection to the device failed or was given up on (timeout,
// cancellation, a broken stream): whatever was in flight may or may not have happened.
type LinkError struct {
	Call string
	Err  error
}

// Error leaves the call out: the *providers.Error around it names it.
func (e *LinkError) Error() string {
	var te *TimeoutError
	if errors.As(e.Err, &te) {
		return te.Error()
	}
	return "connection lost: " + e.Err.Error()
}

// TimeoutError is a device that did not answer an RPC in time. The session is closed after
// it: a late reply would otherwise be taken for the next call's.
type TimeoutError struct {
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no reply within %s (timeout_seconds); the session was closed", e.After)
}

func (e *LinkError) Unwrap() error { return e.Err }

// dialSettings are what a session needs to connect.
type dialSettings struct {
	addr     string // host:port
	user     string
	auth     []ssh.AuthMethod
	authDesc []string // method names, for messages
	hostKey  ssh.HostKeyCallback
	algos    []string
	timeout  time.Duration
}

// session is one NETCONF session. rpc calls are serialised; a reader goroutine owns the
// stdout side so a deadline can abandon a read without leaving a goroutine blocked forever.
type session struct {
	client     *ssh.Client
	fr         *framer
	timeout    time.Duration
	chunked    bool
	serverCaps []string
	sessionID  string

	mu       sync.Mutex // one RPC at a time
	nextID   uint64
	incoming chan inbound

	once   sync.Once
	closed chan struct{}
	errMu  sync.Mutex
	err    error // why the session ended
}

type inbound struct {
	data []byte
}

// dial connects, authenticates, verifies the host key, opens the netconf subsystem and
// exchanges hellos, all within the settings' timeout.
func dial(ctx context.Context, ds dialSettings) (*session, error) {
	d := net.Dialer{Timeout: ds.timeout}
	conn, err := d.DialContext(ctx, "tcp", ds.addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", ds.addr, err)
	}
	// The deadline covers the SSH handshake and the hello exchange; it is lifted after.
	_ = conn.SetDeadline(time.Now().Add(ds.timeout))
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	cfg := &ssh.ClientConfig{
		User:              ds.user,
		Auth:              ds.auth,
		HostKeyCallback:   ds.hostKey,
		HostKeyAlgorithms: ds.algos,
		Timeout:           ds.timeout,
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, ds.addr, cfg)
	if err != nil {
		_ = conn.Close()
		var hke *HostKeyError
		switch {
		case errors.As(err, &hke):
			return nil, hke
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, fmt.Errorf("authentication as user %q to %s failed (tried %s): check username, private_key_file and password",
				ds.user, ds.addr, strings.Join(ds.authDesc, ", "))
		case ctx.Err() != nil:
			return nil, fmt.Errorf("SSH handshake with %s: %w", ds.addr, ctx.Err())
		}
		return nil, fmt.Errorf("SSH handshake with %s: %w", ds.addr, err)
	}
	client := ssh.NewClient(c, chans, reqs)
	s, err := open(client, ds.timeout)
	if err != nil {
		_ = client.Close()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("NETCONF session with %s: %w", ds.addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return s, nil
}

func open(client *ssh.Client, timeout time.Duration) (*session, error) {
	ch, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	stdin, err := ch.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := ch.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := ch.RequestSubsystem("netconf"); err != nil {
		return nil, fmt.Errorf("the device refused the netconf subsystem (is `set system services netconf ssh` configured?): %w", err)
	}
	s := &session{client: client, fr: newFramer(stdout, stdin), timeout: timeout,
		incoming: make(chan inbound, 1), closed: make(chan struct{})}
	// Hellos are always framed with ]]>]]>. Ours goes first so a server that waits for the
	// client cannot deadlock us.
	if err := s.fr.writeMessage([]byte(clientHello)); err != nil {
		return nil, fmt.Errorf("sending hello: %w", err)
	}
	msg, err := s.fr.readMessage()
	if err != nil {
		return nil, fmt.Errorf("reading the device's hello: %w", err)
	}
	caps, id, err := parseHello(msg)
	if err != nil {
		return nil, err
	}
	s.serverCaps, s.sessionID = caps, id
	for _, c := range caps {
		if c == capBase11 {
			s.chunked = true
		}
	}
	s.fr.chunked = s.chunked
	go s.readLoop()
	return s, nil
}

func parseHello(msg []byte) ([]string, string, error) {
	root, err := parseElement(msg)
	if err != nil {
		return nil, "", fmt.Errorf("malformed hello: %w", err)
	}
	if root.Name != "hello" {
		return nil, "", fmt.Errorf("malformed hello: got <%s>", root.Name)
	}
	caps := root.child("capabilities").texts("capability")
	base := false
	for _, c := range caps {
		if c == capBase10 || c == capBase11 {
			base = true
		}
	}
	if !base {
		return nil, "", errors.New("the device's hello offers neither base:1.0 nor base:1.1")
	}
	return caps, root.childText("session-id"), nil
}

// readLoop hands each message to the waiting rpc. A read error ends the session at once, so
// a connection the device closed between calls is noticed before the next call is written.
func (s *session) readLoop() {
	for {
		msg, err := s.fr.readMessage()
		if err != nil {
			s.fail(fmt.Errorf("reading from the device: %w", err))
			return
		}
		select {
		case s.incoming <- inbound{data: msg}:
		case <-s.closed:
			return
		}
	}
}

// fail ends the session for good, recording why.
func (s *session) fail(err error) {
	s.once.Do(func() {
		s.errMu.Lock()
		s.err = err
		s.errMu.Unlock()
		close(s.closed)
		if s.client != nil {
			_ = s.client.Close()
		}
	})
}

// dead returns why the session ended, or nil while it is usable.
func (s *session) dead() error {
	select {
	case <-s.closed:
		s.errMu.Lock()
		defer s.errMu.Unlock()
		return s.err
	default:
		return nil
	}
}

var errClosed = errors.New("session closed")

// rpc sends one <rpc> with body and waits for its reply. call names the RPC for errors. A
// device-side rpc-error is not an error here (callers interpret the reply); a broken stream,
// a deadline or a reply for another message-id is a *LinkError and ends the session.
func (s *session) rpc(ctx context.Context, call, body string) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.dead(); err != nil {
		return nil, &LinkError{Call: call, Err: err}
	}
	s.nextID++
	id := strconv.FormatUint(s.nextID, 10)
	msg := `<rpc xmlns="` + nsNetconf + `" message-id="` + id + `">` + body + `</rpc>`

	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	giveUp := func(err error) (*reply, error) {
		s.fail(err)
		return nil, &LinkError{Call: call, Err: err}
	}
	timeoutErr := &TimeoutError{After: s.timeout}

	written := make(chan error, 1)
	go func() { written <- s.fr.writeMessage([]byte(msg)) }()
	select {
	case err := <-written:
		if err != nil {
			return giveUp(err)
		}
	case <-timer.C:
		return giveUp(timeoutErr)
	case <-ctx.Done():
		return giveUp(ctx.Err())
	case <-s.closed:
		return nil, &LinkError{Call: call, Err: s.dead()}
	}
	var in inbound
	select {
	case in = <-s.incoming:
	case <-timer.C:
		return giveUp(timeoutErr)
	case <-ctx.Done():
		return giveUp(ctx.Err())
	case <-s.closed:
		// A reply that arrived just before the connection closed still counts.
		select {
		case in = <-s.incoming:
		default:
			return nil, &LinkError{Call: call, Err: s.dead()}
		}
	}
	r, err := parseReply(in.data)
	if err != nil {
		return giveUp(err)
	}
	if r.MessageID != id {
		return giveUp(fmt.Errorf("reply carries message-id %q, want %q", r.MessageID, id))
	}
	return r, nil
}

// close ends the session politely (close-session), then drops the connection.
func (s *session) close() error {
	if s.dead() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), min(s.timeout, 5*time.Second))
		_, _ = s.rpc(ctx, "close-session", "<close-session/>")
		cancel()
	}
	s.fail(errClosed)
	return nil
}
