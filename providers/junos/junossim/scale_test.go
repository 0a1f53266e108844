package junossim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A large rule base loads, checks, commits and reads back without quadratic blow-ups.
func TestLargeRuleBase(t *testing.T) {
	t.Parallel() // overlaps with the conformance clients
	ts := startSim(t, Options{})
	if err := ts.LoadSet(seedSRX); err != nil {
		t.Fatal(err)
	}
	c := ts.dial(t, false)
	const n = 2000
	var x strings.Builder
	x.WriteString(`<load-configuration action="merge"><configuration><security><zones><security-zone><name>trust</name><address-book>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&x, `<address><name>h%d</name><ip-prefix>10.%d.%d.%d/32</ip-prefix></address>`, i, i/65536, i/256%256, i%256)
	}
	x.WriteString(`</address-book></security-zone></zones><policies><policy><from-zone-name>untrust</from-zone-name><to-zone-name>trust</to-zone-name>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&x, `<policy><name>p%d</name><match><source-address>any</source-address><destination-address>h%d</destination-address><application>junos-https</application></match><then><permit/></then></policy>`, i, i)
	}
	x.WriteString(`</policy></policies></security></configuration></load-configuration>`)
	start := time.Now()
	c.mustOK(`<lock-configuration/>`)
	c.mustOK(x.String())
	c.mustOK(`<commit-configuration><check/></commit-configuration>`)
	c.mustOK(`<commit-configuration/>`)
	r := c.mustOK(`<get-configuration database="committed" format="set"/>`)
	if got := strings.Count(r.ChildText("configuration-set"), " then permit"); got != n {
		t.Fatalf("%d policies read back", got)
	}
	var lines []string
	for i := 0; i < n; i += 2 {
		lines = append(lines, fmt.Sprintf("delete security policies from-zone untrust to-zone trust policy p%d", i))
	}
	c.mustOK(loadSetRPC(lines...))
	c.mustOK(`<get-configuration compare="rollback" rollback="0" format="text"/>`)
	c.mustOK(`<commit-configuration/>`)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	t.Logf("%d policies: %v", n, time.Since(start))
}
