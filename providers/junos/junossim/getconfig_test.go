package junossim

import (
	"strings"
	"testing"
)

func TestSubtreeFilter(t *testing.T) {
	cfg := mustSet(t, `
set system host-name fw1
set interfaces ge-0/0/1 description a
set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24
set interfaces ge-0/0/2 description b
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone untrust interfaces ge-0/0/2.0`)
	cases := []struct {
		filter string
		want   string
	}{
		{`<configuration/>`, setOf(cfg)},
		{`<configuration><system/></configuration>`, "set system host-name fw1\n"},
		{`<configuration><interfaces><interface><name>ge-0/0/2</name></interface></interfaces></configuration>`,
			"set interfaces ge-0/0/2 description b\n"},
		{`<configuration><interfaces><interface><name>ge-0/0/1</name><unit/></interface></interfaces></configuration>`,
			"set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24\n"},
		{`<configuration><security><zones><security-zone><name>untrust</name></security-zone></zones></security></configuration>`,
			"set security zones security-zone untrust interfaces ge-0/0/2.0\n"},
		{`<configuration><interfaces><interface><name>ge-0/0/9</name></interface></interfaces></configuration>`, ""},
		{`<configuration><vlans/></configuration>`, ""},
	}
	for _, tc := range cases {
		got := setOf(filterConfig(cfg, mustXML(t, tc.filter)))
		if got != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.filter, got, tc.want)
		}
	}
	if !strings.Contains(setOf(cfg), "ge-0/0/1 unit 0") {
		t.Error("filtering changed the configuration")
	}
}
