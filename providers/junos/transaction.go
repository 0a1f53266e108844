package junos

import (
	"context"
	"errors"
	"fmt"
	"github.com/enclave-dev/enclave/internal/faultpoint"
	"strconv"
	"strings"

	"github.com/enclave-dev/enclave/providers"
)

// Apply makes all of one device's changes in one transaction:
//
//	lock-configuration
//	load-configuration action="replace" (every changed stanza, replace= or delete=)
//	commit-configuration check
//	commit-configuration confirmed, confirm-timeout, log
//	get-configuration committed (the managed hierarchies) and compare with what was loaded
//	commit-configuration (the confirming commit)
//	unlock-configuration
//
// Before the confirmed commit every failure is clean: discard-changes and unlock, nothing was
// committed, every result carries the device's error. After it, the device holds the new
// configuration until the confirm-timeout; if the connection is lost or the read-back does
// not match, enclave does not confirm, the device rolls itself back, and every result is
// marked Uncertain so the next refresh reads the truth.
func (p *Provider) Apply(ctx context.Context, changes []providers.Change, progress providers.Progress) []providers.ChangeResult {
	results := make([]providers.ChangeResult, len(changes))
	for i, c := range changes {
		results[i].Addr = c.Addr
	}
	p.mu.Lock()
	p.read = nil // the device is about to change: a later refresh reads it again
	p.mu.Unlock()
	if len(changes) == 0 {
		return results
	}
	if progress == nil {
		progress = func(string, string) {}
	}
	failAll := func(err error, uncertain bool) []providers.ChangeResult {
		for i, c := range changes {
			e := p.deviceErr("", err)
			e.Addr = c.Addr
			results[i].Err = e
			results[i].Uncertain = uncertain
		}
		return results
	}
	lp, err := buildLoad(changes)
	if err != nil {
		return failAll(err, false)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.session(ctx)
	if err != nil {
		return failAll(&callError{"connect", err}, false)
	}
	tx := &transaction{p: p, s: s, lp: lp, ctx: ctx,
		say: func(msg string) { progress(changes[0].Addr, p.device+": "+msg) },
		log: "enclave apply: " + strconv.Itoa(len(changes)) + " changes (" + describe(changes) + ")"}
	cfg, uncertain, err := tx.run()
	if err != nil {
		return failAll(err, uncertain)
	}
	idx := indexConfig(cfg)
	for i, t := range lp.targets {
		if t.delete {
			continue
		}
		results[i].New = readObject(t.typ, t.id, idx[t.typ][t.id])
	}
	return results
}

// errUnlockFailed ends a session whose lock could not be released, so that the device releases it.
var errUnlockFailed = errors.New("session closed to release the configuration lock")

type transaction struct {
	p   *Provider
	s   *session
	lp  *loadPlan
	ctx context.Context
	say func(string)
	log string
}

// call runs one RPC; the reply's rpc-errors become the error. Link failures come back as
// *LinkError inside the *providers.Error.
func (tx *transaction) call(name, body string, check func(*reply) error) error {
	r, err := tx.s.rpc(tx.ctx, name, body)
	if err != nil {
		return &callError{name, err}
	}
	for _, w := range r.Warnings {
		tx.p.opts.Warnf("junos %s: %s: %s", tx.p.device, name, w.Error())
	}
	if check == nil {
		check = func(r *reply) error { return r.Err() }
	}
	if err := check(r); err != nil {
		return &callError{name, err}
	}
	return nil
}

func isLink(err error) bool {
	var le *LinkError
	return errors.As(err, &le)
}

// run returns the committed configuration read back, or the error and whether the outcome is
// uncertain.
func (tx *transaction) run() (*element, bool, error) {
	tx.say("locking the candidate configuration")
	if err := tx.call("lock-configuration", "<lock-configuration/>", nil); err != nil {
		// Not ours to discard: the candidate belongs to whoever holds the lock.
		return nil, false, err
	}
	faultpoint.Hit("junos.locked")
	// abort undoes everything before the confirmed commit. After a lost connection there is
	// nothing to do: Junos discards the changes of a session that ends holding the lock.
	abort := func(cause error) (*element, bool, error) {
		if isLink(cause) {
			return nil, false, fmt.Errorf("%w; nothing was committed (the device discards the changes of a lost session)", cause)
		}
		var also []string
		if err := tx.call("discard-changes", "<discard-changes/>", nil); err != nil {
			also = append(also, err.Error())
		}
		if err := tx.call("unlock-configuration", "<unlock-configuration/>", nil); err != nil {
			also = append(also, err.Error())
			tx.s.fail(errUnlockFailed) // ending the session releases the lock and drops the changes
		}
		if len(also) > 0 {
			return nil, false, fmt.Errorf("%w (cleaning up also failed: %s)", cause, strings.Join(also, "; "))
		}
		return nil, false, cause
	}
	tx.say("loading the configuration")
	if err := tx.call("load-configuration", tx.lp.loadRPC(), (*reply).checkLoad); err != nil {
		return abort(err)
	}
	faultpoint.Hit("junos.loaded")
	tx.say("commit check")
	if err := tx.call("commit-configuration check", "<commit-configuration><check/></commit-configuration>",
		func(r *reply) error { return r.checkCommit(true) }); err != nil {
		return abort(err)
	}
	faultpoint.Hit("junos.checked")
	tx.say(fmt.Sprintf("commit confirmed (%d minutes)", tx.p.confirm))
	var b strings.Builder
	b.WriteString("<commit-configuration><confirmed/><confirm-timeout>")
	b.WriteString(strconv.Itoa(tx.p.confirm))
	b.WriteString("</confirm-timeout><log>")
	escape(&b, tx.log)
	b.WriteString("</log></commit-configuration>")
	if err := tx.call("commit-configuration confirmed", b.String(), func(r *reply) error { return r.checkCommit(false) }); err != nil {
		if isLink(err) {
			return nil, true, tx.rollsBack(err, "the confirmed commit may or may not have happened")
		}
		return abort(err)
	}
	faultpoint.Hit("junos.committed-confirmed")

	// From here the device holds the new configuration and rolls it back unless confirmed.
	unlock := func() {
		if err := tx.call("unlock-configuration", "<unlock-configuration/>", nil); err != nil {
			tx.p.opts.Warnf("junos %v (the commit stands; closing the session to release the lock)", tx.p.deviceErr("", err))
			tx.s.fail(errUnlockFailed)
		}
	}
	tx.say("reading back the committed configuration")
	cfg, err := tx.p.getConfiguration(tx.ctx, tx.s)
	if err != nil {
		if !isLink(err) {
			unlock()
		}
		return nil, true, tx.rollsBack(err, "the commit could not be verified")
	}
	if err := tx.lp.verify(cfg); err != nil {
		unlock()
		return nil, true, tx.rollsBack(&callError{"get-configuration", err}, "not confirming")
	}
	faultpoint.Hit("junos.verified")
	tx.say("confirming the commit")
	if err := tx.call("commit-configuration", "<commit-configuration><log>"+escapeString(tx.log+": confirmed")+"</log></commit-configuration>",
		func(r *reply) error { return r.checkCommit(false) }); err != nil {
		if isLink(err) {
			return nil, true, tx.rollsBack(err, "the confirming commit may or may not have happened")
		}
		unlock()
		return nil, true, tx.rollsBack(err, "the confirming commit failed")
	}
	faultpoint.Hit("junos.confirmed")
	unlock()
	return cfg, false, nil
}

// rollsBack explains what happens after a failure past the confirmed commit.
func (tx *transaction) rollsBack(err error, what string) error {
	return fmt.Errorf("%w; %s: unless confirmed, the device rolls back to the previous configuration within %d minutes",
		err, what, tx.p.confirm)
}

func escapeString(s string) string {
	var b strings.Builder
	escape(&b, s)
	return b.String()
}
