package junossim

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

func FuzzFraming(f *testing.F) {
	f.Add([]byte("<rpc><get/></rpc>]]>]]>"), false)
	f.Add([]byte("\n#4\n<rpc\n#13\n><get/></rpc>\n##\n"), true)
	f.Add([]byte("\n#0\n\n##\n"), true)
	f.Add([]byte("\n#99999999999\nx"), true)
	f.Add([]byte("]]>]]]>]]>"), false)
	f.Fuzz(func(t *testing.T, data []byte, chunked bool) {
		r := bufio.NewReader(bytes.NewReader(data))
		for i := 0; i < 100; i++ {
			var msg []byte
			var err error
			if chunked {
				msg, err = readChunked(r)
			} else {
				msg, err = readEOM(r)
			}
			if err != nil {
				return
			}
			if len(msg) > len(data) {
				t.Fatalf("message longer than input")
			}
		}
	})
}

// FuzzRPC feeds whole messages to a session's RPC handling: nothing may panic or hang,
// whatever the XML, the RPC or the configuration text inside it.
func FuzzRPC(f *testing.F) {
	seeds := []string{
		`<rpc message-id="1"><get-configuration/></rpc>`,
		`<rpc><load-configuration action="set" format="text"><configuration-set>set security policies from-zone a to-zone b policy p match source-address any
delete interfaces ge-0/0/0</configuration-set></load-configuration></rpc>`,
		`<rpc><load-configuration format="text"><configuration-text>system { host-name "x"; } security { zones { replace: security-zone a { interfaces { ge-0/0/1.0; } } } }</configuration-text></load-configuration></rpc>`,
		`<rpc><load-configuration><configuration><security><policies><policy><from-zone-name>a</from-zone-name><to-zone-name>b</to-zone-name><policy insert="after" name="x"><name>p</name></policy></policy></policies></security></configuration></load-configuration></rpc>`,
		`<rpc><edit-config><target><candidate/></target><default-operation>none</default-operation><config><configuration><system operation="delete"/></configuration></config></edit-config></rpc>`,
		`<rpc><commit-configuration><confirmed/><confirm-timeout>1</confirm-timeout></commit-configuration></rpc>`,
		`<rpc><get-configuration compare="rollback" rollback="0" format="text"/></rpc>`,
		`<rpc><get-config><source><running/></source><filter><configuration><system><host-name/></system></configuration></filter></get-config></rpc>`,
		`<rpc><kill-session><session-id>1</session-id></kill-session></rpc>`,
		`<hello/>`,
		`<rpc>`,
		`<rpc><lock-configuration/></rpc>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	srv, err := New(Options{Clock: NewManualClock(testStart)})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	f.Fuzz(func(t *testing.T, msg []byte) {
		sess := &session{s: srv, id: 1, user: "fuzz", fr: newFramer(bytes.NewReader(nil), io.Discard)}
		sess.handleMessage(msg)
		srv.mu.Lock()
		if srv.db.lockOwner == sess {
			srv.db.releaseLock(true)
		}
		srv.mu.Unlock()
	})
}
