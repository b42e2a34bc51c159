// Package memory provides [Sink], a sink that records every value it is sent
// in memory, for tests, examples and adopters' own tests, in the manner of
// zaptest/observer and OpenTelemetry's consumertest.Sink.
//
// A test sends through a pipeline into a memory sink, waits for the values to
// arrive with [Sink.WaitFor], and compares [Sink.All] with what it expected.
// [Sink.FailNext] and [Sink.SetErr] make the sink refuse values, to exercise
// a stage's error paths.
package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/spillway-go/spillway/pipeline"
)

var (
	_ pipeline.Sink[int]        = (*Sink[int])(nil)
	_ pipeline.BatchSender[int] = (*Sink[int])(nil)
	_ pipeline.StatsReporter    = (*Sink[int])(nil)
)

// A Sink records every value it takes, in the order it took them. It keeps
// the values themselves: a value's mutable parts (slices, maps, pointees)
// stay shared with whoever sent it.
//
// The zero value is an open, empty sink that reports its counters under the
// name "memory". A Sink is safe for concurrent use; it must not be copied
// after first use.
type Sink[T any] struct {
	mu      sync.Mutex
	values  []T
	closed  bool
	arrived chan struct{} // closed and cleared when values arrive or the sink closes; nil if nobody waits
	failN   int           // calls left that fail with failErr
	failErr error
	err     error // refuses every call while set
	stats   pipeline.Stats
}

// Send records v. It returns the error set by [Sink.FailNext] or
// [Sink.SetErr] instead, counting v as failed, and [pipeline.ErrClosed]
// after Close, counting v as dropped. It never blocks on anything but the
// sink's mutex, and ignores ctx.
func (s *Sink[T]) Send(_ context.Context, v T) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Received++
	if err := s.refuse(1); err != nil {
		return err
	}
	s.values = append(s.values, v)
	s.stats.Delivered++
	s.wake()
	return nil
}

// SendBatch records every value of vs and returns len(vs), nil. A refused
// call (see [Sink.Send]) records none of them and returns 0 and the error.
// It does not retain vs.
func (s *Sink[T]) SendBatch(_ context.Context, vs []T) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := uint64(len(vs))
	s.stats.Received += n
	if err := s.refuse(n); err != nil {
		return 0, err
	}
	s.values = append(s.values, vs...)
	s.stats.Delivered += n
	if n > 0 {
		s.wake()
	}
	return len(vs), nil
}

// refuse returns the error a call carrying n values fails with, if any, and
// counts those values. s.mu must be held.
func (s *Sink[T]) refuse(n uint64) error {
	switch {
	case s.closed:
		s.stats.Dropped += n
		return pipeline.ErrClosed
	case s.err != nil:
		s.stats.Failed += n
		return s.err
	case s.failN > 0:
		s.failN--
		s.stats.Failed += n
		return s.failErr
	}
	return nil
}

// wake releases every WaitFor waiting. s.mu must be held.
func (s *Sink[T]) wake() {
	if s.arrived != nil {
		close(s.arrived)
		s.arrived = nil
	}
}

// Close stops the sink: later calls of Send and SendBatch return
// [pipeline.ErrClosed]. The values recorded stay readable. Close is
// idempotent and returns nil.
func (s *Sink[T]) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.wake()
	return nil
}

// Closed reports whether Close has been called, so a test can check that a
// stage closed the sinks it owns.
func (s *Sink[T]) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// All returns a copy of the values recorded since the sink was made or last
// reset, in the order they arrived, or nil if there are none.
func (s *Sink[T]) All() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.values)
}

// Len returns how many values are recorded.
func (s *Sink[T]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values)
}

// Reset discards the values recorded. It keeps the counters, which count
// everything the sink was ever sent, so the accounting of the stages in
// front of it still adds up; it does not reopen a closed sink.
func (s *Sink[T]) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values = nil
}

// WaitFor waits until at least n values are recorded. It returns nil once
// they are, an error wrapping [pipeline.ErrClosed] if the sink closes with
// fewer, and one wrapping ctx.Err() if ctx ends first; both errors say how
// many values had arrived. Values arrive through a queue's drain some time
// after Send returns: WaitFor is how a test waits for them without sleeping.
func (s *Sink[T]) WaitFor(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		have, closed := len(s.values), s.closed
		if have >= n {
			s.mu.Unlock()
			return nil
		}
		if closed {
			s.mu.Unlock()
			return fmt.Errorf("memory: waiting for %d values, have %d: %w", n, have, pipeline.ErrClosed)
		}
		if s.arrived == nil {
			s.arrived = make(chan struct{})
		}
		arrived := s.arrived
		s.mu.Unlock()

		select {
		case <-arrived:
		case <-ctx.Done():
			return fmt.Errorf("memory: waiting for %d values, have %d: %w", n, s.Len(), ctx.Err())
		}
	}
}

// FailNext makes the next n calls of Send or SendBatch fail with err,
// recording nothing; the values they carry count as failed. It replaces
// any earlier FailNext; n <= 0 or a nil err cancels it.
func (s *Sink[T]) FailNext(n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil || n < 0 {
		n = 0
	}
	s.failN, s.failErr = n, err
}

// SetErr makes every later call of Send or SendBatch fail with err,
// recording nothing, until SetErr(nil). The values they carry count as
// failed.
func (s *Sink[T]) SetErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Stats returns the sink's counters under the name "memory". A value the
// sink records counts as delivered; nothing is ever in flight.
func (s *Sink[T]) Stats() pipeline.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Name = "memory"
	return st
}
