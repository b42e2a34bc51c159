package fallback

import (
	"context"
	"sync"
	"sync/atomic"
)

// A gate lets Close wait for the Sends that started before it, so that no
// tier is closed under a Send that is still handing it a value. Entering
// and leaving cost one atomic add each; nothing blocks on the hot path.
type gate struct {
	active   atomic.Int64
	closed   atomic.Bool
	idle     chan struct{} // closed once the gate is shut and no Send is active
	idleOnce sync.Once
}

func newGate() gate { return gate{idle: make(chan struct{})} }

// enter reports whether a Send may proceed; if it may, it must call leave.
func (g *gate) enter() bool {
	g.active.Add(1)
	if g.closed.Load() {
		g.leave()
		return false
	}
	return true
}

func (g *gate) leave() {
	if g.active.Add(-1) == 0 && g.closed.Load() {
		g.idleOnce.Do(func() { close(g.idle) })
	}
}

// shut refuses later Sends and waits until the active ones have left, or
// until ctx ends.
func (g *gate) shut(ctx context.Context) error {
	g.closed.Store(true)
	if g.active.Load() == 0 {
		return nil
	}
	select {
	case <-g.idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// inFlight returns how many Sends are active.
func (g *gate) inFlight() int64 { return g.active.Load() }
