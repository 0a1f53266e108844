package junossim

import (
	"strconv"
	"strings"
	"testing"

	"github.com/Juniper/go-netconf/netconf"
)

// TestGoNetconfClient uses the client library the Junos provider uses, over both framings.
func TestGoNetconfClient(t *testing.T) {
	for _, base11 := range []bool{false, true} {
		name := "base1.0"
		if base11 {
			name = "base1.1"
		}
		t.Run(name, func(t *testing.T) {
			ts := startSim(t, Options{Base11: base11})
			s, err := netconf.DialSSH(ts.addr, ts.clientConfig("enclave"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.SessionID == 0 {
				t.Error("no session-id in the hello")
			}
			has11 := false
			for _, c := range s.ServerCapabilities {
				if c == capBase11 {
					has11 = true
				}
			}
			if has11 != base11 {
				t.Errorf("base:1.1 offered = %v, want %v", has11, base11)
			}
			exec := func(rpc string) *netconf.RPCReply {
				t.Helper()
				r, err := s.Exec(netconf.RawMethod(rpc))
				if err != nil {
					t.Fatalf("%s: %v", rpc, err)
				}
				return r
			}
			exec(`<lock><target><candidate/></target></lock>`)
			r := exec(loadSetRPC(
				"set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/24",
				"set security zones security-zone trust interfaces ge-0/0/0.0",
			))
			if !strings.Contains(r.Data, "<ok/>") {
				t.Errorf("load reply: %s", r.Data)
			}
			r = exec(`<commit-configuration><check/></commit-configuration>`)
			if !strings.Contains(r.Data, "<commit-check-success/>") {
				t.Errorf("check reply: %s", r.Data)
			}
			r = exec(`<commit-configuration><confirmed/><confirm-timeout>5</confirm-timeout></commit-configuration>`)
			if !strings.Contains(r.Data, "<commit-success/>") {
				t.Errorf("commit reply: %s", r.Data)
			}
			if p, _ := ts.ConfirmPending(); !p {
				t.Error("confirmed commit not pending")
			}
			exec(`<commit-configuration/>`)
			if p, _ := ts.ConfirmPending(); p {
				t.Error("confirmed commit still pending after confirming commit")
			}
			r = exec(`<get-configuration database="committed"><configuration><security/></configuration></get-configuration>`)
			if !strings.Contains(r.Data, "<name>trust</name>") || strings.Contains(r.Data, "host-name") {
				t.Errorf("filtered get-configuration: %s", r.Data)
			}
			// A large reply still arrives whole.
			var lines []string
			for i := 0; i < 400; i++ {
				lines = append(lines, "set applications application app"+strings.Repeat("x", 40)+strconv.Itoa(i)+" protocol tcp destination-port "+strconv.Itoa(1000+i))
			}
			exec(loadSetRPC(lines...))
			r = exec(`<get-configuration format="set"/>`)
			if strings.Count(r.Data, "destination-port") != 400 {
				t.Errorf("large reply has %d applications", strings.Count(r.Data, "destination-port"))
			}
			exec(`<discard-changes/>`)
			_, err = s.Exec(netconf.RawMethod(`<get-bogus-information/>`))
			if err == nil || !strings.Contains(err.Error(), "syntax error") {
				t.Errorf("unknown RPC: %v", err)
			}
			exec(`<unlock><target><candidate/></target></unlock>`)
			if ts.Locked() {
				t.Error("still locked")
			}
		})
	}
}
