package faults

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/spillway-go/spillway/pipeline"
)

// Sink is a pipeline.Sink that records what it accepts and misbehaves as
// configured. The zero value accepts and records every value; set the
// fields before first use.
type Sink[T any] struct {
	// Gate, if not nil, makes every Send (and SendBatch) wait until it can
	// receive from Gate, or until ctx ends (then Send returns ctx.Err()).
	// Close(Gate) releases every call for good; sending on it lets one call
	// through.
	Gate chan struct{}
	// IgnoreCtx makes a call wait on Gate (and Delay) even after its ctx
	// ends, as a write stuck in the kernel does: then only the test can
	// release it, and must.
	IgnoreCtx bool
	// Entered, if not nil, receives a value (without blocking: it should be
	// buffered) each time a call starts, before it waits on Gate.
	Entered chan struct{}
	// Delay, if positive, makes every call sleep that long after Gate
	// (ctx ending cuts it short). Use it only inside a testing/synctest
	// bubble, where time is fake; elsewhere wait on Gate instead.
	Delay time.Duration
	// Fail, if not nil, is called for each value with its index among all
	// values offered; a non-nil result refuses the value with that error.
	Fail func(v T, i int) error
	// Panic, if not nil, makes a call panic with the value it returns for
	// (v, i), when that is not nil.
	Panic func(v T, i int) any
	// CloseGate, if not nil, makes Close wait on it (or on ctx).
	CloseGate chan struct{}
	// Discard makes the sink count the values it accepts without keeping
	// them, for long runs: Got returns nil and Len still counts.
	Discard bool

	mu      sync.Mutex
	offered int
	taken   int
	got     []T
	closed  bool
	closes  int
}

var _ pipeline.Sink[int] = (*Sink[int])(nil)

// Send records v unless a fault refuses it.
func (s *Sink[T]) Send(ctx context.Context, v T) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.take(v)
}

func (s *Sink[T]) enter(ctx context.Context) error {
	if s.Entered != nil {
		select {
		case s.Entered <- struct{}{}:
		default:
		}
	}
	if s.IgnoreCtx {
		ctx = context.Background()
	}
	if s.Gate != nil {
		select {
		case <-s.Gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.Delay > 0 {
		t := time.NewTimer(s.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// take decides one value; s.mu is held.
func (s *Sink[T]) take(v T) error {
	i := s.offered
	s.offered++
	if s.closed {
		return pipeline.ErrClosed
	}
	if s.Panic != nil {
		if p := s.Panic(v, i); p != nil {
			panic(p)
		}
	}
	if s.Fail != nil {
		if err := s.Fail(v, i); err != nil {
			return err
		}
	}
	s.taken++
	if !s.Discard {
		s.got = append(s.got, v)
	}
	return nil
}

// Close marks the sink closed, after waiting on CloseGate if set.
func (s *Sink[T]) Close(ctx context.Context) error {
	if s.CloseGate != nil {
		select {
		case <-s.CloseGate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.closes++
	return nil
}

// Got returns a copy of the values accepted, in order.
func (s *Sink[T]) Got() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// Len returns how many values were accepted.
func (s *Sink[T]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.taken
}

// Closes returns how many times Close completed.
func (s *Sink[T]) Closes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closes
}

// BatchSink is a [Sink] that is also a pipeline.BatchSender: each SendBatch
// waits on Gate once, then takes values in order until one is refused.
type BatchSink[T any] struct {
	Sink[T]
	batches []int
}

var _ pipeline.BatchSender[int] = (*BatchSink[int])(nil)

// SendBatch takes the leading values of vs that no fault refuses.
func (s *BatchSink[T]) SendBatch(ctx context.Context, vs []T) (int, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, len(vs))
	for i, v := range vs {
		if err := s.take(v); err != nil {
			return i, err
		}
	}
	return len(vs), nil
}

// Batches returns the size of every batch received, in order.
func (s *BatchSink[T]) Batches() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}
