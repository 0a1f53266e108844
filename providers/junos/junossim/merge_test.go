package junossim

import (
	"strings"
	"testing"
)

func mustXML(t *testing.T, s string) *elem {
	t.Helper()
	n, err := parseXML(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMerge(t *testing.T) {
	base := `
set system host-name fw1
set security policies from-zone a to-zone b policy p1 then permit
set security policies from-zone a to-zone b policy p2 then permit
set security policies from-zone a to-zone b policy p3 then permit
set security zones security-zone trust interfaces ge-0/0/1.0`
	pol := func(inner string) string {
		return `<configuration><security><policies><policy><from-zone-name>a</from-zone-name><to-zone-name>b</to-zone-name>` +
			inner + `</policy></policies></security></configuration>`
	}
	cases := []struct {
		name, action, defOp, patch, want string
		err                              string
	}{
		{name: "merge leaf", patch: `<configuration><system><host-name>fw2</host-name></system></configuration>`,
			want: "set system host-name fw2"},
		{name: "merge new entry appends", patch: pol(`<policy><name>p4</name><then><deny/></then></policy>`),
			want: "policy p4 then deny"},
		{name: "delete attribute", patch: pol(`<policy delete="delete"><name>p2</name></policy>`),
			want: "!policy p2"},
		{name: "insert before", patch: pol(`<policy insert="before" name="p1"><name>p3</name></policy>`),
			want: "order p3,p1,p2"},
		{name: "insert after", patch: pol(`<policy insert="after" name="p3"><name>p1</name></policy>`),
			want: "order p2,p3,p1"},
		{name: "insert first new entry", patch: pol(`<policy insert="first"><name>p0</name><then><deny/></then></policy>`),
			want: "order p0,p1,p2,p3"},
		{name: "insert missing neighbour", patch: pol(`<policy insert="after" name="nope"><name>p1</name></policy>`),
			err: "statement not found"},
		{name: "replace attribute with action replace", action: "replace",
			patch: pol(`<policy replace="replace"><name>p1</name><then><deny/></then></policy>`),
			want:  "policy p1 then deny"},
		{name: "replace attribute ignored by merge", action: "merge",
			patch: pol(`<policy replace="replace"><name>p1</name><then><deny/></then></policy>`),
			want:  "policy p1 then permit"},
		{name: "override", action: "override", patch: `<configuration><system><host-name>only</host-name></system></configuration>`,
			want: "exact set system host-name only\n"},
		{name: "rfc delete missing", defOp: "merge",
			patch: `<configuration><system><domain-name xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="delete"/></system></configuration>`,
			err:   "statement not found"},
		{name: "rfc create existing", defOp: "merge",
			patch: `<configuration><system><host-name xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="create">x</host-name></system></configuration>`,
			err:   "already exists"},
		{name: "rfc remove missing is fine", defOp: "merge",
			patch: `<configuration><system><domain-name xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="remove"/></system></configuration>`,
			want:  "set system host-name fw1"},
		{name: "rfc none ignores plain leaves", defOp: "none",
			patch: `<configuration><system><host-name>ignored</host-name></system></configuration>`,
			want:  "set system host-name fw1"},
		{name: "rfc none with operation", defOp: "none",
			patch: `<configuration xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><security><zones><security-zone><name>trust</name><interfaces nc:operation="delete"><name>ge-0/0/1.0</name></interfaces></security-zone></zones></security></configuration>`,
			want:  "!interfaces ge-0/0/1.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustSet(t, base)
			patch := mustXML(t, tc.patch)
			var err error
			if tc.defOp != "" {
				err = mergeInto(cfg, patch, schemaRoot, tc.defOp, nil)
			} else {
				action := tc.action
				if action == "" {
					action = "merge"
				}
				if action != "replace" {
					dropReplace(patch)
				}
				cfg, err = applyPatch(cfg, patch, action)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := setOf(cfg)
			switch {
			case strings.HasPrefix(tc.want, "exact "):
				if got != strings.TrimPrefix(tc.want, "exact ") {
					t.Errorf("got:\n%s", got)
				}
			case strings.HasPrefix(tc.want, "!"):
				if strings.Contains(got, tc.want[1:]) {
					t.Errorf("still has %q:\n%s", tc.want[1:], got)
				}
			case strings.HasPrefix(tc.want, "order "):
				var names []string
				for _, p := range cfg.Child("security").Child("policies").Child("policy").All("policy") {
					names = append(names, p.ChildText("name"))
				}
				if strings.Join(names, ",") != strings.TrimPrefix(tc.want, "order ") {
					t.Errorf("order %v, want %s", names, tc.want)
				}
			default:
				if !strings.Contains(got, tc.want) {
					t.Errorf("lacks %q:\n%s", tc.want, got)
				}
			}
		})
	}
}
