package pipeline

import (
	"context"
	"errors"
)

// A Map transforms each value with a function and passes the result on: a
// redaction stage that blanks a field, or a projection to another type. It
// is synchronous: Send returns what the downstream Send returned.
//
// A Map is safe for concurrent use if its function is. It owns its
// downstream and closes it.
type Map[T, U any] struct {
	name     string
	next     Sink[U]
	fn       func(T) U
	counters Counters
	life     passLifecycle
}

// NewMap returns a Map named name ("map" if empty) that sends fn(v) to next
// for every value v. fn must not block, and must not modify what v shares
// with the producer (copy a slice before changing it).
func NewMap[T, U any](name string, next Sink[U], fn func(T) U) (*Map[T, U], error) {
	if next == nil {
		return nil, errors.New("pipeline: NewMap: next sink is nil")
	}
	if fn == nil {
		return nil, errors.New("pipeline: NewMap: map func is nil")
	}
	if name == "" {
		name = "map"
	}
	return &Map[T, U]{name: name, next: next, fn: fn, life: newPassLifecycle()}, nil
}

// Send passes fn(v) on. After Close it returns [ErrClosed] and counts v as
// dropped.
func (m *Map[T, U]) Send(ctx context.Context, v T) error {
	m.counters.AddReceived(1)
	if m.life.closed.Load() {
		m.counters.AddDropped(1)
		return ErrClosed
	}
	if err := m.next.Send(ctx, m.fn(v)); err != nil {
		m.counters.AddFailed(1)
		return err
	}
	m.counters.AddDelivered(1)
	return nil
}

// Close stops accepting values and closes the downstream sink. If ctx ends
// first, it returns an error that wraps ctx.Err(), and a later Close
// finishes closing the downstream.
func (m *Map[T, U]) Close(ctx context.Context) error {
	return m.life.close(ctx, func(ctx context.Context) error { return SafeClose(ctx, m.next) })
}

// Stats returns the stage's counters.
func (m *Map[T, U]) Stats() Stats { return m.counters.Stats(m.name) }

// Children returns the downstream sink.
func (m *Map[T, U]) Children() []Child { return []Child{{Sink: m.next}} }
