package pipeline

import (
	"context"
	"fmt"
	"sync/atomic"
)

// passLifecycle is the closing logic of a synchronous pass-through stage:
// once closed it refuses values, and it closes its downstream until one
// Close of the stage has run to the end. Make it with newPassLifecycle.
//
// A Close whose ctx ended while the downstream was closing leaves the rest
// to a later Close, which closes the downstream again (a Sink's Close is
// idempotent) and so finishes what the first cut short. A Close that finds
// another one closing the downstream waits for it, but only until its own
// ctx ends.
type passLifecycle struct {
	closed atomic.Bool
	turn   chan struct{} // buffered(1): holds a token while a Close closes the downstream
	done   bool          // a Close ran to the end; err is its result (guarded by turn)
	err    error
}

func newPassLifecycle() passLifecycle {
	return passLifecycle{turn: make(chan struct{}, 1)}
}

// close marks the stage closed and, unless an earlier Close ran to the end,
// closes the downstream with closeNext(ctx). It returns the result of the
// Close that ran to the end, or the error of this one, which wraps ctx.Err()
// if ctx ended first.
func (l *passLifecycle) close(ctx context.Context, closeNext func(context.Context) error) error {
	l.closed.Store(true)
	select {
	case l.turn <- struct{}{}:
	default:
		// Another Close is closing the downstream: wait for it, as long as
		// ctx lets us.
		select {
		case l.turn <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("pipeline: close: waiting for another Close: %w", ctx.Err())
		}
	}
	defer func() { <-l.turn }()
	if !l.done {
		l.err = closeNext(ctx)
		l.done = l.err == nil || ctx.Err() == nil
	}
	return l.err
}
