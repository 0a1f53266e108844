package junossim

import (
	"strings"
	"testing"
	"time"
)

const seedSRX = `
set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24
set interfaces ge-0/0/2 unit 0 family inet address 10.2.0.1/24
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone trust address-book address web 10.1.0.10/32
set security zones security-zone untrust interfaces ge-0/0/2.0
set security address-book global address dns 192.0.2.53/32
set applications application imap-alt protocol tcp destination-port 1143
`

func TestReplyShape(t *testing.T) {
	ts := startSim(t, Options{Hostname: "fw1"})
	c := ts.dial(t, false)
	if c.sessionID() == "" {
		t.Fatal("hello without session-id")
	}
	caps := map[string]bool{}
	for _, cp := range c.hello.Child("capabilities").All("capability") {
		caps[cp.Text] = true
	}
	for _, want := range []string{capBase10, "urn:ietf:params:netconf:capability:candidate:1.0",
		"urn:ietf:params:netconf:capability:confirmed-commit:1.0", "http://xml.juniper.net/netconf/junos/1.0"} {
		if !caps[want] {
			t.Errorf("hello lacks %s", want)
		}
	}
	if caps[capBase11] {
		t.Error("base:1.1 offered without Options.Base11")
	}
	c.mustOK(`<get-software-information/>`)
	if !strings.Contains(c.lastRaw, `xmlns:junos="http://xml.juniper.net/junos/`) || !strings.Contains(c.lastRaw, "<host-name>fw1</host-name>") {
		t.Errorf("reply: %s", c.lastRaw)
	}
	r := c.mustOK(`<get-configuration/>`)
	cfg := r.Child("configuration")
	if cfg == nil || !strings.Contains(c.lastRaw, `<configuration junos:changed-seconds="`) {
		t.Errorf("get-configuration: %s", c.lastRaw)
	}
	r = c.mustOK(`<get-configuration database="committed"/>`)
	if r.Child("configuration") == nil || !strings.Contains(c.lastRaw, ` junos:commit-user="root"`) {
		t.Errorf("committed config without commit attributes: %s", c.lastRaw)
	}
	r = c.mustOK(`<get-config><source><running/></source></get-config>`)
	if r.Child("data").Child("configuration").Child("system").ChildText("host-name") != "fw1" {
		t.Errorf("get-config: %s", c.lastRaw)
	}
	r = c.mustOK(`<get/>`)
	if r.Child("data") == nil {
		t.Errorf("get: %s", c.lastRaw)
	}
	r = c.mustOK(`<get-chassis-inventory/>`)
	if items := findAll(r, "multi-routing-engine-item"); len(items) != 2 || items[0].Child("chassis-inventory").Child("chassis") == nil {
		t.Errorf("inventory: %s", c.lastRaw)
	}
	r = c.mustOK(`<command format="text">show version</command>`)
	if !strings.Contains(r.ChildText("output"), "fw1") {
		t.Errorf("command: %s", c.lastRaw)
	}
	r = c.mustCall(`<get-interface-information/>`)
	e := r.Child("rpc-error")
	if e == nil || e.ChildText("error-message") != "syntax error" || e.Child("error-info").ChildText("bad-element") != "get-interface-information" ||
		e.ChildText("error-tag") != "operation-failed" || e.ChildText("error-severity") != "error" {
		t.Errorf("unknown rpc: %s", c.lastRaw)
	}
	r = c.mustCall(`<load-configuration action="set" format="text"><configuration-set>set security policies from-zone a</configuration-set></load-configuration>`)
	lr := r.Child("load-configuration-results")
	if lr == nil || lr.Child("rpc-error") == nil || lr.ChildText("load-error-count") != "1" {
		t.Errorf("load error: %s", c.lastRaw)
	}
	c.mustOK(`<close-session/>`)
	if _, err := c.call(`<get/>`); err == nil {
		t.Error("session still answers after close-session")
	}
	waitFor(t, func() bool { return ts.Sessions() == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLocks(t *testing.T) {
	ts := startSim(t, Options{})
	a := ts.dial(t, false)
	b := ts.dial(t, false)
	a.mustOK(`<lock><target><candidate/></target></lock>`)
	if !ts.Locked() {
		t.Fatal("not locked")
	}
	r := b.mustCall(`<lock-configuration/>`)
	msgs := errorMessages(r)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "configuration database locked by: enclave terminal (pid "+a.sessionID()+") on since 2026-03-01 10:00:00 UTC") ||
		!strings.HasSuffix(msgs[0], "exclusive") {
		t.Errorf("lock denied message %q", msgs)
	}
	// Others cannot change or commit the candidate while it is locked.
	if msgs := errorMessages(b.mustCall(loadSetRPC("set system domain-name x"))); len(msgs) == 0 || !strings.Contains(msgs[0], "locked by") {
		t.Errorf("load under foreign lock: %q", msgs)
	}
	if msgs := errorMessages(b.mustCall(`<commit-configuration/>`)); len(msgs) == 0 {
		t.Error("commit under foreign lock succeeded")
	}
	// Reading is fine.
	b.mustOK(`<get-configuration/>`)
	// Unlock discards what was changed under the lock.
	a.mustOK(loadSetRPC("set system domain-name example.net"))
	if !ts.CandidateModified() {
		t.Fatal("candidate not modified")
	}
	a.mustOK(`<unlock-configuration/>`)
	if ts.Locked() || ts.CandidateModified() {
		t.Error("unlock left the lock or the changes")
	}
	// Changes left behind by another session refuse the lock.
	b.mustOK(loadSetRPC("set system domain-name example.org"))
	r = a.mustCall(`<lock-configuration/>`)
	if msgs := errorMessages(r); len(msgs) != 1 || msgs[0] != "configuration database modified" {
		t.Errorf("lock over foreign changes: %q", msgs)
	}
	b.mustOK(`<discard-changes/>`)
	a.mustOK(`<lock-configuration/>`)
	// A session that ends releases its lock and its uncommitted changes.
	a.mustOK(loadSetRPC("set system domain-name gone.example"))
	a.close()
	waitFor(t, func() bool { return !ts.Locked() })
	if ts.CandidateModified() {
		t.Error("changes of a dropped lock holder survived")
	}
	b.mustOK(`<lock-configuration/>`)
	// kill-session ends another session and frees its lock.
	c := ts.dial(t, false)
	c.mustOK(`<kill-session><session-id>` + b.sessionID() + `</session-id></kill-session>`)
	waitFor(t, func() bool { return !ts.Locked() })
	if msgs := errorMessages(c.mustCall(`<unlock-configuration/>`)); len(msgs) != 1 || msgs[0] != "configuration database not locked" {
		t.Errorf("unlock without lock: %q", msgs)
	}
}

func TestConfirmedCommit(t *testing.T) {
	ts := startSim(t, Options{})
	if err := ts.LoadSet(seedSRX); err != nil {
		t.Fatal(err)
	}
	before := ts.CommittedSet()
	c := ts.dial(t, false)
	c.mustOK(`<lock-configuration/>`)
	c.mustOK(loadSetRPC("set security zones security-zone dmz"))
	c.mustOK(`<commit-configuration><confirmed/><confirm-timeout>2</confirm-timeout><log>try dmz</log></commit-configuration>`)
	pending, deadline := ts.ConfirmPending()
	if !pending || !deadline.Equal(testStart.Add(2*time.Minute)) {
		t.Fatalf("pending %v deadline %v", pending, deadline)
	}
	if !strings.Contains(ts.CommittedSet(), "security-zone dmz") {
		t.Fatal("confirmed commit not applied")
	}
	h := ts.CommitHistory()[0]
	if h.Log != "try dmz" || h.Comment != "commit confirmed, rollback in 2mins" || h.Client != "netconf" || h.User != "enclave" {
		t.Errorf("history %+v", h)
	}
	ts.clock.Advance(119 * time.Second)
	if p, _ := ts.ConfirmPending(); !p {
		t.Fatal("rolled back early")
	}
	ts.clock.Advance(time.Second)
	if p, _ := ts.ConfirmPending(); p {
		t.Fatal("still pending after the timeout")
	}
	if got := ts.CommittedSet(); got != before {
		t.Errorf("not rolled back:\n%s", got)
	}
	if h := ts.CommitHistory()[0]; h.Client != "other" {
		t.Errorf("rollback history %+v", h)
	}
	// A plain commit inside the window confirms.
	c.mustOK(loadSetRPC("set security zones security-zone dmz"))
	c.mustOK(`<commit-configuration><confirmed/></commit-configuration>`)
	ts.clock.Advance(5 * time.Minute)
	c.mustOK(`<commit-configuration/>`)
	ts.clock.Advance(time.Hour)
	if !strings.Contains(ts.CommittedSet(), "security-zone dmz") {
		t.Error("confirmed commit lost after confirmation")
	}
	// RFC commit: confirm-timeout in seconds.
	c.mustOK(`<edit-config><target><candidate/></target><config><configuration><security><zones><security-zone><name>dmz2</name></security-zone></zones></security></configuration></config></edit-config>`)
	c.mustOK(`<commit><confirmed/><confirm-timeout>30</confirm-timeout></commit>`)
	if !strings.Contains(c.lastRaw, "<ok/>") {
		t.Errorf("rfc commit reply %s", c.lastRaw)
	}
	ts.clock.Advance(31 * time.Second)
	if strings.Contains(ts.CommittedSet(), "dmz2") {
		t.Error("RFC confirmed commit not rolled back after 30s")
	}
	// The diff against rollback 0 is empty again, and history shows everything newest first.
	r := c.mustOK(`<get-configuration compare="rollback" rollback="0" format="text"/>`)
	if out := r.Child("configuration-information").ChildText("configuration-output"); out != "" {
		t.Errorf("diff after rollback %q", out)
	}
	r = c.mustOK(`<get-commit-information/>`)
	hist := r.Child("commit-information").All("commit-history")
	if len(hist) != ts.CommitCount() || hist[0].ChildText("sequence-number") != "0" || hist[0].ChildText("client") != "other" {
		t.Errorf("commit history (%d commits): %s", ts.CommitCount(), c.lastRaw)
	}
	// load rollback N.
	c.mustOK(`<load-configuration rollback="3"/>`)
	if !strings.Contains(ts.CandidateSet(), "security-zone dmz") || strings.Contains(ts.CandidateSet(), "dmz2") {
		t.Errorf("rollback 3:\n%s", ts.CandidateSet())
	}
	r = c.mustCall(`<load-configuration rollback="60"/>`)
	if len(errorMessages(r)) == 0 {
		t.Error("rollback 60 accepted")
	}
}

func TestCommitChecks(t *testing.T) {
	cases := []struct {
		name, personality, lines string
		path, bad, msg           string
	}{
		{name: "undefined source address", lines: `
set security policies from-zone untrust to-zone trust policy p1 match source-address nowhere destination-address web application junos-https`,
			path: "[edit security policies from-zone untrust to-zone trust policy p1]", bad: "match", msg: "source-address nowhere is not defined"},
		{name: "address in the other zone", lines: `
set security policies from-zone untrust to-zone trust policy p1 match source-address web destination-address any application junos-https`,
			path: "[edit security policies from-zone untrust to-zone trust policy p1]", msg: "source-address web"},
		{name: "global address book and custom app are fine", lines: `
set security policies from-zone untrust to-zone trust policy p1 match source-address dns destination-address web application [ imap-alt junos-imaps junos-dns-udp ]
set security policies from-zone untrust to-zone trust policy p1 then permit`},
		{name: "undefined application", lines: `
set security policies from-zone untrust to-zone trust policy p1 match source-address any destination-address web application junos-nope`,
			msg: "application junos-nope is not defined"},
		{name: "undefined address set member", lines: `
set security zones security-zone trust address-book address-set s1 address ghost`,
			path: "[edit security zones security-zone trust address-book address-set s1]", msg: "address ghost is not defined"},
		{name: "interface in two zones", lines: `
set security zones security-zone dmz interfaces ge-0/0/1.0`,
			path: "[edit security zones security-zone dmz]", bad: "interfaces ge-0/0/1.0", msg: "already in security zone trust"},
		{name: "zone interface unit not configured", lines: `
set interfaces ge-0/0/3 description spare
set security zones security-zone hci interfaces ge-0/0/3.0`,
			path: "[edit security zones security-zone hci]", msg: "ge-0/0/3.0 is not configured"},
		{name: "undefined zone in policy", lines: `
set security policies from-zone mars to-zone trust policy p1 match source-address any destination-address any application any`,
			msg: "Security zone mars is not defined"},
		{name: "duplicate vlan id", personality: "ex", lines: `
set vlans mail vlan-id 120
set vlans web vlan-id 120`,
			path: "[edit vlans web]", bad: "vlan-id 120", msg: "VLAN ID 120 is already used by vlan mail"},
		{name: "security refused on ex", personality: "ex", lines: `
set security zones security-zone trust`,
			path: "[edit]", bad: "security", msg: "syntax error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := startSim(t, Options{Personality: tc.personality})
			if tc.personality != "ex" {
				if err := ts.LoadSet(seedSRX); err != nil {
					t.Fatal(err)
				}
			}
			c := ts.dial(t, false)
			r := c.mustCall(loadSetRPC(strings.Split(strings.TrimSpace(tc.lines), "\n")...))
			if tc.personality == "ex" && tc.bad == "security" {
				// refused already at load time
				e := findAll(r, "rpc-error")
				if len(e) != 1 || e[0].ChildText("error-message") != tc.msg || e[0].Child("error-info").ChildText("bad-element") != tc.bad {
					t.Fatalf("load on ex: %s", c.lastRaw)
				}
				return
			}
			if msgs := errorMessages(r); len(msgs) > 0 {
				t.Fatalf("load: %q", msgs)
			}
			r = c.mustCall(`<commit-configuration><check/></commit-configuration>`)
			errs := findAll(r, "rpc-error")
			if tc.msg == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %s", c.lastRaw)
				}
				if len(findAll(r, "commit-check-success")) != 1 {
					t.Fatalf("no commit-check-success: %s", c.lastRaw)
				}
				return
			}
			if r.Child("commit-results") == nil || len(errs) < 2 {
				t.Fatalf("want errors in commit-results: %s", c.lastRaw)
			}
			first, last := errs[0], errs[len(errs)-1]
			if !strings.Contains(first.ChildText("error-message"), tc.msg) ||
				(tc.path != "" && first.ChildText("error-path") != tc.path) ||
				(tc.bad != "" && first.Child("error-info").ChildText("bad-element") != tc.bad) ||
				first.ChildText("error-tag") != "operation-failed" || first.ChildText("error-severity") != "error" {
				t.Errorf("first error: %s", c.lastRaw)
			}
			if last.ChildText("error-message") != "configuration check-out failed" {
				t.Errorf("last error: %s", c.lastRaw)
			}
			// The commit itself fails the same way and changes nothing.
			before := ts.CommitCount()
			r = c.mustCall(`<commit-configuration/>`)
			if len(findAll(r, "commit-success")) > 0 || ts.CommitCount() != before {
				t.Errorf("commit went through: %s", c.lastRaw)
			}
			// RFC validate and commit report the same errors at top level.
			r = c.mustCall(`<validate><source><candidate/></source></validate>`)
			if len(r.All("rpc-error")) < 2 {
				t.Errorf("validate: %s", c.lastRaw)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	t.Run("fail next commit", func(t *testing.T) {
		ts := startSim(t, Options{})
		c := ts.dial(t, false)
		c.mustOK(loadSetRPC("set system domain-name example.net"))
		ts.Faults().FailNextCommit("commit script failure")
		c.mustOK(`<commit-configuration><check/></commit-configuration>`) // checks are not commits
		r := c.mustCall(`<commit-configuration/>`)
		if msgs := errorMessages(r); len(msgs) != 1 || msgs[0] != "commit script failure" {
			t.Fatalf("%s", c.lastRaw)
		}
		c.mustOK(`<commit-configuration/>`)
	})
	t.Run("drop after rpcs", func(t *testing.T) {
		ts := startSim(t, Options{})
		c := ts.dial(t, false)
		ts.Faults().DropAfterRPCs(2)
		c.mustOK(`<get-configuration/>`)
		c.mustOK(`<get-configuration/>`)
		if _, err := c.call(`<get-configuration/>`); err == nil {
			t.Fatal("third RPC answered")
		}
		if got := ts.RPCCount("get-configuration"); got != 3 {
			t.Errorf("count %d", got)
		}
		d := ts.dial(t, false)
		d.mustOK(`<get-configuration/>`) // one-shot
	})
	t.Run("drop at commit before apply", func(t *testing.T) {
		ts := startSim(t, Options{})
		c := ts.dial(t, false)
		c.mustOK(`<lock-configuration/>`)
		c.mustOK(loadSetRPC("set system domain-name example.net"))
		ts.Faults().DropAtCommit(false)
		if _, err := c.call(`<commit-configuration/>`); err == nil {
			t.Fatal("commit answered")
		}
		waitFor(t, func() bool { return !ts.Locked() })
		if strings.Contains(ts.CommittedSet(), "example.net") || ts.CandidateModified() {
			t.Error("commit applied or changes kept")
		}
	})
	t.Run("drop after confirmed commit applied", func(t *testing.T) {
		ts := startSim(t, Options{})
		c := ts.dial(t, false)
		c.mustOK(`<lock-configuration/>`)
		c.mustOK(loadSetRPC("set system domain-name example.net"))
		ts.Faults().DropAtCommit(true)
		if _, err := c.call(`<commit-configuration><confirmed/><confirm-timeout>1</confirm-timeout></commit-configuration>`); err == nil {
			t.Fatal("commit answered")
		}
		if !strings.Contains(ts.CommittedSet(), "example.net") {
			t.Fatal("commit not applied")
		}
		ts.clock.Advance(time.Minute)
		if strings.Contains(ts.CommittedSet(), "example.net") {
			t.Error("device did not roll itself back")
		}
	})
	t.Run("delay", func(t *testing.T) {
		ts := startSim(t, Options{})
		c := ts.dial(t, false)
		ts.Faults().SetDelay("get-configuration", 50*time.Millisecond)
		start := time.Now()
		c.mustOK(`<get-configuration/>`)
		if time.Since(start) < 50*time.Millisecond {
			t.Error("not delayed")
		}
		ts.Faults().Reset()
		ts.ResetCounts()
		c.mustOK(`<get-configuration/>`)
		if got := ts.RPCCounts(); len(got) != 1 || got["get-configuration"] != 1 {
			t.Errorf("counts %v", got)
		}
	})
	t.Run("close while delayed", func(t *testing.T) {
		ts := startSim(t, Options{})
		c := ts.dial(t, false)
		ts.Faults().SetDelay("*", time.Hour)
		go func() { _, _ = c.call(`<get-configuration/>`) }()
		waitFor(t, func() bool { return ts.RPCCount("get-configuration") == 1 })
		done := make(chan struct{})
		go func() { ts.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close hung")
		}
	})
}

func TestPrivateAndRFC(t *testing.T) {
	ts := startSim(t, Options{Base11: true})
	a := ts.dial(t, true)
	if !a.fr.chunked {
		t.Fatal("not chunked")
	}
	a.mustOK(`<open-configuration><private/></open-configuration>`)
	a.mustOK(loadSetRPC("set system domain-name private.example"))
	if ts.CandidateModified() {
		t.Error("private change leaked into the shared candidate")
	}
	r := a.mustOK(`<get-configuration format="set"/>`)
	if !strings.Contains(r.ChildText("configuration-set"), "private.example") {
		t.Errorf("private candidate: %s", a.lastRaw)
	}
	a.mustOK(`<commit-configuration/>`)
	if !strings.Contains(ts.CommittedSet(), "private.example") {
		t.Error("private commit not applied")
	}
	a.mustOK(`<close-configuration/>`)
	// edit-config with default-operation replace replaces everything.
	a.mustOK(`<lock><target><candidate/></target></lock>`)
	a.mustOK(`<edit-config><target><candidate/></target><default-operation>replace</default-operation><config><configuration><system><host-name>new</host-name></system></configuration></config></edit-config>`)
	r = a.mustOK(`<get-config><source><candidate/></source><filter type="subtree"><configuration><system/></configuration></filter></get-config>`)
	sys := r.Child("data").Child("configuration").Child("system")
	if sys.ChildText("host-name") != "new" || sys.Child("domain-name") != nil {
		t.Errorf("replace: %s", a.lastRaw)
	}
	r = a.mustOK(`<get-configuration compare="rollback" rollback="0" format="text"/>`)
	if out := r.Child("configuration-information").ChildText("configuration-output"); !strings.Contains(out, "-   domain-name private.example;") {
		t.Errorf("diff: %q", out)
	}
	a.mustOK(`<discard-changes/>`)
	a.mustOK(`<edit-config><target><candidate/></target><config-text><configuration-text>system { location { building b1; } }</configuration-text></config-text></edit-config>`)
	a.mustOK(`<commit/>`)
	if !strings.Contains(ts.CommittedSet(), "set system location building b1") {
		t.Errorf("config-text edit:\n%s", ts.CommittedSet())
	}
	r = a.mustCall(`<edit-config><target><running/></target><config/></edit-config>`)
	if len(errorMessages(r)) == 0 {
		t.Error("edit of running accepted")
	}
	a.mustOK(`<unlock><target><candidate/></target></unlock>`)
}
