package junos

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos/junossim"
)

const zonesSeed = "set security zones security-zone trust\nset security zones security-zone untrust"

func policy(name string, apps ...string) obj {
	return obj{"name": name, "source_address": list("any"), "destination_address": list("any"),
		"application": list(apps...), "action": "permit", "log": false}
}

func policies(from, to string, pols ...obj) obj {
	return obj{"from_zone": from, "to_zone": to, "policy": blocks(pols...)}
}

// manyChanges is n applications plus one zone pair of n policies.
func manyChanges(t testing.TB, n int) []providers.Change {
	var changes []providers.Change
	var pols []obj
	for i := range n {
		name := fmt.Sprintf("app-%04d", i)
		changes = append(changes, create("junos_application."+name, TypeApplication,
			desired(t, TypeApplication, obj{"name": name, "protocol": "tcp", "destination_port": fmt.Sprint(10000 + i)})))
		pols = append(pols, policy(fmt.Sprintf("p-%04d", i), name))
	}
	changes = append(changes, create("junos_security_policies.out", TypeSecurityPolicies,
		desired(t, TypeSecurityPolicies, policies("trust", "untrust", pols...))))
	return changes
}

// TestApplyIsOneTransaction: whatever the number of changes, one lock, one load, one commit
// check, two commits (confirmed + confirm), one read-back and one unlock.
func TestApplyIsOneTransaction(t *testing.T) {
	for _, n := range []int{1, 40, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			d := startDevice(t, junossim.Options{})
			if err := d.sim.LoadSet(zonesSeed); err != nil {
				t.Fatal(err)
			}
			p := d.provider(t, nil)
			d.sim.ResetCounts()
			commits := d.sim.CommitCount()
			mustApply(t, p, manyChanges(t, n)...)
			if got := d.sim.CommitCount() - commits; got != 2 {
				t.Errorf("%d commits, want 2", got)
			}
			want := map[string]int{"lock-configuration": 1, "load-configuration": 1, "commit-configuration": 3,
				"get-configuration": 1, "unlock-configuration": 1}
			if got := d.sim.RPCCounts(); !reflect.DeepEqual(got, want) {
				t.Errorf("RPCs %v, want %v", got, want)
			}
			h := d.sim.CommitHistory()
			if !strings.HasPrefix(h[1].Log, "enclave apply: ") || !strings.Contains(h[1].Comment, "commit confirmed, rollback in 5mins") {
				t.Errorf("confirmed commit logged as %+v", h[1])
			}
			d.assertClean(t)
		})
	}
}

// TestRefreshRoundTripsConstant: refresh costs the same RPCs for 10 and for 500 resources.
func TestRefreshRoundTripsConstant(t *testing.T) {
	counts := map[int]map[string]int{}
	for _, n := range []int{10, 500} {
		d := startDevice(t, junossim.Options{})
		if err := d.sim.LoadSet(zonesSeed); err != nil {
			t.Fatal(err)
		}
		p := d.provider(t, nil)
		changes := manyChanges(t, n)
		res := mustApply(t, p, changes...)
		var reqs []providers.RefreshRequest
		for i, c := range changes {
			reqs = append(reqs, providers.RefreshRequest{Addr: c.Addr, Type: c.Type, ID: providers.String(res[i].New, "id")})
		}
		d.sim.ResetCounts()
		got, err := p.Refresh(context.Background(), reqs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i].Current, res[i].New) {
				t.Fatalf("%s: refresh %v, apply said %v", got[i].Addr, got[i].Current, res[i].New)
			}
		}
		if pols := providers.Blocks(got[len(got)-1].Current, "policy"); len(pols) != n {
			t.Fatalf("%d policies read, want %d", len(pols), n)
		}
		counts[n] = d.sim.RPCCounts()
	}
	if !reflect.DeepEqual(counts[10], counts[500]) || counts[10]["get-configuration"] != 1 {
		t.Errorf("refresh RPCs: 10 resources %v, 500 resources %v", counts[10], counts[500])
	}
}

// TestPolicyOrder: reordering policies is a change, and apply puts them in the new order.
func TestPolicyOrder(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet(zonesSeed); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, nil)
	first := desired(t, TypeSecurityPolicies, policies("trust", "untrust",
		policy("a", "junos-ssh"), policy("b", "junos-http"), policy("c", "junos-https")))
	mustApply(t, p, create("junos_security_policies.out", TypeSecurityPolicies, first))
	cur := refreshOne(t, p, TypeSecurityPolicies, "trust>untrust")

	reordered := desired(t, TypeSecurityPolicies, policies("trust", "untrust",
		policy("c", "junos-https"), policy("a", "junos-ssh"), policy("b", "junos-http")))
	norm, _ := p.Normalize(TypeSecurityPolicies, reordered)
	norm["id"] = cur["id"]
	if reflect.DeepEqual(norm, cur) {
		t.Fatal("a reordered policy list compares equal to the device's order")
	}
	res := mustApply(t, p, update("junos_security_policies.out", TypeSecurityPolicies, cur, reordered))
	if !reflect.DeepEqual(res[0].New, norm) {
		t.Fatalf("after reorder:\n got %v\nwant %v", res[0].New, norm)
	}
	var order []string
	for _, pol := range providers.Blocks(refreshOne(t, p, TypeSecurityPolicies, "trust>untrust"), "policy") {
		order = append(order, providers.String(pol, "name"))
	}
	if strings.Join(order, ",") != "c,a,b" {
		t.Errorf("device order %v, want c,a,b", order)
	}
}

// TestReplaceWithNewKey: a replace that changes the natural key deletes the old stanza and
// writes the new one in the same commit.
func TestReplaceWithNewKey(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	p := d.provider(t, nil)
	res := mustApply(t, p, create("junos_application.a", TypeApplication, desired(t, TypeApplication, obj{"name": "old", "protocol": "udp"})))
	commits := d.sim.CommitCount()
	res = mustApply(t, p, providers.Change{Addr: "junos_application.a", Type: TypeApplication, Action: providers.Replace,
		Prior: res[0].New, Planned: desired(t, TypeApplication, obj{"name": "new", "protocol": "udp"})})
	if got := d.sim.CommitCount() - commits; got != 2 {
		t.Errorf("%d commits", got)
	}
	if providers.String(res[0].New, "id") != "new" || refreshOne(t, p, TypeApplication, "old") != nil {
		t.Errorf("after replace: new=%v, old still there=%v", res[0].New, refreshOne(t, p, TypeApplication, "old"))
	}
}

// committedBefore snapshots the committed configuration so failure tests can check it is
// untouched.
func committedBefore(d *device) func(t *testing.T) {
	before := d.sim.CommittedXML()
	return func(t *testing.T) {
		t.Helper()
		if after := d.sim.CommittedXML(); after != before {
			t.Errorf("committed configuration changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	}
}

func twoChanges(t testing.TB) []providers.Change {
	return []providers.Change{
		create("junos_application.imaps", TypeApplication, desired(t, TypeApplication, obj{"name": "imaps-alt", "protocol": "tcp", "destination_port": "1993"})),
		create("junos_security_policies.out", TypeSecurityPolicies, desired(t, TypeSecurityPolicies,
			policies("trust", "untrust", policy("mail", "imaps-alt")))),
	}
}

// TestCommitCheckFailure: the device's own message and error-path reach every result, and
// the device is left as it was.
func TestCommitCheckFailure(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet(zonesSeed); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, nil)
	unchanged := committedBefore(d)
	bad := policies("trust", "untrust", policy("mail", "junos-smtp"))
	providers.Blocks(bad, "policy")[0]["source_address"] = list("no-such-address")
	changes := append(twoChanges(t)[:1], create("junos_security_policies.out", TypeSecurityPolicies, desired(t, TypeSecurityPolicies, bad)))
	res := p.Apply(context.Background(), changes, nil)
	for i, r := range res {
		var pe *providers.Error
		if !errors.As(r.Err, &pe) {
			t.Fatalf("result %d: %v is not a *providers.Error", i, r.Err)
		}
		msg := r.Err.Error()
		for _, want := range []string{"commit-configuration check", "no-such-address",
			"[edit security policies from-zone trust to-zone untrust policy mail]", d.host} {
			if !strings.Contains(msg, want) {
				t.Errorf("result %d: %q lacks %q", i, msg, want)
			}
		}
		if pe.Addr != changes[i].Addr || r.Uncertain {
			t.Errorf("result %d: addr %q uncertain %v", i, pe.Addr, r.Uncertain)
		}
	}
	if d.sim.RPCCount("discard-changes") != 1 {
		t.Error("no discard-changes after the failed check")
	}
	unchanged(t)
	d.assertClean(t)
}

// TestCommitFailure: a commit the device refuses after a good check (a commit script, say).
func TestCommitFailure(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet(zonesSeed); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, nil)
	unchanged := committedBefore(d)
	d.sim.Faults().FailNextCommit("commit script enclave-guard.slax: change window closed")
	for _, r := range p.Apply(context.Background(), twoChanges(t), nil) {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "change window closed") || r.Uncertain {
			t.Errorf("result: %v (uncertain %v)", r.Err, r.Uncertain)
		}
	}
	unchanged(t)
	d.assertClean(t)
}

// TestLockHeldElsewhere: the lock holder's candidate is not ours to discard.
func TestLockHeldElsewhere(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet(zonesSeed); err != nil {
		t.Fatal(err)
	}
	other := d.provider(t, nil)
	r, err := other.sess.rpc(context.Background(), "lock-configuration", "<lock-configuration/>")
	if err != nil || r.Err() != nil {
		t.Fatal(err, r.Err())
	}
	p := d.provider(t, nil)
	unchanged := committedBefore(d)
	for _, r := range p.Apply(context.Background(), twoChanges(t), nil) {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "locked by") || !strings.Contains(r.Err.Error(), "lock-configuration") {
			t.Errorf("result: %v", r.Err)
		}
	}
	if !d.sim.Locked() {
		t.Error("the other session's lock was released")
	}
	if d.sim.RPCCount("discard-changes") != 0 {
		t.Error("discarded a candidate locked by someone else")
	}
	unchanged(t)
	other.Close()
	d.assertClean(t)
}

// TestConnectionLost: the connection drops at each step of the transaction. Before the
// confirmed commit nothing is committed and the result is a plain error; from the confirmed
// commit on the outcome is uncertain, nothing is confirmed, and the device rolls back when
// the confirm timeout passes.
func TestConnectionLost(t *testing.T) {
	cases := []struct {
		name      string
		arm       func(f *junossim.Faults)
		uncertain bool
	}{
		{"at lock", func(f *junossim.Faults) { f.DropAfterRPCs(0) }, false},
		{"at load", func(f *junossim.Faults) { f.DropAfterRPCs(1) }, false},
		{"at commit check", func(f *junossim.Faults) { f.DropAfterRPCs(2) }, false},
		{"at confirmed commit, before it applies", func(f *junossim.Faults) { f.DropAtCommit(false) }, true},
		{"after the confirmed commit applies", func(f *junossim.Faults) { f.DropAtCommit(true) }, true},
		{"at read-back", func(f *junossim.Faults) { f.DropAfterRPCs(4) }, true},
		{"at confirm", func(f *junossim.Faults) { f.DropAfterRPCs(5) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := startDevice(t, junossim.Options{})
			if err := d.sim.LoadSet(zonesSeed); err != nil {
				t.Fatal(err)
			}
			p := d.provider(t, nil)
			unchanged := committedBefore(d)
			tc.arm(d.sim.Faults())
			res := p.Apply(context.Background(), twoChanges(t), nil)
			t.Log(res[0].Err)
			for _, r := range res {
				var le *LinkError
				if !errors.As(r.Err, &le) {
					t.Fatalf("result: %v, want a lost connection", r.Err)
				}
				if r.Uncertain != tc.uncertain {
					t.Errorf("uncertain = %v, want %v (%v)", r.Uncertain, tc.uncertain, r.Err)
				}
				if tc.uncertain && !strings.Contains(r.Err.Error(), "rolls back") {
					t.Errorf("error does not say the device rolls back: %v", r.Err)
				}
			}
			if d.sim.RPCCount("commit-configuration") > 0 && d.sim.CommitCount() > 0 {
				if h := d.sim.CommitHistory(); len(h) > 0 && h[0].Comment == "" && strings.HasSuffix(h[0].Log, "confirmed") {
					t.Error("the commit was confirmed")
				}
			}
			// The device rolls back a confirmed commit nobody confirmed.
			d.clock.Advance(6 * time.Minute)
			unchanged(t)
			d.assertClean(t)
			// The provider reconnects; a refresh reads the old configuration.
			if got := refreshOne(t, p, TypeApplication, "imaps-alt"); got != nil {
				t.Errorf("refresh after rollback: %v", got)
			}
		})
	}
}

// TestConfirmTimeoutExpires: a confirmed commit left unconfirmed is rolled back by the
// device, and a refresh shows the configuration from before.
func TestConfirmTimeoutExpires(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet(zonesSeed); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, map[string]any{"commit_confirm_minutes": int64(3)})
	unchanged := committedBefore(d)
	d.sim.Faults().DropAtCommit(true)
	for _, r := range p.Apply(context.Background(), twoChanges(t), nil) {
		if !r.Uncertain || !strings.Contains(r.Err.Error(), "within 3 minutes") {
			t.Fatalf("result: %v uncertain=%v", r.Err, r.Uncertain)
		}
	}
	pending, deadline := d.sim.ConfirmPending()
	if !pending || !deadline.Equal(simStart.Add(3*time.Minute)) {
		t.Fatalf("confirm pending %v until %v", pending, deadline)
	}
	if got := refreshOne(t, p, TypeApplication, "imaps-alt"); got == nil {
		t.Fatal("before the timeout the device runs the new configuration")
	}
	d.clock.Advance(3 * time.Minute)
	if got := refreshOne(t, p, TypeApplication, "imaps-alt"); got != nil {
		t.Fatalf("after the timeout: %v", got)
	}
	unchanged(t)
	d.assertClean(t)
}

// TestFramings: a full apply and refresh over base:1.0 (]]>]]>) and base:1.1 (chunked).
func TestFramings(t *testing.T) {
	for _, base11 := range []bool{false, true} {
		t.Run(fmt.Sprintf("base11=%v", base11), func(t *testing.T) {
			d := startDevice(t, junossim.Options{Base11: base11})
			if err := d.sim.LoadSet(zonesSeed); err != nil {
				t.Fatal(err)
			}
			p := d.provider(t, nil)
			if p.sess.chunked != base11 {
				t.Fatalf("chunked framing = %v", p.sess.chunked)
			}
			changes := manyChanges(t, 200) // replies larger than one SSH packet and one chunk
			res := mustApply(t, p, changes...)
			got := refreshOne(t, p, TypeSecurityPolicies, "trust>untrust")
			if !reflect.DeepEqual(got, res[len(res)-1].New) {
				t.Fatal("refresh differs from apply")
			}
			d.assertClean(t)
		})
	}
}

// TestRPCTimeout: a device that does not answer gives a clear timeout, and the next call
// reconnects.
func TestRPCTimeout(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	p := d.provider(t, map[string]any{"timeout_seconds": int64(1)})
	d.sim.Faults().SetDelay("get-configuration", 3*time.Second)
	start := time.Now()
	_, err := p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: "junos_vlan.x", Type: TypeApplication, ID: "x"}})
	if err == nil || !strings.Contains(err.Error(), "no reply within 1s") || !strings.Contains(err.Error(), "get-configuration") {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2500*time.Millisecond {
		t.Errorf("gave up after %v", el)
	}
	d.sim.Faults().Reset()
	if _, err := p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: "x", Type: TypeApplication, ID: "x"}}); err != nil {
		t.Fatalf("after the timeout: %v", err)
	}
}

// TestParallelDevices: two providers apply at once (the engine drives devices in parallel);
// run with -race.
func TestParallelDevices(t *testing.T) {
	var wg sync.WaitGroup
	devs := []*device{startDevice(t, junossim.Options{}), startDevice(t, junossim.Options{})}
	for _, d := range devs {
		if err := d.sim.LoadSet(zonesSeed); err != nil {
			t.Fatal(err)
		}
		p := d.provider(t, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range p.Apply(context.Background(), manyChanges(t, 50), nil) {
				if r.Err != nil {
					t.Error(r.Err)
				}
			}
		}()
	}
	wg.Wait()
	for _, d := range devs {
		if d.sim.CommitCount() != 4 { // initial, seed, confirmed, confirm
			t.Errorf("%d commits", d.sim.CommitCount())
		}
	}
}

// TestImport reads an object by its natural key.
func TestImport(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet("set routing-instances mgmt instance-type virtual-router\n" +
		"set routing-instances mgmt routing-options static route 10.0.0.0/8 next-hop 10.255.0.1"); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, nil)
	got, err := p.Import(context.Background(), TypeStaticRoute, "mgmt/10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	want := obj{"id": "mgmt/10.0.0.0/8", "destination": "10.0.0.0/8", "routing_instance": "mgmt", "next_hops": list("10.255.0.1")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("import: %v", got)
	}
	if _, err := p.Import(context.Background(), TypeStaticRoute, "10.0.0.0/8"); err == nil || !strings.Contains(err.Error(), "no junos_static_route") {
		t.Errorf("import of a missing route: %v", err)
	}
	if _, err := p.ReadData(context.Background(), []providers.DataRequest{{Addr: "data.junos_x.y", Type: "junos_x"}}); err == nil {
		t.Error("ReadData accepted a data source")
	}
}

// TestReadBackMismatchIsNotConfirmed: when the committed configuration read back is not what
// was loaded (here: the confirm timeout passed while the read-back was slow, and the device
// rolled back), enclave does not confirm, unlocks, and says the outcome is uncertain.
func TestReadBackMismatchIsNotConfirmed(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet(zonesSeed); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, nil)
	unchanged := committedBefore(d)
	d.sim.ResetCounts()
	d.sim.Faults().SetDelay("get-configuration", 300*time.Millisecond)
	go func() {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if pending, _ := d.sim.ConfirmPending(); pending {
				d.clock.Advance(6 * time.Minute)
				return
			}
		}
	}()
	for _, r := range p.Apply(context.Background(), twoChanges(t), nil) {
		if r.Err == nil || !r.Uncertain || !strings.Contains(r.Err.Error(), "does not match what was loaded") ||
			!strings.Contains(r.Err.Error(), `junos_application "imaps-alt" is missing`) {
			t.Fatalf("result: %v (uncertain %v)", r.Err, r.Uncertain)
		}
	}
	if n := d.sim.RPCCount("commit-configuration"); n != 2 {
		t.Errorf("%d commit-configuration RPCs, want 2 (check and confirmed, no confirm)", n)
	}
	if d.sim.RPCCount("unlock-configuration") != 1 {
		t.Error("not unlocked")
	}
	unchanged(t)
	d.assertClean(t)
}

// TestReconnectAfterIdleDrop: a session the device ended between calls (kill-session, an
// idle timeout, a reboot) is noticed and replaced; the next call just works.
func TestReconnectAfterIdleDrop(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	p := d.provider(t, nil)
	admin := d.provider(t, nil)
	r, err := admin.sess.rpc(context.Background(), "kill-session",
		"<kill-session><session-id>"+p.sess.sessionID+"</session-id></kill-session>")
	if err != nil || r.Err() != nil {
		t.Fatal(err, r.Err())
	}
	for deadline := time.Now().Add(5 * time.Second); p.sess.dead() == nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the killed session was not noticed")
		}
	}
	mustApply(t, p, twoChanges(t)[:1]...)
	if got := refreshOne(t, p, TypeApplication, "imaps-alt"); got == nil {
		t.Fatal("not applied after reconnecting")
	}
}

// TestCandidateModifiedElsewhere: uncommitted changes someone else left in the shared
// candidate stop the transaction, and are not ours to discard or commit.
func TestCandidateModifiedElsewhere(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet(zonesSeed); err != nil {
		t.Fatal(err)
	}
	other := d.provider(t, nil)
	r, err := other.sess.rpc(context.Background(), "load-configuration",
		`<load-configuration action="merge" format="xml"><configuration><applications><application><name>theirs</name><protocol>udp</protocol></application></applications></configuration></load-configuration>`)
	if err != nil || r.checkLoad() != nil {
		t.Fatal(err, r.checkLoad())
	}
	other.Close()
	p := d.provider(t, nil)
	unchanged := committedBefore(d)
	for _, r := range p.Apply(context.Background(), twoChanges(t), nil) {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "lock-configuration: configuration database modified") {
			t.Errorf("result: %v", r.Err)
		}
	}
	if !d.sim.CandidateModified() || d.sim.RPCCount("discard-changes") != 0 {
		t.Error("someone else's uncommitted changes were discarded")
	}
	unchanged(t)
}

// TestRefreshRequests: ids come from the request, else the prior object; unknown types fail
// the refresh before anything is sent.
func TestRefreshRequests(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet("set applications application a1 protocol tcp"); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, nil)
	got, err := p.Refresh(context.Background(), []providers.RefreshRequest{
		{Addr: "junos_application.byid", Type: TypeApplication, ID: "a1"},
		{Addr: "junos_application.byprior", Type: TypeApplication, Prior: obj{"id": "a1"}},
		{Addr: "junos_application.byname", Type: TypeApplication, Prior: obj{"name": "a1"}},
		{Addr: "junos_application.gone", Type: TypeApplication, ID: "a2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := obj{"id": "a1", "name": "a1", "protocol": "tcp"}
	for i, r := range got[:3] {
		if !reflect.DeepEqual(r.Current, want) || r.Addr == "" {
			t.Errorf("%d: %v", i, r)
		}
	}
	if got[3].Current != nil || got[3].Addr != "junos_application.gone" {
		t.Errorf("gone: %v", got[3])
	}
	d.sim.ResetCounts()
	if _, err := p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: "vsphere_host.h", Type: "vsphere_host", ID: "h"}}); err == nil ||
		!strings.Contains(err.Error(), "vsphere_host.h") || len(d.sim.RPCCounts()) != 0 {
		t.Errorf("unknown type: %v, RPCs %v", err, d.sim.RPCCounts())
	}
}

// TestApplyEdges: no changes means no RPCs; an unconfigured provider says so; a change set
// that cannot be rendered fails every result without contacting the device.
func TestApplyEdges(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	p := d.provider(t, nil)
	d.sim.ResetCounts()
	if res := p.Apply(context.Background(), nil, nil); len(res) != 0 || len(d.sim.RPCCounts()) != 0 {
		t.Errorf("empty apply: %v, RPCs %v", res, d.sim.RPCCounts())
	}
	bad := []providers.Change{
		create("junos_application.a", TypeApplication, obj{"name": "a"}),
		create("junos_vlan.v", TypeVLAN, obj{"vlan_id": int64(3)}),
	}
	for _, r := range p.Apply(context.Background(), bad, nil) {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "junos_vlan.v: name is required") {
			t.Errorf("result %s: %v", r.Addr, r.Err)
		}
	}
	if len(d.sim.RPCCounts()) != 0 {
		t.Errorf("RPCs sent for a change set that cannot be rendered: %v", d.sim.RPCCounts())
	}
	unconfigured := New(providers.Options{})
	for _, r := range unconfigured.Apply(context.Background(), bad[:1], nil) {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "not configured") {
			t.Errorf("unconfigured: %v", r.Err)
		}
	}
}

// TestUnmanagedStatementsWarned: statements an operator added inside a managed stanza are
// named at refresh, since the resource's next change replaces the stanza without them.
func TestUnmanagedStatementsWarned(t *testing.T) {
	d := startDevice(t, junossim.Options{})
	if err := d.sim.LoadSet("set interfaces ge-0/0/3 description uplink\n" +
		"set interfaces ge-0/0/3 unit 0 family inet address 10.0.3.1/24\n" +
		"set interfaces ge-0/0/3 unit 0 family inet filter input in-acl\n" +
		"set interfaces ge-0/0/3 disable\n" +
		"set applications application a1 protocol tcp"); err != nil {
		t.Fatal(err)
	}
	p := d.provider(t, nil)
	refreshOne(t, p, TypeApplication, "a1")
	if len(d.warnings) != 0 {
		t.Fatalf("warned about a fully managed stanza: %q", d.warnings)
	}
	got := refreshOne(t, p, TypeInterface, "ge-0/0/3")
	if providers.String(got, "description") != "uplink" {
		t.Fatalf("read %v", got)
	}
	if len(d.warnings) != 1 || !strings.Contains(d.warnings[0], `junos_interface "ge-0/0/3" holds statements enclave does not manage`) ||
		!strings.Contains(d.warnings[0], "disable") || !strings.Contains(d.warnings[0], "unit 0 family inet filter input in-acl") {
		t.Errorf("warnings %q", d.warnings)
	}
}
