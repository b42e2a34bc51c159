package pipelinetest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// listSink is the least a sink must do to pass: a mutex, a closed flag,
// and counters.
type listSink[T any] struct {
	mu       sync.Mutex
	closed   bool
	values   []T
	counters pipeline.Counters
}

func (s *listSink[T]) Send(_ context.Context, v T) error {
	s.counters.AddReceived(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.counters.AddDropped(1)
		return pipeline.ErrClosed
	}
	s.values = append(s.values, v)
	s.counters.AddDelivered(1)
	return nil
}

func (s *listSink[T]) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *listSink[T]) Stats() pipeline.Stats { return s.counters.Stats("list") }

func (s *listSink[T]) all() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.values)
}

func TestRun(t *testing.T) {
	pipelinetest.Run(t, pipelinetest.Harness[int]{
		New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
			s := new(listSink[int])
			return s, s.all
		},
		Value: func(i int) int { return i },
	})
}

// fullSink refuses every third value while open with ErrQueueFull,
// counting it as dropped, as a queue under strategy.Drop does when its
// drain lags.
type fullSink struct {
	listSink[int]
	mu   sync.Mutex
	sent int
}

func (s *fullSink) Send(ctx context.Context, v int) error {
	s.mu.Lock()
	s.sent++
	full := s.sent%3 == 0
	s.mu.Unlock()
	s.listSink.mu.Lock()
	closed := s.listSink.closed
	s.listSink.mu.Unlock()
	if full && !closed {
		s.counters.AddReceived(1)
		s.counters.AddDropped(1)
		return pipeline.ErrQueueFull
	}
	return s.listSink.Send(ctx, v)
}

func TestRunMayRefuse(t *testing.T) {
	pipelinetest.Run(t, pipelinetest.Harness[int]{
		New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
			s := new(fullSink)
			return s, s.all
		},
		Value:     func(i int) int { return i },
		MayRefuse: true,
	})
}

// quietSink reports no counters and cannot be read back: Run checks what
// it can.
type quietSink struct{ list listSink[string] }

func (s *quietSink) Send(ctx context.Context, v string) error { return s.list.Send(ctx, v) }
func (s *quietSink) Close(ctx context.Context) error          { return s.list.Close(ctx) }

func TestRunMinimalHarness(t *testing.T) {
	pipelinetest.Run(t, pipelinetest.Harness[string]{
		New: func(t *testing.T) (pipeline.Sink[string], func() []string) {
			return new(quietSink), nil
		},
	})
}

// Broken sinks, each breaking one rule Run checks. TestRunCatches runs Run
// on each in a child process and checks that it fails, saying why.
var broken = map[string]func() pipeline.Sink[int]{
	// Discard keeps accepting values after Close.
	"AcceptsAfterClose": func() pipeline.Sink[int] { return pipeline.Discard[int]() },
	// uncounted refuses values after Close without counting them.
	"UncountedDrop": func() pipeline.Sink[int] { return new(uncounted) },
	// fullSink refuses values while open, without MayRefuse.
	"RefusesWhileOpen": func() pipeline.Sink[int] { return new(fullSink) },
	// closeOnce fails its second Close.
	"CloseNotIdempotent": func() pipeline.Sink[int] { return new(closeOnce) },
}

type uncounted struct{ listSink[int] }

func (s *uncounted) Stats() pipeline.Stats {
	st := s.listSink.Stats()
	st.Dropped = 0
	st.Received = st.Delivered
	return st
}

type closeOnce struct {
	listSink[int]
	once sync.Once
}

func (s *closeOnce) Close(ctx context.Context) error {
	err := pipeline.ErrClosed
	s.once.Do(func() { err = s.listSink.Close(ctx) })
	return err
}

func TestRunCatches(t *testing.T) {
	if os.Getenv("PIPELINETEST_BROKEN") != "" {
		t.Skip("in the child process")
	}
	tests := []struct {
		name string
		want string
	}{
		{name: "AcceptsAfterClose", want: "Send after Close = <nil>; want an error wrapping pipeline: closed"},
		{name: "UncountedDrop", want: "after 1 values sent after Close, Dropped = 0; want 1"},
		{name: "RefusesWhileOpen", want: "on an open sink = pipeline: queue full; want nil"},
		{name: "CloseNotIdempotent", want: "want <nil>, the result of the first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenSink$", "-test.v")
			cmd.Env = append(os.Environ(), "PIPELINETEST_BROKEN="+tt.name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("Run on a sink that breaks %s passed; want it to fail. Output:\n%s", tt.name, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("Run on a sink that breaks %s failed without saying %q. Output:\n%s", tt.name, tt.want, out)
			}
		})
	}
}

// TestBrokenSink runs Run on the broken sink PIPELINETEST_BROKEN names; it
// is meant to fail, in TestRunCatches' child process.
func TestBrokenSink(t *testing.T) {
	name := os.Getenv("PIPELINETEST_BROKEN")
	if name == "" {
		t.Skip("runs only in TestRunCatches' child process")
	}
	newSink := broken[name]
	if newSink == nil {
		t.Fatalf("no broken sink named %q", name)
	}
	pipelinetest.Run(t, pipelinetest.Harness[int]{
		New:   func(*testing.T) (pipeline.Sink[int], func() []int) { return newSink(), nil },
		Value: func(i int) int { return i },
	})
}
