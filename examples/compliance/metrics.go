package main

import (
	"context"
	"maps"
	"sync"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
)

// A metricsSink counts calls by outcome, like a metrics exporter would. It
// is a best-effort consumer: the fanout isolates it behind its own queue
// with strategy.Drop and marks it optional, so it may miss values under
// load but never slows or fails the audit trail.
type metricsSink struct {
	mu        sync.Mutex
	byOutcome map[string]int
	closed    bool
	counters  pipeline.Counters
}

var (
	_ pipeline.Sink[event.CallEvent] = (*metricsSink)(nil)
	_ pipeline.StatsReporter         = (*metricsSink)(nil)
)

func (m *metricsSink) Send(_ context.Context, e event.CallEvent) error {
	m.counters.AddReceived(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		m.counters.AddDropped(1)
		return pipeline.ErrClosed
	}
	if m.byOutcome == nil {
		m.byOutcome = map[string]int{}
	}
	m.byOutcome[e.Outcome().Kind().String()]++
	m.counters.AddDelivered(1)
	return nil
}

func (m *metricsSink) Close(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func (m *metricsSink) Stats() pipeline.Stats { return m.counters.Stats("metrics") }

// counts returns a copy of the counts by outcome kind.
func (m *metricsSink) counts() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.byOutcome)
}
