// Package gate lets a stage's Close wait for the Sends that started before
// it, and cancel them when Close's context ends first.
package gate

import (
	"context"
	"sync"
	"sync/atomic"
)

// A Gate lets Close wait for the Sends that started before it, so that no
// downstream sink is closed under a Send that is still handing it a value.
// Entering and leaving cost one atomic add each; nothing blocks on the hot
// path. Make one with New. Its methods are safe for concurrent use.
type Gate struct {
	active   atomic.Int64
	closed   atomic.Bool
	idle     chan struct{} // closed once the gate is shut and no Send is active
	idleOnce sync.Once

	// aborted ends when a Shut gives up waiting; Bind ties calls to it.
	aborted context.Context
	abort   context.CancelFunc
}

// New returns an open Gate.
func New() *Gate {
	ctx, cancel := context.WithCancel(context.Background())
	return &Gate{idle: make(chan struct{}), aborted: ctx, abort: cancel}
}

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

// Bind returns a context that ends with ctx or when a Shut gives up
// waiting, whichever comes first, and the function that releases it. A
// Send that does slow work (a network round trip) binds its context, so
// that a Close whose deadline passes cancels it.
func (g *Gate) Bind(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(g.aborted, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// Shut refuses later Sends and waits until the active ones have left. If
// ctx ends first, it cancels the contexts Bind made and returns ctx.Err().
func (g *Gate) Shut(ctx context.Context) error {
	g.closed.Store(true)
	if g.active.Load() == 0 {
		return nil
	}
	select {
	case <-g.idle:
		return nil
	case <-ctx.Done():
		select {
		case <-g.idle: // both were ready; the Sends won
			return nil
		default:
		}
		g.abort()
		return ctx.Err()
	}
}

// InFlight returns how many Sends are active.
func (g *Gate) InFlight() int64 { return g.active.Load() }
