package ontapsim

import (
	"sync"
	"time"
)

// Clock is the simulator's notion of time. Job progress, job purging and
// SnapMirror lag are all derived from Now() when they are read, so a test that
// controls the clock controls them all without background goroutines.
type Clock interface {
	Now() time.Time
}

// Sleeper is implemented by clocks that can also wait. When the configured
// Clock implements it, the simulator uses it while it honours return_timeout;
// FakeClock implements it by advancing itself, which makes waits instant and
// deterministic. Clocks without Sleep are polled in real time.
type Sleeper interface {
	Sleep(d time.Duration)
}

type realClock struct{}

func (realClock) Now() time.Time        { return time.Now() }
func (realClock) Sleep(d time.Duration) { time.Sleep(d) }

// FakeClock is a Clock for tests: time only moves when Advance, Set or Sleep
// is called.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock reading t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the fake time forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the fake time to t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Sleep advances the fake time by d and returns at once.
func (c *FakeClock) Sleep(d time.Duration) { c.Advance(d) }
