package bench_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"

	"github.com/spillway-go/spillway/pipeline"
)

// naiveSink is the baseline: the seed's JsonLinesAuditSink ported as is. A
// bounded channel of events (capacity 1024, as the seed) is drained by one
// goroutine that encodes each event with encoding/json and writes and
// flushes it on its own, one write(2) per event. Send is the seed's
// on_call: a try-send that drops when the channel is full, or, with block,
// a blocking send.
//
// It exists to be measured, not used: Send after Close panics, as sending
// on a closed channel does.
type naiveSink struct {
	ch      chan seedEvent
	block   bool
	w       *bufio.Writer
	done    chan struct{}
	dropped atomic.Uint64
	once    sync.Once
}

var _ pipeline.Sink[seedEvent] = (*naiveSink)(nil)

// naiveCapacity is the seed's DEFAULT_AUDIT_QUEUE_CAPACITY.
const naiveCapacity = 1024

func newNaiveSink(w io.Writer, block bool) *naiveSink {
	s := &naiveSink{
		ch:    make(chan seedEvent, naiveCapacity),
		block: block,
		w:     bufio.NewWriter(w),
		done:  make(chan struct{}),
	}
	go s.drain()
	return s
}

func (s *naiveSink) drain() {
	defer close(s.done)
	for ev := range s.ch {
		line, err := json.Marshal(ev)
		if err != nil {
			continue
		}
		line = append(line, '\n')
		s.w.Write(line)
		s.w.Flush()
	}
	s.w.Flush()
}

// Send queues ev, dropping it when the channel is full unless the sink
// blocks.
func (s *naiveSink) Send(ctx context.Context, ev seedEvent) error {
	if s.block {
		select {
		case s.ch <- ev:
			return nil
		case <-ctx.Done():
			s.dropped.Add(1)
			return ctx.Err()
		}
	}
	select {
	case s.ch <- ev:
		return nil
	default:
		s.dropped.Add(1)
		return pipeline.ErrQueueFull
	}
}

// Close closes the channel and waits for the drain to write what it held.
func (s *naiveSink) Close(ctx context.Context) error {
	s.once.Do(func() { close(s.ch) })
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
