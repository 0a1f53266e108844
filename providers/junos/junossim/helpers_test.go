package junossim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

var testStart = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

type testSim struct {
	*Server
	addr   string
	clock  *ManualClock
	signer ssh.Signer
	priv   ed25519.PrivateKey
}

// startSim runs a simulator with one user "enclave" and a manual clock.
func startSim(t testing.TB, opts Options) *testSim {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	clock := NewManualClock(testStart)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	if opts.Users == nil {
		opts.Users = map[string][]ssh.PublicKey{"enclave": {signer.PublicKey()}}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testSim{Server: s, addr: addr.String(), clock: clock, signer: signer, priv: priv}
}

func (ts *testSim) clientConfig(user string) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(ts.signer)},
		HostKeyCallback: ssh.FixedHostKey(ts.HostKey()),
		Timeout:         5 * time.Second,
	}
}

// rawClient is a minimal NETCONF client for tests: it sends any XML and returns the reply.
type rawClient struct {
	t       testing.TB
	client  *ssh.Client
	sess    *ssh.Session
	fr      *framer
	hello   *elem
	nextID  int
	lastRaw string
}

func (ts *testSim) dial(t testing.TB, base11 bool) *rawClient {
	t.Helper()
	client, err := ssh.Dial("tcp", ts.addr, ts.clientConfig("enclave"))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := sess.StdinPipe()
	r, _ := sess.StdoutPipe()
	if err := sess.RequestSubsystem("netconf"); err != nil {
		t.Fatal(err)
	}
	c := &rawClient{t: t, client: client, sess: sess, fr: newFramer(r, w)}
	msg, err := c.fr.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if c.hello, err = parseXML(bytes.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	caps := "<capability>" + capBase10 + "</capability>"
	if base11 {
		caps += "<capability>" + capBase11 + "</capability>"
	}
	if err := c.fr.WriteMessage([]byte(`<hello xmlns="` + nsBase + `"><capabilities>` + caps + `</capabilities></hello>`)); err != nil {
		t.Fatal(err)
	}
	if base11 {
		for _, cp := range c.hello.Child("capabilities").All("capability") {
			if cp.Text == capBase11 {
				c.fr.chunked = true
			}
		}
	}
	t.Cleanup(func() { client.Close() })
	return c
}

func (c *rawClient) sessionID() string { return c.hello.ChildText("session-id") }

// call sends body inside <rpc> and returns the <rpc-reply>.
func (c *rawClient) call(body string) (*elem, error) {
	c.nextID++
	msg := fmt.Sprintf(`<rpc xmlns="%s" message-id="%d">%s</rpc>`, nsBase, c.nextID, body)
	if err := c.fr.WriteMessage([]byte(msg)); err != nil {
		return nil, err
	}
	reply, err := c.fr.ReadMessage()
	if err != nil {
		return nil, err
	}
	c.lastRaw = string(reply)
	n, err := parseXML(bytes.NewReader(reply))
	if err != nil {
		return nil, fmt.Errorf("%v in %s", err, reply)
	}
	if got := n.Attr("message-id"); got != fmt.Sprint(c.nextID) {
		return nil, fmt.Errorf("message-id %q, want %d", got, c.nextID)
	}
	return n, nil
}

func (c *rawClient) mustCall(body string) *elem {
	c.t.Helper()
	n, err := c.call(body)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// mustOK calls and fails the test on any rpc-error in the reply.
func (c *rawClient) mustOK(body string) *elem {
	c.t.Helper()
	n := c.mustCall(body)
	if msgs := errorMessages(n); len(msgs) > 0 {
		c.t.Fatalf("%s: errors %q\n%s", body, msgs, c.lastRaw)
	}
	return n
}

func (c *rawClient) close() { c.client.Close() }

// errorMessages lists every error-message anywhere in the tree.
func errorMessages(n *elem) []string {
	var out []string
	var walk func(*elem)
	walk = func(n *elem) {
		if n.Name == "rpc-error" {
			out = append(out, n.ChildText("error-message"))
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func findAll(n *elem, name string) []*elem {
	var out []*elem
	var walk func(*elem)
	walk = func(n *elem) {
		if n.Name == name {
			out = append(out, n)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func loadSetRPC(lines ...string) string {
	var b strings.Builder
	xmlEscape(&b, strings.Join(lines, "\n"))
	return `<load-configuration action="set" format="text"><configuration-set>` + b.String() + `</configuration-set></load-configuration>`
}
