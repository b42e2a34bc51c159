// Package gate lets a stage's Close wait for the Sends that started before it.
package gate

import (
	"context"
	"sync"
	"sync/atomic"
)

// A Gate lets Close wait for the Sends that started before it, so that no
// downstream sink is closed under a Send that is still handing it a value.
// Entering and leaving cost one atomic add each; nothing blocks on the hot
// path. Make one with New; a Gate must not be copied after first use.
type Gate struct {
	active   atomic.Int64
	closed   atomic.Bool
	idle     chan struct{} // closed once the gate is shut and no Send is active
	idleOnce sync.Once
}

// New returns an open Gate.
func New() Gate { return Gate{idle: make(chan struct{})} }

// Enter reports whether a Send may proceed; if it may, it must call Leave.
func (g *Gate) Enter() bool {
	g.active.Add(1)
	if g.closed.Load() {
		g.Leave()
		return false
	}
	return true
}

// Leave ends a Send that Enter let in.
func (g *Gate) Leave() {
	if g.active.Add(-1) == 0 && g.closed.Load() {
		g.idleOnce.Do(func() { close(g.idle) })
	}
}

// Shut refuses later Sends and waits until the active ones have left, or
// until ctx ends.
func (g *Gate) Shut(ctx context.Context) error {
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

// InFlight returns how many Sends are active.
func (g *Gate) InFlight() int64 { return g.active.Load() }
