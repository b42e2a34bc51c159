package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
)

// A sampler is a hand-written stage: a Sink that wraps a Sink. It passes on
// every call that did not succeed, and one in every n successful calls,
// counting the successes it leaves out as filtered.
//
// It opts in to the stage tree by implementing pipeline.StatsReporter (its
// counters, kept with a pipeline.Counters) and pipeline.Parent (its
// downstream sink), so a Pipeline's Stats lists it and the stages behind
// it. Like every stage, it is safe for concurrent use, refuses values
// after Close, and closes the sink it owns.
type sampler struct {
	next     pipeline.Sink[event.CallEvent]
	every    uint64
	seen     atomic.Uint64 // successful calls seen
	closed   atomic.Bool
	counters pipeline.Counters
}

var (
	_ pipeline.Sink[event.CallEvent] = (*sampler)(nil)
	_ pipeline.StatsReporter         = (*sampler)(nil)
	_ pipeline.Parent                = (*sampler)(nil)
)

// newSampler returns a sampler that keeps one successful call in every n,
// the first of each n, and every other call.
func newSampler(next pipeline.Sink[event.CallEvent], n int) (*sampler, error) {
	if next == nil {
		return nil, errors.New("sampler: next sink is nil")
	}
	if n < 1 {
		return nil, fmt.Errorf("sampler: keep one in %d: want at least 1", n)
	}
	return &sampler{next: next, every: uint64(n)}, nil
}

// Send passes e on, or counts it as filtered. Every value that arrives is
// counted once, by how it ended: delivered, filtered, failed or dropped.
func (s *sampler) Send(ctx context.Context, e event.CallEvent) error {
	s.counters.AddReceived(1)
	if s.closed.Load() {
		s.counters.AddDropped(1)
		return pipeline.ErrClosed
	}
	if e.Outcome().Kind() == event.OutcomeSuccess && (s.seen.Add(1)-1)%s.every != 0 {
		s.counters.AddFiltered(1)
		return nil
	}
	if err := s.next.Send(ctx, e); err != nil {
		s.counters.AddFailed(1)
		return err
	}
	s.counters.AddDelivered(1)
	return nil
}

// Close stops accepting values and closes the downstream sink.
func (s *sampler) Close(ctx context.Context) error {
	s.closed.Store(true)
	return s.next.Close(ctx)
}

// Stats reports the stage's counters under the name "sample".
func (s *sampler) Stats() pipeline.Stats { return s.counters.Stats("sample") }

// Children returns the downstream sink, so the tree walk goes on past the
// sampler.
func (s *sampler) Children() []pipeline.Child { return []pipeline.Child{{Sink: s.next}} }
