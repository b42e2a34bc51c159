package pipeline_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spillway-go/spillway/pipeline"
)

// passStages are the synchronous pass-through stages, each built over next.
var passStages = []struct {
	name string
	make func(*testing.T, pipeline.Sink[int]) pipeline.Sink[int]
}{
	{"filter", func(t *testing.T, next pipeline.Sink[int]) pipeline.Sink[int] {
		return newFilter(t, "", next, isEven)
	}},
	{"map", func(t *testing.T, next pipeline.Sink[int]) pipeline.Sink[int] {
		return newMap(t, "", next, func(v int) int { return v })
	}},
}

// A Close that waits for another Close still closing the downstream gives
// up when its own ctx ends.
func TestPassStageCloseBoundedByItsContext(t *testing.T) {
	for _, st := range passStages {
		t.Run(st.name, func(t *testing.T) {
			next := newGatedCloser()
			s := st.make(t, next)
			first := make(chan error, 1)
			go func() { first <- s.Close(context.Background()) }()
			<-next.entered

			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			second := make(chan error, 1)
			go func() { second <- s.Close(ctx) }()
			select {
			case err := <-second:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Close(ended ctx) while another Close runs = %v; want an error wrapping %v", err, context.Canceled)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Close(ended ctx) still waiting after 10s for another Close; want it to return when its ctx ends")
				defer func() { <-second }() // once the first Close is let go
			}

			close(next.gate)
			if err := <-first; err != nil {
				t.Errorf("first Close = %v; want nil", err)
			}
			if n := next.Closes(); n != 1 {
				t.Errorf("downstream closed %d times; want 1", n)
			}
		})
	}
}

// gatedCloser is a sink whose Close waits on gate, or until its ctx ends,
// and counts the Closes that completed.
type gatedCloser struct {
	pipeline.SinkFunc[int]
	entered chan struct{} // receives a value when a Close starts
	gate    chan struct{}
	closes  atomic.Int32
}

func newGatedCloser() *gatedCloser {
	return &gatedCloser{
		SinkFunc: pipeline.Discard[int]().(pipeline.SinkFunc[int]),
		entered:  make(chan struct{}, 1),
		gate:     make(chan struct{}),
	}
}

func (s *gatedCloser) Close(ctx context.Context) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {
	case <-s.gate:
		s.closes.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *gatedCloser) Closes() int { return int(s.closes.Load()) }

// A Close that its ctx cut short leaves the downstream to a later Close,
// which finishes closing it.
func TestPassStageCloseFinishesWhatAnEndedContextCutShort(t *testing.T) {
	for _, st := range passStages {
		t.Run(st.name, func(t *testing.T) {
			next := newGatedCloser()
			s := st.make(t, next)

			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if err := s.Close(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Close(ended ctx) with a downstream that waits = %v; want an error wrapping %v", err, context.Canceled)
			}
			if n := next.Closes(); n != 0 {
				t.Fatalf("downstream closed %d times by a Close cut short; want 0", n)
			}

			close(next.gate)
			if err := s.Close(t.Context()); err != nil {
				t.Errorf("second Close = %v; want nil, the downstream's result", err)
			}
			if n := next.Closes(); n != 1 {
				t.Errorf("downstream closed %d times; want 1", n)
			}
			if err := s.Send(t.Context(), 2); !errors.Is(err, pipeline.ErrClosed) {
				t.Errorf("Send(2) after Close = %v; want %v", err, pipeline.ErrClosed)
			}
		})
	}
}
