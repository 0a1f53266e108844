package junos

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// pipeSession is a session over in-memory pipes with a scripted peer: serve gets each
// request and returns the raw bytes to write back (framing included), or nil to stay silent.
func pipeSession(t *testing.T, timeout time.Duration, serve func(n int, req string) []byte) *session {
	t.Helper()
	clientR, serverW := io.Pipe()
	serverR, clientW := io.Pipe()
	s := &session{fr: newFramer(clientR, clientW), timeout: timeout,
		incoming: make(chan inbound, 1), closed: make(chan struct{})}
	go s.readLoop()
	go func() {
		in := newFramer(serverR, io.Discard)
		for n := 1; ; n++ {
			req, err := in.readMessage()
			if err != nil {
				return
			}
			if out := serve(n, string(req)); out != nil {
				if _, err := serverW.Write(out); err != nil {
					return
				}
			}
		}
	}()
	t.Cleanup(func() {
		s.fail(errClosed)
		clientR.Close()
		serverR.Close()
	})
	return s
}

func okReply(id string) string { return `<rpc-reply message-id="` + id + `"><ok/></rpc-reply>]]>]]>` }

func TestSessionRPC(t *testing.T) {
	ctx := context.Background()
	t.Run("request shape and message-id", func(t *testing.T) {
		var got string
		s := pipeSession(t, time.Second, func(n int, req string) []byte { got = req; return []byte(okReply("1")) })
		r, err := s.rpc(ctx, "lock-configuration", "<lock-configuration/>")
		if err != nil || !r.ok() {
			t.Fatal(err)
		}
		want := `<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="1"><lock-configuration/></rpc>`
		if got != want {
			t.Errorf("request %q, want %q", got, want)
		}
	})
	t.Run("two replies in one write are both kept", func(t *testing.T) {
		s := pipeSession(t, time.Second, func(n int, req string) []byte {
			if n == 1 {
				return []byte(okReply("1") + okReply("2"))
			}
			return nil
		})
		for _, id := range []string{"1", "2"} {
			r, err := s.rpc(ctx, "x", "<x/>")
			if err != nil || r.MessageID != id {
				t.Fatalf("rpc %s: %v", id, err)
			}
		}
	})
	t.Run("wrong message-id ends the session", func(t *testing.T) {
		s := pipeSession(t, time.Second, func(n int, req string) []byte { return []byte(okReply("7")) })
		_, err := s.rpc(ctx, "commit-configuration", "<commit-configuration/>")
		var le *LinkError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), `message-id "7", want "1"`) {
			t.Fatalf("err = %v", err)
		}
		if _, err := s.rpc(ctx, "x", "<x/>"); !errors.As(err, &le) {
			t.Fatalf("session still used after a mismatch: %v", err)
		}
	})
	t.Run("silence is a timeout", func(t *testing.T) {
		s := pipeSession(t, 100*time.Millisecond, func(int, string) []byte { return nil })
		start := time.Now()
		_, err := s.rpc(ctx, "get-configuration", "<get-configuration/>")
		if err == nil || !strings.Contains(err.Error(), "no reply within 100ms (timeout_seconds)") {
			t.Fatalf("err = %v", err)
		}
		if time.Since(start) > time.Second {
			t.Error("took too long")
		}
	})
	t.Run("cancellation", func(t *testing.T) {
		s := pipeSession(t, time.Minute, func(int, string) []byte { return nil })
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		if _, err := s.rpc(cctx, "x", "<x/>"); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("malformed reply", func(t *testing.T) {
		s := pipeSession(t, time.Second, func(int, string) []byte { return []byte("<rpc-reply message-id='1'>]]>]]>") })
		if _, err := s.rpc(ctx, "x", "<x/>"); err == nil || !strings.Contains(err.Error(), "malformed reply") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("device rpc-error is not a link error", func(t *testing.T) {
		s := pipeSession(t, time.Second, func(int, string) []byte {
			return []byte(`<rpc-reply message-id="1"><rpc-error><error-message>boom</error-message></rpc-error></rpc-reply>]]>]]>`)
		})
		r, err := s.rpc(ctx, "x", "<x/>")
		if err != nil || r.Err() == nil || r.Err().Error() != "boom" {
			t.Fatalf("err = %v, reply err = %v", err, r.Err())
		}
	})
}

func TestParseHello(t *testing.T) {
	caps, id, err := parseHello([]byte(`<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities>` +
		`<capability>urn:ietf:params:netconf:base:1.0</capability><capability>urn:ietf:params:netconf:capability:candidate:1.0</capability>` +
		`</capabilities><session-id>4242</session-id></hello>`))
	if err != nil || len(caps) != 2 || id != "4242" {
		t.Fatalf("%v %v %v", caps, id, err)
	}
	// As Junos starts a session: comments, then the hello.
	_, id, err = parseHello([]byte("<!-- No zombies were killed during the creation of this user interface -->\n<!-- user enclave, class super-user -->\n" +
		`<?xml version="1.0" encoding="us-ascii"?><hello><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities><session-id>7</session-id></hello>`))
	if err != nil || id != "7" {
		t.Fatalf("Junos preamble: %v %v", id, err)
	}
	for _, bad := range []string{`<hello><capabilities/></hello>`, `<rpc-reply/>`, `<hello>`} {
		if _, _, err := parseHello([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
