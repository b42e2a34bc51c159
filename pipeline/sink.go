package pipeline

import "context"

// A Sink receives values of type T. It is the one interface every stage of a
// pipeline implements, and the only one a custom stage must.
//
// Send and Close may be called concurrently, from any number of goroutines:
// implementations must be safe for concurrent use.
//
// Send hands v to the sink. A nil error means the sink took responsibility
// for v: it delivered it, queued it, or decided on purpose not to (a
// filter). A non-nil error says why not: [ErrQueueFull], [ErrClosed],
// ctx.Err(), a write error. Send must not panic, and must not retain v's
// mutable parts (slices, maps, pointees) beyond what its documentation says:
// a queue keeps the value it is given until it is delivered, so a producer
// must not modify a slice it sent.
//
// Close stops accepting values (a Send that starts after Close returns
// [ErrClosed]), delivers or accounts for every value it holds, closes the
// sinks it owns, and releases its resources. If ctx ends first, Close
// returns an error that wraps ctx.Err(), and a later Close finishes the
// work it cut short. Close is idempotent: calling it again waits for the
// same shutdown (for as long as its own ctx lets it) and returns its
// result.
//
// A stage may offer more through optional interfaces, found by type
// assertion: [BatchSender] to take many values in one call, [StatsReporter]
// to report its counters, and [Parent] to let [Pipeline] walk the stages
// behind it.
type Sink[T any] interface {
	Send(ctx context.Context, v T) error
	Close(ctx context.Context) error
}

// A BatchSender is a [Sink] that can take many values in one call. A queue's
// drain uses it to hand over everything it has queued at once, so a line
// writer makes one write per batch.
//
// SendBatch hands vs to the sink in order and returns how many values n,
// counted from the start of vs, the sink took responsibility for. When
// n < len(vs), err is not nil and the values vs[n:] were not delivered: the
// caller may route them elsewhere. If err wraps a [*ValueError], vs[n]
// failed by its own fault and the caller may offer vs[n+1:] again (a queue
// does); otherwise the caller treats all of vs[n:] as failed. SendBatch
// must not retain vs after it returns; the caller reuses it.
type BatchSender[T any] interface {
	SendBatch(ctx context.Context, vs []T) (n int, err error)
}

// SinkFunc adapts a function to a [Sink]. Send calls f. Close does nothing
// and returns nil, and a SinkFunc keeps no state: it accepts values after
// Close and reports no counters. Use it for tests and for small synchronous
// targets; a stage with a lifecycle implements Sink itself.
type SinkFunc[T any] func(ctx context.Context, v T) error

// Send calls f(ctx, v).
func (f SinkFunc[T]) Send(ctx context.Context, v T) error { return f(ctx, v) }

// Close returns nil.
func (f SinkFunc[T]) Close(context.Context) error { return nil }

// Discard returns a sink that accepts every value and does nothing with it,
// like [io.Discard]. It keeps no state and is safe for concurrent use.
func Discard[T any]() Sink[T] { return SinkFunc[T](discard[T]) }

func discard[T any](context.Context, T) error { return nil }
