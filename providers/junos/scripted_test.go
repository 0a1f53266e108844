package junos

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/providers"
)

// scriptedDevice is a provider talking to a scripted peer that answers each RPC by name
// ("commit-configuration check", "commit-configuration confirmed", "commit-configuration"
// for the confirming commit). Unscripted RPCs get an empty reply, as Junos gives for
// lock-configuration. It reaches replies real devices send but the simulator does not.
type scriptedDevice struct {
	p        *Provider
	mu       sync.Mutex
	calls    []string
	warnings []string
}

func newScripted(t *testing.T, replies map[string]string) *scriptedDevice {
	sd := &scriptedDevice{}
	s := pipeSession(t, time.Second, func(_ int, req string) []byte {
		root, err := parseElement([]byte(req))
		if err != nil || len(root.Children) == 0 {
			t.Errorf("bad request %q", req)
			return nil
		}
		op := root.Children[0]
		name := op.Name
		switch {
		case op.has("check"):
			name += " check"
		case op.has("confirmed"):
			name += " confirmed"
		}
		sd.mu.Lock()
		sd.calls = append(sd.calls, name)
		sd.mu.Unlock()
		return []byte(`<rpc-reply message-id="` + root.attrValue("message-id") + `">` + replies[name] + `</rpc-reply>]]>]]>`)
	})
	sd.p = New(providers.Options{Warnf: func(f string, a ...any) {
		sd.mu.Lock()
		sd.warnings = append(sd.warnings, fmt.Sprintf(f, a...))
		sd.mu.Unlock()
	}}).(*Provider)
	sd.p.sess, sd.p.device, sd.p.confirm = s, "fake-srx", 5
	return sd
}

func (sd *scriptedDevice) trace() string {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return strings.Join(sd.calls, ", ")
}

const (
	checkOK   = `<commit-results><routing-engine><name>re0</name><commit-check-success/></routing-engine></commit-results>`
	commitOK  = `<commit-results><routing-engine><name>re0</name><commit-success/></routing-engine></commit-results>`
	loadOK    = `<load-configuration-results><ok/></load-configuration-results>`
	appConfig = `<configuration><applications><application><name>x</name><protocol>tcp</protocol></application></applications></configuration>`
)

func TestScriptedTransactions(t *testing.T) {
	full := "lock-configuration, load-configuration, commit-configuration check, commit-configuration confirmed, get-configuration, commit-configuration, unlock-configuration"
	aborted := func(upTo string) string {
		return full[:strings.Index(full, upTo)+len(upTo)] + ", discard-changes, unlock-configuration"
	}
	cases := []struct {
		name      string
		replies   map[string]string
		trace     string
		err       string // "" = success
		uncertain bool
		warning   string
	}{
		{name: "success with warnings", trace: full, warning: "statement not found",
			replies: map[string]string{
				"load-configuration":             `<load-configuration-results><rpc-error><error-severity>warning</error-severity><error-message>statement not found</error-message></rpc-error><ok/></load-configuration-results>`,
				"commit-configuration check":     checkOK,
				"commit-configuration confirmed": commitOK,
				"get-configuration":              appConfig,
				"commit-configuration":           commitOK,
			}},
		{name: "rpc-error without a message at commit check", trace: aborted("commit-configuration check"),
			err: "fake-srx: commit-configuration check: rpc-error without a message (error-tag operation-failed)",
			replies: map[string]string{
				"load-configuration":         loadOK,
				"commit-configuration check": `<commit-results><rpc-error><error-tag>operation-failed</error-tag></rpc-error></commit-results>`,
			}},
		{name: "load error", trace: aborted("load-configuration"),
			err: "fake-srx: load-configuration: syntax error at [edit applications application x] (bad element: protocl)",
			replies: map[string]string{
				"load-configuration": `<load-configuration-results><rpc-error><error-severity>error</error-severity><error-path>[edit applications application x]</error-path>` +
					`<error-info><bad-element>protocl</bad-element></error-info><error-message>syntax error</error-message></rpc-error><load-error-count>1</load-error-count></load-configuration-results>`,
			}},
		{name: "confirmed commit without a success mark", trace: aborted("commit-configuration confirmed"),
			err: "commit-configuration confirmed: the device's <commit-results> do not report <commit-success/>",
			replies: map[string]string{
				"load-configuration":             loadOK,
				"commit-configuration check":     checkOK,
				"commit-configuration confirmed": `<commit-results><routing-engine><name>re0</name></routing-engine></commit-results>`,
			}},
		{name: "confirming commit refused", uncertain: true,
			trace: strings.TrimSuffix(full, ", unlock-configuration") + ", unlock-configuration",
			err:   "fake-srx: commit-configuration: commit failed: disk full; the confirming commit failed: unless confirmed, the device rolls back",
			replies: map[string]string{
				"load-configuration":             loadOK,
				"commit-configuration check":     checkOK,
				"commit-configuration confirmed": commitOK,
				"get-configuration":              appConfig,
				"commit-configuration":           `<commit-results><rpc-error><error-message>commit failed: disk full</error-message></rpc-error></commit-results>`,
			}},
		{name: "read-back refused", uncertain: true,
			trace: "lock-configuration, load-configuration, commit-configuration check, commit-configuration confirmed, get-configuration, unlock-configuration",
			err:   "fake-srx: get-configuration: permission denied; the commit could not be verified",
			replies: map[string]string{
				"load-configuration":             loadOK,
				"commit-configuration check":     checkOK,
				"commit-configuration confirmed": commitOK,
				"get-configuration":              `<rpc-error><error-message>permission denied</error-message></rpc-error>`,
			}},
		{name: "unlock refused after success is a warning", trace: full, warning: "unlock-configuration: not locked",
			replies: map[string]string{
				"load-configuration":             loadOK,
				"commit-configuration check":     checkOK,
				"commit-configuration confirmed": commitOK,
				"get-configuration":              appConfig,
				"commit-configuration":           commitOK,
				"unlock-configuration":           `<rpc-error><error-message>not locked</error-message></rpc-error>`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sd := newScripted(t, tc.replies)
			var progress []string
			res := sd.p.Apply(context.Background(), []providers.Change{
				create("junos_application.x", TypeApplication, obj{"name": "x", "protocol": "tcp"}),
			}, func(addr, msg string) { progress = append(progress, addr+": "+msg) })
			if got := sd.trace(); got != tc.trace {
				t.Errorf("RPCs:\n got %s\nwant %s", got, tc.trace)
			}
			r := res[0]
			if tc.err == "" {
				if r.Err != nil || r.New["protocol"] != "tcp" {
					t.Fatalf("result %v %v", r.Err, r.New)
				}
			} else if r.Err == nil || !strings.Contains(r.Err.Error(), tc.err) {
				t.Fatalf("err:\n got %v\nwant %s", r.Err, tc.err)
			}
			if r.Uncertain != tc.uncertain {
				t.Errorf("uncertain = %v", r.Uncertain)
			}
			if tc.warning != "" && !strings.Contains(strings.Join(sd.warnings, "\n"), tc.warning) {
				t.Errorf("warnings %q lack %q", sd.warnings, tc.warning)
			}
			if _, refused := tc.replies["unlock-configuration"]; refused && sd.p.sess.dead() == nil {
				t.Error("the session holding the lock was kept open")
			}
			if len(progress) == 0 || !strings.HasPrefix(progress[0], "junos_application.x: fake-srx: locking") {
				t.Errorf("progress %q", progress)
			}
		})
	}
}

// TestRefreshIgnoresInactive: statements deactivated on the device read as absent.
func TestRefreshIgnoresInactive(t *testing.T) {
	sd := newScripted(t, map[string]string{"get-configuration": `<configuration ` + junosNS + ` junos:commit-user="admin">
<security><policies><policy><from-zone-name>trust</from-zone-name><to-zone-name>untrust</to-zone-name>
<policy junos:inactive="inactive" inactive="inactive"><name>off</name><match><source-address>any</source-address></match><then><permit/></then></policy>
<policy><name>on</name><match><source-address>any</source-address><destination-address>any</destination-address><application>any</application></match><then><deny/></then></policy>
</policy></policies></security>
<applications><application inactive="inactive"><name>gone</name><protocol>tcp</protocol></application></applications>
</configuration>`})
	got, err := sd.p.Refresh(context.Background(), []providers.RefreshRequest{
		{Addr: "junos_security_policies.p", Type: TypeSecurityPolicies, ID: "trust>untrust"},
		{Addr: "junos_application.a", Type: TypeApplication, ID: "gone"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pols := providers.Blocks(got[0].Current, "policy")
	if len(pols) != 1 || pols[0]["name"] != "on" || pols[0]["action"] != "deny" {
		t.Errorf("policies %v", pols)
	}
	if got[1].Current != nil {
		t.Errorf("inactive application read as %v", got[1].Current)
	}
}
