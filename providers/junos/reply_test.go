package junos

import (
	"errors"
	"strings"
	"testing"
)

const junosNS = `xmlns:junos="http://xml.juniper.net/junos/21.4R3/junos"`

// Replies as Junos sends them (the commit failure shape is PyEZ's unit-test fixture).
var replySeeds = []string{
	`<rpc-reply ` + junosNS + ` message-id="1"><ok/></rpc-reply>`,
	`<rpc-reply ` + junosNS + ` message-id="2"></rpc-reply>`,
	`<rpc-reply ` + junosNS + ` message-id="3"><load-configuration-results><ok/></load-configuration-results></rpc-reply>`,
	`<rpc-reply ` + junosNS + ` message-id="4"><commit-results><routing-engine junos:style="normal"><name>re0</name><commit-check-success/></routing-engine></commit-results></rpc-reply>`,
	`<rpc-reply ` + junosNS + ` message-id="5"><commit-results>
<rpc-error>
<error-type>protocol</error-type>
<error-tag>operation-failed</error-tag>
<error-severity>error</error-severity>
<error-path>[edit security policies from-zone trust to-zone untrust policy p1]</error-path>
<error-info><bad-element>match source-address a9</bad-element></error-info>
<error-message>
Policy p1: source address a9 not defined
</error-message>
</rpc-error>
<rpc-error><error-severity>error</error-severity><error-message>configuration check-out failed</error-message></rpc-error>
</commit-results></rpc-reply>`,
	`<rpc-reply message-id="6"><rpc-error><error-type>protocol</error-type><error-tag>lock-denied</error-tag><error-severity>error</error-severity>` +
		`<error-message>configuration database locked by:
  admin terminal p0 (pid 4242) on since 2026-03-01 10:00:00 UTC, idle 00:01:00
  exclusive</error-message></rpc-error></rpc-reply>`,
	`<rpc-reply message-id="7"><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>error</error-severity></rpc-error></rpc-reply>`,
	`<rpc-reply message-id="8"><load-configuration-results><rpc-error><error-severity>warning</error-severity><error-message>statement not found</error-message></rpc-error><ok/></load-configuration-results></rpc-reply>`,
	`<rpc-reply message-id="9"><configuration><security><policies><policy><from-zone-name>a</from-zone-name><to-zone-name>b</to-zone-name></policy></policies></security></configuration></rpc-reply>`,
	`<rpc-reply message-id="10"><load-configuration-results><xnm:error xmlns:xnm="http://xml.juniper.net/xnm/1.1/xnm"><edit-path>[edit interfaces]</edit-path><statement>mtu</statement><message>value out of range</message></xnm:error></load-configuration-results></rpc-reply>`,
	`<rpc-reply message-id="11"><load-configuration-results><load-error-count>2</load-error-count></load-configuration-results></rpc-reply>`,
	`<rpc-reply message-id="12"><commit-results><routing-engine><name>re0</name></routing-engine></commit-results></rpc-reply>`,
	`<rpc-reply message-id="13"><commit-results><routing-engine><name>node0</name><commit-check-success/></routing-engine>` +
		`<routing-engine><name>node1</name></routing-engine></commit-results></rpc-reply>`,
	`<rpc-reply message-id="14"><commit-results><routing-engine><name>node0</name><commit-check-success/></routing-engine>` +
		`<routing-engine><name>node1</name><commit-check-success/></routing-engine></commit-results></rpc-reply>`,
}

func TestParseReply(t *testing.T) {
	cases := []struct {
		seed   int
		id     string
		errors []string // RPCError.Error() of each error
		warns  int
		load   string // checkLoad error substring ("" = ok)
		commit string // checkCommit(check=true) error substring
	}{
		{seed: 0, id: "1", commit: ""},
		{seed: 1, id: "2", load: "without <load-configuration-results>", commit: "without <commit-results>"},
		{seed: 2, id: "3", commit: "without <commit-results>"},
		{seed: 3, id: "4", load: "without <load-configuration-results>"},
		{seed: 4, id: "5", errors: []string{
			"Policy p1: source address a9 not defined at [edit security policies from-zone trust to-zone untrust policy p1] (bad element: match source-address a9)",
			"configuration check-out failed"},
			load: "Policy p1", commit: "source address a9 not defined"},
		{seed: 5, id: "6", errors: []string{"configuration database locked by:\n  admin terminal p0 (pid 4242) on since 2026-03-01 10:00:00 UTC, idle 00:01:00\n  exclusive"},
			load: "locked by", commit: "locked by"},
		{seed: 6, id: "7", errors: []string{"rpc-error without a message (error-tag operation-failed, error-type application, error-severity error)"},
			load: "without a message", commit: "without a message"},
		{seed: 7, id: "8", warns: 1, commit: "without <commit-results>"},
		{seed: 9, id: "10", errors: []string{"value out of range at [edit interfaces] (bad element: mtu)"}, load: "value out of range", commit: "value out of range"},
		{seed: 10, id: "11", load: "2 load errors", commit: "without <commit-results>"},
		{seed: 11, id: "12", load: "without <load-configuration-results>", commit: `do not report <commit-check-success/> for routing engine "re0"`},
		{seed: 12, id: "13", load: "without <load-configuration-results>", commit: `for routing engine "node1"`},
		{seed: 13, id: "14", load: "without <load-configuration-results>"},
	}
	for _, tc := range cases {
		r, err := parseReply([]byte(replySeeds[tc.seed]))
		if err != nil {
			t.Fatalf("seed %d: %v", tc.seed, err)
		}
		if r.MessageID != tc.id {
			t.Errorf("seed %d: message-id %q", tc.seed, r.MessageID)
		}
		var got []string
		for _, e := range r.Errors {
			got = append(got, e.Error())
		}
		if strings.Join(got, "|") != strings.Join(tc.errors, "|") {
			t.Errorf("seed %d: errors\n got %q\nwant %q", tc.seed, got, tc.errors)
		}
		if len(r.Warnings) != tc.warns {
			t.Errorf("seed %d: %d warnings", tc.seed, len(r.Warnings))
		}
		for what, pair := range map[string][2]any{"load": {r.checkLoad(), tc.load}, "commit": {r.checkCommit(true), tc.commit}} {
			err, want := pair[0], pair[1].(string)
			switch {
			case want == "" && err != nil:
				t.Errorf("seed %d: check%s: %v", tc.seed, what, err)
			case want != "" && (err == nil || !strings.Contains(err.(error).Error(), want)):
				t.Errorf("seed %d: check%s: %v, want %q", tc.seed, what, err, want)
			}
		}
	}
	// The rpc-error's fields survive wrapping.
	r, _ := parseReply([]byte(replySeeds[4]))
	var re *ReplyError
	if !errors.As(r.Err(), &re) || re.Errors[0].Path == "" || re.Errors[0].Tag != "operation-failed" {
		t.Errorf("ReplyError: %#v", r.Err())
	}
	// Configuration data is not mistaken for diagnostics.
	r, _ = parseReply([]byte(`<rpc-reply message-id="1"><configuration><rpc-error><error-message>x</error-message></rpc-error></configuration></rpc-reply>`))
	if r.Err() != nil {
		t.Errorf("configuration content taken as an error: %v", r.Err())
	}
}

func TestParseReplyRejects(t *testing.T) {
	for _, in := range []string{
		``,
		`<hello/>`,
		`<rpc-reply message-id="1">`,
		`<rpc-reply/><rpc-reply/>`,
		`text<rpc-reply/>`,
		`<rpc-reply><a></b></rpc-reply>`,
		strings.Repeat("<a>", maxDepth+1),
	} {
		if _, err := parseReply([]byte(in)); err == nil {
			t.Errorf("parseReply(%.40q) accepted", in)
		}
	}
}

// FuzzParseReply: no input makes the parser or the checks panic, and whatever parses
// reports errors with some text.
func FuzzParseReply(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`<rpc-reply><rpc-error/></rpc-reply>`))
	f.Add([]byte(`<rpc-reply><commit-results><routing-engine/></commit-results></rpc-reply>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseReply(data)
		if err != nil {
			return
		}
		if r.Root == nil || r.Root.Name != "rpc-reply" {
			t.Fatalf("parsed a reply without <rpc-reply>: %v", r.Root)
		}
		for _, e := range r.Errors {
			if e.Error() == "" {
				t.Fatal("an rpc-error with no text")
			}
		}
		_ = r.checkLoad()
		_ = r.checkCommit(true)
		_ = r.checkCommit(false)
		if cfg := r.body("configuration"); cfg != nil {
			idx := indexConfig(cfg)
			for typ, m := range idx {
				for id, st := range m {
					_ = readObject(typ, id, st)
				}
			}
		}
	})
}
