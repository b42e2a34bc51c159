package pipeline

import (
	"context"
	"runtime/debug"
)

// SafeSend calls s.Send(ctx, v) and turns a panic into a [*PanicError].
// Stage boundaries (a queue's drain, a fanout, a fallback) call their
// downstream sinks through it, so a custom sink that panics fails one value
// instead of the process.
func SafeSend[T any](ctx context.Context, s Sink[T], v T) (err error) {
	defer recoverInto(&err)
	return s.Send(ctx, v)
}

// SafeSendBatch hands vs to s in one call when s is a [BatchSender], and one
// Send at a time otherwise, stopping at the first error. It returns how many
// leading values s took, as BatchSender does, and turns a panic into a
// [*PanicError]; after a panic inside SendBatch no value counts as taken.
// A count outside [0, len(vs)] from a BatchSender is clamped into it, and
// when n < len(vs), err is never nil, even from a BatchSender that breaks
// its contract by returning nil with a short count.
func SafeSendBatch[T any](ctx context.Context, s Sink[T], vs []T) (n int, err error) {
	if b, ok := s.(BatchSender[T]); ok {
		defer func() {
			if r := recover(); r != nil {
				n, err = 0, &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
		n, err = b.SendBatch(ctx, vs)
		// A count outside [0, len(vs)] would make callers slice out of
		// range or count values twice.
		n = max(0, min(n, len(vs)))
		if err == nil && n != len(vs) {
			// A BatchSender that reports fewer values without an error broke
			// its contract; the rest were not delivered.
			err = errShortBatch
		}
		return n, err
	}
	for i := range vs {
		if err := SafeSend(ctx, s, vs[i]); err != nil {
			return i, err
		}
	}
	return len(vs), nil
}

// SafeClose calls s.Close(ctx) and turns a panic into a [*PanicError].
func SafeClose[T any](ctx context.Context, s Sink[T]) (err error) {
	defer recoverInto(&err)
	return s.Close(ctx)
}

func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = &PanicError{Value: r, Stack: debug.Stack()}
	}
}
