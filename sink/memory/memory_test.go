package memory_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformance(t *testing.T) {
	pipelinetest.Run(t, pipelinetest.Harness[int]{
		New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
			s := new(memory.Sink[int])
			return s, s.All
		},
		Value: func(i int) int { return i },
	})
}

func TestConformanceStruct(t *testing.T) {
	type rec struct {
		ID   string
		Tags []string
	}
	pipelinetest.Run(t, pipelinetest.Harness[rec]{
		New: func(t *testing.T) (pipeline.Sink[rec], func() []rec) {
			s := new(memory.Sink[rec])
			return s, s.All
		},
		Value: func(i int) rec { return rec{ID: strconv.Itoa(i), Tags: []string{"t"}} },
	})
}

func TestSinkRecordsInOrder(t *testing.T) {
	var s memory.Sink[string]
	ctx := t.Context()
	for _, v := range []string{"a", "b"} {
		if err := s.Send(ctx, v); err != nil {
			t.Fatalf("Send(%q) = %v; want nil", v, err)
		}
	}
	if n, err := s.SendBatch(ctx, []string{"c", "d", "e"}); n != 3 || err != nil {
		t.Fatalf("SendBatch(3 values) = %d, %v; want 3, nil", n, err)
	}
	if err := s.Send(ctx, "f"); err != nil {
		t.Fatalf("Send(%q) = %v; want nil", "f", err)
	}

	want := []string{"a", "b", "c", "d", "e", "f"}
	if diff := cmp.Diff(want, s.All()); diff != "" {
		t.Errorf("All() mismatch (-want +got):\n%s", diff)
	}
	if got := s.Len(); got != len(want) {
		t.Errorf("Len() = %d; want %d", got, len(want))
	}
}

func TestSinkZeroValue(t *testing.T) {
	var s memory.Sink[int]
	if got := s.All(); got != nil {
		t.Errorf("All() of a new sink = %v; want nil", got)
	}
	if got := s.Len(); got != 0 {
		t.Errorf("Len() of a new sink = %d; want 0", got)
	}
	if s.Closed() {
		t.Error("Closed() of a new sink = true; want false")
	}
	want := pipeline.Stats{Name: "memory"}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats() of a new sink mismatch (-want +got):\n%s", diff)
	}
	if err := s.WaitFor(t.Context(), 0); err != nil {
		t.Errorf("WaitFor(0) = %v; want nil", err)
	}
}

func TestAllReturnsCopy(t *testing.T) {
	var s memory.Sink[int]
	mustSend(t, &s, 1, 2)
	got := s.All()
	got[0] = 99
	if diff := cmp.Diff([]int{1, 2}, s.All()); diff != "" {
		t.Errorf("All() after changing an earlier result mismatch (-want +got):\n%s", diff)
	}
}

func TestSendBatchDoesNotRetain(t *testing.T) {
	var s memory.Sink[int]
	vs := []int{1, 2, 3}
	if n, err := s.SendBatch(t.Context(), vs); n != 3 || err != nil {
		t.Fatalf("SendBatch(%v) = %d, %v; want 3, nil", vs, n, err)
	}
	vs[0], vs[1], vs[2] = 7, 8, 9
	if diff := cmp.Diff([]int{1, 2, 3}, s.All()); diff != "" {
		t.Errorf("All() after reusing the batch mismatch (-want +got):\n%s", diff)
	}
}

func TestReset(t *testing.T) {
	var s memory.Sink[int]
	mustSend(t, &s, 1, 2, 3)
	s.Reset()
	if got := s.All(); got != nil {
		t.Errorf("All() after Reset = %v; want nil", got)
	}
	mustSend(t, &s, 4)
	if diff := cmp.Diff([]int{4}, s.All()); diff != "" {
		t.Errorf("All() after Reset and Send mismatch (-want +got):\n%s", diff)
	}
	// The counters are not reset: they count everything ever sent.
	want := pipeline.Stats{Name: "memory", Received: 4, Delivered: 4}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats() after Reset mismatch (-want +got):\n%s", diff)
	}
}

func TestResetKeepsClosed(t *testing.T) {
	var s memory.Sink[int]
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	s.Reset()
	if err := s.Send(t.Context(), 1); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close and Reset = %v; want %v", err, pipeline.ErrClosed)
	}
}

func TestClose(t *testing.T) {
	var s memory.Sink[int]
	mustSend(t, &s, 1, 2)
	for i := range 2 {
		if err := s.Close(t.Context()); err != nil {
			t.Fatalf("Close #%d = %v; want nil", i+1, err)
		}
	}
	if !s.Closed() {
		t.Error("Closed() after Close = false; want true")
	}
	if err := s.Send(t.Context(), 3); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send(3) after Close = %v; want %v", err, pipeline.ErrClosed)
	}
	if n, err := s.SendBatch(t.Context(), []int{4, 5}); n != 0 || !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("SendBatch([4 5]) after Close = %d, %v; want 0, %v", n, err, pipeline.ErrClosed)
	}
	if diff := cmp.Diff([]int{1, 2}, s.All()); diff != "" {
		t.Errorf("All() after Close mismatch (-want +got):\n%s", diff)
	}
	want := pipeline.Stats{Name: "memory", Received: 5, Delivered: 2, Dropped: 3}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

var errBoom = errors.New("boom")

func TestFailNext(t *testing.T) {
	var s memory.Sink[int]
	ctx := t.Context()
	s.FailNext(2, errBoom)

	if err := s.Send(ctx, 1); !errors.Is(err, errBoom) {
		t.Errorf("Send(1) = %v; want %v", err, errBoom)
	}
	if n, err := s.SendBatch(ctx, []int{2, 3}); n != 0 || !errors.Is(err, errBoom) {
		t.Errorf("SendBatch([2 3]) = %d, %v; want 0, %v", n, err, errBoom)
	}
	if err := s.Send(ctx, 4); err != nil {
		t.Errorf("Send(4) after the failures ran out = %v; want nil", err)
	}

	if diff := cmp.Diff([]int{4}, s.All()); diff != "" {
		t.Errorf("All() mismatch (-want +got):\n%s", diff)
	}
	want := pipeline.Stats{Name: "memory", Received: 4, Delivered: 1, Failed: 3}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestFailNextCancel(t *testing.T) {
	tests := []struct {
		name string
		n    int
		err  error
	}{
		{name: "zero", n: 0, err: errBoom},
		{name: "negative", n: -1, err: errBoom},
		{name: "nil error", n: 3, err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s memory.Sink[int]
			s.FailNext(5, errBoom)
			s.FailNext(tt.n, tt.err)
			if err := s.Send(t.Context(), 1); err != nil {
				t.Errorf("Send(1) after FailNext(%d, %v) = %v; want nil", tt.n, tt.err, err)
			}
		})
	}
}

func TestSetErr(t *testing.T) {
	var s memory.Sink[int]
	ctx := t.Context()
	s.SetErr(errBoom)
	for v := range 3 {
		if err := s.Send(ctx, v); !errors.Is(err, errBoom) {
			t.Errorf("Send(%d) = %v; want %v", v, err, errBoom)
		}
	}
	s.SetErr(nil)
	if err := s.Send(ctx, 3); err != nil {
		t.Errorf("Send(3) after SetErr(nil) = %v; want nil", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	s.SetErr(errBoom)
	if err := s.Send(ctx, 4); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send(4) after Close = %v; want %v, which wins over SetErr", err, pipeline.ErrClosed)
	}

	want := pipeline.Stats{Name: "memory", Received: 5, Delivered: 1, Failed: 3, Dropped: 1}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

// The WaitFor tests run in a synctest bubble: synctest.Wait returns once
// every waiter is blocked, so each test exercises the waiting path, and
// can check that a waiter has not returned too early.

func TestWaitFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s memory.Sink[int]
		const n = 100
		done := make(chan error, 1)
		go func() { done <- s.WaitFor(context.Background(), n) }()
		synctest.Wait() // WaitFor is waiting

		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range n / 4 {
					if g == 0 && i == 0 {
						continue // sent last, below
					}
					if err := s.Send(context.Background(), g*n+i); err != nil {
						t.Errorf("Send = %v; want nil", err)
					}
				}
			})
		}
		wg.Wait()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("WaitFor(%d) returned %v with %d values; want it to wait", n, err, s.Len())
		default:
		}

		mustSend(t, &s, 0)
		if err := <-done; err != nil {
			t.Fatalf("WaitFor(%d) = %v; want nil", n, err)
		}
		if got := s.Len(); got != n {
			t.Errorf("Len() = %d; want %d", got, n)
		}
	})
}

func TestWaitForAlreadyThere(t *testing.T) {
	var s memory.Sink[int]
	mustSend(t, &s, 1, 2, 3)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // an ended context does not matter when the values are there
	if err := s.WaitFor(ctx, 3); err != nil {
		t.Errorf("WaitFor(3) with 3 values = %v; want nil", err)
	}
}

func TestWaitForContextEnds(t *testing.T) {
	var s memory.Sink[int]
	mustSend(t, &s, 1, 2)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.WaitFor(ctx, 5)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitFor(5) with 2 values = %v; want %v", err, context.Canceled)
	}
	const want = "memory: waiting for 5 values, have 2: context canceled"
	if err.Error() != want {
		t.Errorf("WaitFor(5) error = %q; want %q", err, want)
	}
}

func TestWaitForContextEndsWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s memory.Sink[int]
		mustSend(t, &s, 1)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- s.WaitFor(ctx, 5) }()
		synctest.Wait()
		mustSend(t, &s, 2) // wakes the waiter, which waits on
		err := <-done      // until the deadline
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitFor(5) with 2 values = %v; want %v", err, context.DeadlineExceeded)
		}
		const want = "memory: waiting for 5 values, have 2: context deadline exceeded"
		if err.Error() != want {
			t.Errorf("WaitFor(5) error = %q; want %q", err, want)
		}
	})
}

func TestWaitForClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s memory.Sink[int]
		mustSend(t, &s, 1)
		done := make(chan error, 1)
		go func() { done <- s.WaitFor(context.Background(), 5) }()
		synctest.Wait() // WaitFor is waiting
		if err := s.Close(t.Context()); err != nil {
			t.Fatalf("Close = %v; want nil", err)
		}
		err := <-done
		if !errors.Is(err, pipeline.ErrClosed) {
			t.Fatalf("WaitFor(5) when the sink closes with 1 value = %v; want %v", err, pipeline.ErrClosed)
		}
		const want = "memory: waiting for 5 values, have 1: pipeline: closed"
		if err.Error() != want {
			t.Errorf("WaitFor(5) error = %q; want %q", err, want)
		}
	})
}

func TestWaitForManyWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s memory.Sink[int]
		const waiters = 5
		var done [waiters + 1]chan error // done[n] reports WaitFor(n)
		for n := 1; n <= waiters; n++ {
			done[n] = make(chan error, 1)
			go func() { done[n] <- s.WaitFor(context.Background(), n) }()
		}
		synctest.Wait() // every WaitFor is waiting
		for v := range waiters {
			mustSend(t, &s, v)
			synctest.Wait()
			// v+1 values: WaitFor(1) to WaitFor(v+1) have returned, the
			// others still wait.
			for n := 1; n <= waiters; n++ {
				select {
				case err := <-done[n]:
					if n > v+1 {
						t.Fatalf("WaitFor(%d) returned %v with %d values; want it to wait", n, err, v+1)
					}
					if err != nil {
						t.Errorf("WaitFor(%d) = %v; want nil", n, err)
					}
				default:
					if n == v+1 {
						t.Fatalf("WaitFor(%d) still waits with %d values", n, v+1)
					}
				}
			}
		}
	})
}

func TestStatsBalanced(t *testing.T) {
	var s memory.Sink[int]
	ctx := t.Context()
	mustSend(t, &s, 1, 2)
	s.FailNext(1, errBoom)
	_ = s.Send(ctx, 3)
	_, _ = s.SendBatch(ctx, []int{4, 5})
	_ = s.Close(ctx)
	_ = s.Send(ctx, 6)

	snap := pipeline.Walk(&s)
	if len(snap) != 1 || snap[0].Path != "memory" {
		t.Fatalf("Walk(sink) = %+v; want one stage at path %q", snap, "memory")
	}
	if u := snap.Unbalanced(); len(u) != 0 {
		t.Errorf("Unbalanced() = %+v; want none", u)
	}
	want := pipeline.Stats{Name: "memory", Received: 6, Delivered: 4, Failed: 1, Dropped: 1}
	if diff := cmp.Diff(want, snap[0].Stats); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

func mustSend[T any](t *testing.T, s *memory.Sink[T], vs ...T) {
	t.Helper()
	for _, v := range vs {
		if err := s.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%v) = %v; want nil", v, err)
		}
	}
}
