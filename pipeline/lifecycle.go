package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
)

// passLifecycle is the closing logic of a synchronous pass-through stage:
// once closed it refuses values, and it closes its downstream exactly once.
type passLifecycle struct {
	closed atomic.Bool
	once   sync.Once
	err    error
}

// close marks the stage closed and closes next once, returning the result
// of that one Close to every caller.
func (l *passLifecycle) close(closeNext func() error) error {
	l.closed.Store(true)
	l.once.Do(func() { l.err = closeNext() })
	return l.err
}

// closeSink adapts a Sink's Close to passLifecycle.close.
func closeSink[T any](ctx context.Context, s Sink[T]) func() error {
	return func() error { return SafeClose(ctx, s) }
}
