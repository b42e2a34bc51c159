package kafka

import (
	"context"
	"fmt"
	"sync"
)

// A gate tracks the calls in progress on a sink, so Close can refuse new
// ones, wait for the running ones, and cancel them when its context ends.
type gate struct {
	mu       sync.Mutex
	closed   bool
	inflight int
	idle     chan struct{} // closed once closed and inflight == 0

	// aborted is canceled when a Close gives up waiting: every call in
	// progress is bound to it. It carries no values and outlives no call.
	aborted context.Context
	abort   context.CancelFunc
}

func newGate() *gate {
	ctx, cancel := context.WithCancel(context.Background())
	return &gate{idle: make(chan struct{}), aborted: ctx, abort: cancel}
}

// enter admits a call, or reports false after Close.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.inflight++
	return true
}

// leave ends a call that enter admitted.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.closed && g.inflight == 0 {
		close(g.idle)
	}
}

// bind returns a context that ends with ctx or when a Close gives up,
// whichever comes first, and the function that releases it.
func (g *gate) bind(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(g.aborted, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// close refuses new calls and waits for those in progress. If ctx ends
// first it cancels them and returns an error that wraps ctx.Err().
func (g *gate) close(ctx context.Context, name string) error {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		if g.inflight == 0 {
			close(g.idle)
		}
	}
	inflight := g.inflight
	g.mu.Unlock()

	select {
	case <-g.idle:
		return nil
	case <-ctx.Done():
		select {
		case <-g.idle: // both were ready; the calls won
			return nil
		default:
		}
		g.abort()
		return fmt.Errorf("kafka: sink %q: close: %d calls in progress canceled: %w", name, inflight, ctx.Err())
	}
}
