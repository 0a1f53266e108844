package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// exitInterrupted is the shell's code for a command ended by SIGINT (128+2).
const exitInterrupted = 130

// interrupts turns SIGINT and SIGTERM into two contexts. The first signal cancels stop: read
// only commands (plan, drift, validate, ...) end at once, releasing the lock; apply starts
// nothing new but lets the calls in flight reach their end (a Junos transaction confirms or
// rolls back, an ONTAP job or vSphere task is awaited) and records every result. The second
// cancels abort: apply stops waiting and records what was in flight as uncertain, so the
// next plan reads the truth. A third exits at once; the lock it leaves is taken over by the
// next run, since its holder is gone.
type interrupts struct {
	stop, abort         context.Context
	cancelStop, cancelA context.CancelFunc
	w                   io.Writer

	mu       sync.Mutex
	count    int
	expected bool // the command ends on an interrupt by design (lab up)
	ch       chan os.Signal
	done     chan struct{}
}

func newInterrupts(w io.Writer) *interrupts {
	abort, cancelA := context.WithCancel(context.Background())
	stop, cancelStop := context.WithCancel(abort)
	in := &interrupts{stop: stop, abort: abort, cancelStop: cancelStop, cancelA: cancelA, w: w,
		ch: make(chan os.Signal, 4), done: make(chan struct{})}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go in.loop()
	return in
}

// background is interrupts that never fire, for runs without signal handling (tests).
func background() *interrupts {
	abort, cancelA := context.WithCancel(context.Background())
	stop, cancelStop := context.WithCancel(abort)
	return &interrupts{stop: stop, abort: abort, cancelStop: cancelStop, cancelA: cancelA}
}

func (in *interrupts) loop() {
	for {
		select {
		case <-in.done:
			return
		case sig := <-in.ch:
			in.mu.Lock()
			in.count++
			n := in.count
			in.mu.Unlock()
			in.mu.Lock()
			expected := in.expected
			in.mu.Unlock()
			switch {
			case n == 1 && expected:
				in.cancelStop()
			case n == 1:
				fmt.Fprintf(in.w, "\nInterrupted (%s): starting nothing new; waiting for what is in flight to finish and recording it. Interrupt again to stop waiting.\n", sig)
				in.cancelStop()
			case n == 2:
				fmt.Fprintf(in.w, "\nInterrupted again: no longer waiting; what is in flight is recorded as uncertain, and the next plan reads the truth.\n")
				in.cancelA()
			default:
				fmt.Fprintf(in.w, "\nInterrupted a third time: exiting now. The next run takes over the state lock.\n")
				os.Exit(exitInterrupted)
			}
		}
	}
}

// interrupted reports whether a signal ended a command that does not end that way by design.
func (in *interrupts) interrupted() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.count > 0 && !in.expected
}

// expect says the running command ends on an interrupt by design.
func (in *interrupts) expect() {
	in.mu.Lock()
	in.expected = true
	in.mu.Unlock()
}

func (in *interrupts) close() {
	if in.ch != nil {
		signal.Stop(in.ch)
		close(in.done)
	}
	in.cancelStop()
	in.cancelA()
}
