package pipeline

import (
	"context"
	"errors"
)

// A Filter passes on the values its predicate keeps and counts the others as
// filtered. It is synchronous: Send returns what the downstream Send
// returned, or nil for a value filtered out.
//
// A Filter is safe for concurrent use if its predicate is. It owns its
// downstream and closes it.
type Filter[T any] struct {
	name     string
	next     Sink[T]
	keep     func(T) bool
	counters Counters
	life     passLifecycle
}

// NewFilter returns a Filter named name ("filter" if empty) that sends to
// next the values for which keep returns true. keep must not block.
func NewFilter[T any](name string, next Sink[T], keep func(T) bool) (*Filter[T], error) {
	if next == nil {
		return nil, errors.New("pipeline: NewFilter: next sink is nil")
	}
	if keep == nil {
		return nil, errors.New("pipeline: NewFilter: keep func is nil")
	}
	if name == "" {
		name = "filter"
	}
	return &Filter[T]{name: name, next: next, keep: keep, life: newPassLifecycle()}, nil
}

// Send passes v on if the predicate keeps it. After Close it returns
// [ErrClosed] and counts v as dropped.
func (f *Filter[T]) Send(ctx context.Context, v T) error {
	f.counters.AddReceived(1)
	if f.life.closed.Load() {
		f.counters.AddDropped(1)
		return ErrClosed
	}
	if !f.keep(v) {
		f.counters.AddFiltered(1)
		return nil
	}
	if err := f.next.Send(ctx, v); err != nil {
		f.counters.AddFailed(1)
		return err
	}
	f.counters.AddDelivered(1)
	return nil
}

// Close stops accepting values and closes the downstream sink. If ctx ends
// first, it returns an error that wraps ctx.Err(), and a later Close
// finishes closing the downstream.
func (f *Filter[T]) Close(ctx context.Context) error {
	return f.life.close(ctx, func(ctx context.Context) error { return SafeClose(ctx, f.next) })
}

// Stats returns the filter's counters.
func (f *Filter[T]) Stats() Stats { return f.counters.Stats(f.name) }

// Children returns the downstream sink.
func (f *Filter[T]) Children() []Child { return []Child{{Sink: f.next}} }
