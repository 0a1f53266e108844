package ontap

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/enclave-dev/enclave/providers"
)

const relationshipsPath = "/api/snapmirror/relationships"

func init() {
	kinds[typeSnapMirror] = &kind{
		identity: func(pl providers.Object) url.Values {
			return url.Values{"destination.path": {quoteFilter(providers.String(pl, "destination_path"))}}
		},
		path:   relationshipsPath,
		fields: "source.path,destination.path,policy.name,transfer_schedule.name,state,lag_time,healthy",
		object: snapMirrorObject,
		create: createSnapMirror,
		update: func(ctx context.Context, op *operation) error {
			b := map[string]any{}
			if op.changed("policy") {
				b["policy"] = map[string]any{"name": providers.String(op.planned, "policy")}
			}
			if op.changed("schedule") {
				b["transfer_schedule"] = scheduleBody(providers.String(op.planned, "schedule"))
			}
			if len(b) > 0 {
				if _, err := op.write(ctx, http.MethodPatch, relationshipsPath+"/"+op.id(), b); err != nil {
					return err
				}
			}
			// The state is the DR switch: broken_off fails over (the destination becomes
			// writable), snapmirrored resyncs, paused quiesces. Wait until ONTAP gets there.
			if want, ok := op.plannedString("state"); ok && want != "" && op.changed("state") {
				path := relationshipsPath + "/" + op.id()
				if op.progress != nil {
					op.progress(fmt.Sprintf("relationship to %s: %s -> %s", providers.String(op.planned, "destination_path"), providers.String(op.prior, "state"), want))
				}
				start := time.Now()
				if _, err := op.write(ctx, http.MethodPatch, path, map[string]any{"state": want}); err != nil {
					return err
				}
				return op.waitState(ctx, path, want, start)
			}
			return nil
		},
		delete: func(ctx context.Context, op *operation) error {
			_, err := op.write(ctx, http.MethodDelete, relationshipsPath+"/"+op.id(), nil)
			return err
		},
		importFilter: func(id string) (url.Values, error) {
			if _, err := svmAndName(id); err != nil {
				return nil, err
			}
			return url.Values{"destination.path": {quoteFilter(id)}}, nil
		},
	}
}

func snapMirrorObject(r record) providers.Object {
	o := providers.Object{
		"id":               str(r, "uuid"),
		"source_path":      str(r, "source.path"),
		"destination_path": str(r, "destination.path"),
		"policy":           str(r, "policy.name"),
		"schedule":         str(r, "transfer_schedule.name"),
		"state":            str(r, "state"),
		"lag":              str(r, "lag_time"),
	}
	if h, ok := boolean(r, "healthy"); ok {
		o["healthy"] = h
	}
	return o
}

// scheduleBody names the transfer schedule; an empty name removes it.
func scheduleBody(name string) any {
	return map[string]any{"name": name}
}

// createSnapMirror creates the relationship on this (the destination) cluster, then
// initializes it and waits, under the same deadline as a job, until it is snapmirrored.
func createSnapMirror(ctx context.Context, op *operation) (url.Values, error) {
	start := time.Now()
	dst := providers.String(op.planned, "destination_path")
	find := url.Values{"destination.path": {quoteFilter(dst)}}
	b := map[string]any{
		"source":      map[string]any{"path": providers.String(op.planned, "source_path")},
		"destination": map[string]any{"path": dst},
	}
	if p, ok := op.plannedString("policy"); ok && p != "" {
		b["policy"] = map[string]any{"name": p}
	}
	if s, ok := op.plannedString("schedule"); ok && s != "" {
		b["transfer_schedule"] = map[string]any{"name": s}
	}
	if _, err := op.write(ctx, http.MethodPost, relationshipsPath, b); err != nil {
		return find, err
	}
	rec, err := op.p.lookup(ctx, op.k, find)
	if err != nil {
		return find, &providers.Error{Addr: op.addr, Device: op.p.device, Call: callName(http.MethodGet, relationshipsPath), Err: err}
	}
	if rec == nil {
		return find, op.fail(fmt.Errorf("relationship to %s not found after its creation", dst))
	}
	id := str(rec, "uuid")
	path := relationshipsPath + "/" + id
	if str(rec, "state") == "uninitialized" {
		if op.progress != nil {
			op.progress("initializing " + dst)
		}
		if _, err := op.write(ctx, http.MethodPatch, path, map[string]any{"state": "snapmirrored"}); err != nil {
			return find, err
		}
	}
	if err := op.waitState(ctx, path, "snapmirrored", start); err != nil {
		return find, err
	}
	if want, ok := op.plannedString("state"); ok && want != "" && want != "snapmirrored" {
		if _, err := op.write(ctx, http.MethodPatch, path, map[string]any{"state": want}); err != nil {
			return find, err
		}
		return find, op.waitState(ctx, path, want, start)
	}
	return find, nil
}

// waitState polls a relationship until it reaches want, with the job backoff and deadline.
func (op *operation) waitState(ctx context.Context, path, want string, start time.Time) error {
	c := op.p.c
	deadline := start.Add(c.jobTimeout)
	delay := c.pollStart
	q := url.Values{"fields": {"state,healthy,unhealthy_reason,transfer.state"}}
	for {
		rec, err := c.do(ctx, http.MethodGet, path, q, nil)
		if err != nil {
			return &providers.Error{Addr: op.addr, Device: op.p.device, Call: callName(http.MethodGet, path), Err: err}
		}
		state := str(rec, "state")
		if state == want {
			return nil
		}
		// A transfer that failed or was aborted will not bring the relationship to want by
		// itself: say why instead of waiting out the deadline.
		if ts := str(rec, "transfer.state"); ts == "failed" || ts == "aborted" {
			if h, ok := boolean(rec, "healthy"); ok && !h {
				reason := "no reason given"
				if rs := list(rec, "unhealthy_reason"); len(rs) > 0 {
					reason = fmt.Sprintf("%s (ONTAP error %s)", str(rs[0], "message"), str(rs[0], "code"))
				}
				return op.fail(fmt.Errorf("relationship %s is %s, not %s: transfer %s: %s", path, state, want, ts, reason))
			}
		}
		if !time.Now().Add(delay).Before(deadline) {
			return op.fail(&JobTimeoutError{Job: "initialize " + path, State: state + " (waiting for " + want + ")", Elapsed: time.Since(start)})
		}
		if op.progress != nil {
			op.progress(fmt.Sprintf("relationship %s, transfer %s", state, str(rec, "transfer.state")))
		}
		if err := c.sleep(ctx, delay); err != nil {
			return err
		}
		delay = delay * 3 / 2
		if delay > c.pollMax {
			delay = c.pollMax
		}
	}
}
