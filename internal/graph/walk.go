package graph

import (
	"context"
	"fmt"
	"sync"
)

// Result is the outcome of one vertex in a walk.
type Result struct {
	Err error
	// Skipped: not run because something it depends on failed or was skipped (Cause names
	// the failed vertex), or because the walk was cancelled before it started (Cancelled).
	Skipped   bool
	Cancelled bool
	Cause     string
}

// Walk runs fn for every vertex once all of its dependencies have succeeded, at most
// parallelism at a time. A failed vertex's dependents (transitively) are skipped, not run;
// independent branches go on. It returns one Result per vertex. Cycles are refused before
// anything runs. Cancelling ctx stops new vertices from starting: they are skipped as
// Cancelled, as is everything that depends on them; what is running is not interrupted by
// the walk (fn gets ctx and decides).
func (g *Graph) Walk(ctx context.Context, parallelism int, fn func(ctx context.Context, v string) error) (map[string]Result, error) {
	if c := g.Cycles(); len(c) > 0 {
		return nil, &CycleError{Cycles: c}
	}
	if parallelism < 1 {
		parallelism = 1
	}
	n := len(g.names)
	results := make(map[string]Result, n)
	remaining := make([]int, n)
	for i := range remaining {
		remaining[i] = len(g.deps[i])
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelism)
	done := 0
	finished := make(chan struct{})
	if n == 0 {
		return results, nil
	}

	var schedule func(i int)
	var complete func(i int, r Result)
	// complete records a result and releases dependents; called with mu held.
	complete = func(i int, r Result) {
		results[g.names[i]] = r
		done++
		failed := r.Err != nil || r.Skipped
		for _, d := range g.rdeps[i] {
			if failed {
				if _, seen := results[g.names[d]]; !seen {
					cause := g.names[i]
					if r.Skipped {
						cause = r.Cause
					}
					remaining[d] = -1
					complete(d, Result{Skipped: true, Cancelled: r.Cancelled, Cause: cause})
				}
				continue
			}
			if remaining[d] < 0 {
				continue
			}
			remaining[d]--
			if remaining[d] == 0 {
				schedule(d)
			}
		}
	}
	finish := func(i int, r Result) {
		complete(i, r)
		if done == n {
			close(finished)
		}
	}
	schedule = func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			if ctx.Err() != nil {
				<-sem
				mu.Lock()
				finish(i, Result{Skipped: true, Cancelled: true, Cause: "interrupted"})
				mu.Unlock()
				return
			}
			err := safeCall(ctx, g.names[i], fn)
			<-sem
			mu.Lock()
			finish(i, Result{Err: err})
			mu.Unlock()
		}()
	}
	mu.Lock()
	for i := 0; i < n; i++ {
		if remaining[i] == 0 {
			schedule(i)
		}
	}
	mu.Unlock()
	<-finished
	wg.Wait()
	return results, nil
}

func safeCall(ctx context.Context, v string, fn func(context.Context, string) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error while processing %s: %v", v, r)
		}
	}()
	return fn(ctx, v)
}
