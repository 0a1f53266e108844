package junossim

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

const handshakeTimeout = 30 * time.Second

// Options configures a Server. The zero value (plus at least one user) is a usable SRX.
type Options struct {
	// Personality is "srx" (the default: security zones, policies, chassis cluster; it
	// answers as a two-node SRX345 chassis cluster) or "ex" (a standalone EX4300-48T: vlans
	// and ethernet-switching; the security hierarchy is refused).
	Personality string
	// Hostname is system host-name in the initial configuration (default "junossim").
	Hostname string
	// Users maps a login name to the public keys it may authenticate with.
	Users map[string][]ssh.PublicKey
	// HostKey is the server's SSH host key; an ed25519 key is generated when nil.
	HostKey ssh.Signer
	// Base11 offers urn:ietf:params:netconf:base:1.1 in the hello; a client that offers
	// it too then talks RFC 6242 chunked framing. Off by default, as on many Junos releases.
	Base11 bool
	// Clock is the time source (default the wall clock); pass a *ManualClock in tests.
	Clock Clock
	// Release is the Junos version reported (default "21.4R3-S5.4").
	Release string
	// Logf, when set, receives one line per session event and RPC.
	Logf func(format string, args ...any)
}

// Server is one simulated Junos device reachable over NETCONF/SSH.
type Server struct {
	opts    Options
	clock   Clock
	hw      *hardware
	started time.Time // when the device booted, for show chassis routing-engine
	faults  *Faults
	sshConf *ssh.ServerConfig
	hostKey ssh.Signer

	mu        sync.Mutex // guards everything below and the configuration database
	db        *database
	sessions  map[int]*session
	nextID    int
	counts    map[string]int
	listeners []net.Listener
	conns     map[net.Conn]struct{}
	closed    bool
	done      chan struct{}
	chunked   int // sessions that negotiated base:1.1 framing (for tests)
	wg        sync.WaitGroup
}

// New builds a server with the initial configuration committed once (rollback 0).
func New(opts Options) (*Server, error) {
	switch opts.Personality {
	case "":
		opts.Personality = "srx"
	case "srx", "ex":
	default:
		return nil, fmt.Errorf("junossim: unknown personality %q (want srx or ex)", opts.Personality)
	}
	if opts.Hostname == "" {
		opts.Hostname = "junossim"
	}
	if opts.Release == "" {
		opts.Release = "21.4R3-S5.4"
	}
	s := &Server{
		opts:     opts,
		clock:    opts.Clock,
		faults:   newFaults(),
		sessions: map[int]*session{},
		nextID:   4200,
		counts:   map[string]int{},
		conns:    map[net.Conn]struct{}{},
		done:     make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = wallClock{}
	}
	s.hw = newHardware(opts.Personality)
	s.started = s.clock.Now()
	s.hostKey = opts.HostKey
	if s.hostKey == nil {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		if s.hostKey, err = ssh.NewSignerFromKey(priv); err != nil {
			return nil, err
		}
	}
	s.sshConf = &ssh.ServerConfig{
		PublicKeyCallback: s.checkKey,
		ServerVersion:     "SSH-2.0-OpenSSH_8.6 junossim",
	}
	s.sshConf.AddHostKey(s.hostKey)
	s.db = newDatabase(s)
	return s, nil
}

func (s *Server) checkKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	want := key.Marshal()
	for _, k := range s.opts.Users[meta.User()] {
		if string(k.Marshal()) == string(want) {
			return &ssh.Permissions{}, nil
		}
	}
	return nil, fmt.Errorf("junossim: key not authorized for %q", meta.User())
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// HostKey is the server's SSH host public key (for known_hosts).
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey.PublicKey() }

// Personality is "srx" or "ex".
func (s *Server) Personality() string { return s.opts.Personality }

// Faults returns the fault injection knobs.
func (s *Server) Faults() *Faults { return s.faults }

// Clock returns the server's clock (the *ManualClock given in Options, if any).
func (s *Server) Clock() Clock { return s.clock }

// Listen listens on addr (e.g. "127.0.0.1:0") and serves in the background until Close.
func (s *Server) Listen(addr string) (net.Addr, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil, errors.New("junossim: server closed")
	}
	s.listeners = append(s.listeners, l) // registered before serving, so Close always sees it
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		_ = s.serve(l)
	}()
	return l.Addr(), nil
}

// Serve accepts connections on l until Close (then it returns nil) or an accept error.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return errors.New("junossim: server closed")
	}
	s.listeners = append(s.listeners, l)
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	return s.serve(l)
}

func (s *Server) serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			select {
			case <-s.done:
				return nil
			default:
				return err
			}
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.handleConn(c)
	}
}

// Close stops listening, drops every connection, cancels the confirmed-commit timer and
// waits for all of the server's goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	ls := s.listeners
	var cs []net.Conn
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.db.stopTimer()
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	for _, c := range cs {
		c.Close()
	}
	s.wg.Wait()
	return nil
}

func (s *Server) handleConn(nc net.Conn) {
	defer s.wg.Done()
	defer func() {
		nc.Close()
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
	}()
	// A client that connects and never finishes the handshake is cut off.
	_ = nc.SetDeadline(time.Now().Add(handshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(nc, s.sshConf)
	_ = nc.SetDeadline(time.Time{})
	if err != nil {
		s.logf("junossim: ssh handshake from %s: %v", nc.RemoteAddr(), err)
		return
	}
	defer sconn.Close()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		s.wg.Add(1)
		go s.handleChannel(sconn, ch, creqs)
	}
}

// handleChannel waits for the netconf subsystem request and runs a session on the channel.
func (s *Server) handleChannel(sconn *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer s.wg.Done()
	defer ch.Close()
	for req := range reqs {
		if req.Type == "subsystem" && subsystemName(req.Payload) == "netconf" {
			_ = req.Reply(true, nil)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				for r := range reqs {
					if r.WantReply {
						_ = r.Reply(false, nil)
					}
				}
			}()
			s.runSession(sconn, ch)
			return
		}
		if req.WantReply {
			_ = req.Reply(req.Type == "env", nil)
		}
	}
}

func subsystemName(payload []byte) string {
	var p struct{ Name string }
	if err := ssh.Unmarshal(payload, &p); err != nil {
		return ""
	}
	return p.Name
}
