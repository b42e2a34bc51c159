package fallback_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fallback"
	"github.com/spillway-go/spillway/sink/memory"
)

// Panic isolation at the fallback and queue boundaries: a custom sink that
// panics in Send, SendBatch or Close crashes neither the producer nor a
// drain goroutine. The panic becomes a *pipeline.PanicError carrying the
// panic value, counts as failed (or fell back), reaches the hook, and the
// value goes to the fallback when there is one.

const panicMsg = "pipeline: sink panicked: kaboom"

// isPanic reports whether err carries a *pipeline.PanicError with value
// "kaboom".
func isPanic(err error) bool {
	var pe *pipeline.PanicError
	return errors.As(err, &pe) && pe.Value == "kaboom"
}

// closePanics is a sink whose Close panics.
type closePanics struct{ memory.Sink[int] }

func (*closePanics) Close(context.Context) error { panic("kaboom") }

func TestFallbackPanicInSend(t *testing.T) {
	bad := &faults.Sink[int]{Panic: faults.PanicOn(2, "kaboom")}
	var next memory.Sink[int]
	var rec recorder
	s, err := fallback.New([]pipeline.Sink[int]{bad, &next}, &fallback.Options[int]{OnError: rec.hook})
	if err != nil {
		t.Fatal(err)
	}
	for v := range 4 {
		if err := s.Send(t.Context(), v); err != nil {
			t.Errorf("Send(%d) = %v; want nil: the next tier takes what the primary panicked on", v, err)
		}
	}
	closeOK(t, s)
	if diff := cmp.Diff([]int{0, 1, 3}, bad.Got()); diff != "" {
		t.Errorf("primary values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2}, next.All()); diff != "" {
		t.Errorf("next tier values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]hookCall{{2, 0, panicMsg}}, rec.all()); diff != "" {
		t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(counts{Received: 4, Delivered: 3, FellBack: 1}, countsOf(s.Stats())); diff != "" {
		t.Errorf("fallback Stats mismatch (-want +got):\n%s", diff)
	}
}

func TestFallbackPanicInEveryTier(t *testing.T) {
	s, err := fallback.New([]pipeline.Sink[int]{
		&faults.Sink[int]{Panic: faults.PanicOn(1, "kaboom")},
		&faults.Sink[int]{Panic: faults.PanicOn(1, "kaboom")},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(t.Context(), 1)
	if !isPanic(err) {
		t.Errorf("Send(1) into tiers that all panic = %v; want a *pipeline.PanicError", err)
	}
	closeOK(t, s)
	if diff := cmp.Diff(counts{Received: 1, Failed: 1}, countsOf(s.Stats())); diff != "" {
		t.Errorf("fallback Stats mismatch (-want +got):\n%s", diff)
	}
}

func TestFallbackPanicInSendBatch(t *testing.T) {
	bad := &faults.BatchSink[int]{Sink: faults.Sink[int]{Panic: faults.PanicOn(12, "kaboom")}}
	var next memory.Sink[int]
	var rec recorder
	s, err := fallback.New([]pipeline.Sink[int]{bad, &next}, &fallback.Options[int]{OnError: rec.hook})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, s)
	batch := []int{10, 11, 12}
	if n, err := s.SendBatch(t.Context(), batch); n != 3 || err != nil {
		t.Errorf("SendBatch(%v) = %d, %v; want 3, nil", batch, n, err)
	}
	// After a panic inside SendBatch no value counts as taken, so the next
	// tier gets the whole batch.
	if diff := cmp.Diff(batch, next.All()); diff != "" {
		t.Errorf("next tier values mismatch (-want +got):\n%s", diff)
	}
	want := []hookCall{{10, 0, panicMsg}, {11, 0, panicMsg}, {12, 0, panicMsg}}
	if diff := cmp.Diff(want, rec.all()); diff != "" {
		t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
	}
}

func TestFallbackPanicInClose(t *testing.T) {
	var next memory.Sink[int]
	s, err := fallback.New([]pipeline.Sink[int]{&closePanics{}, &next}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); !isPanic(err) {
		t.Errorf("Close with a tier that panics in Close = %v; want a *pipeline.PanicError", err)
	}
	if !next.Closed() {
		t.Error("next tier left open after the primary's Close panicked; want it closed")
	}
}

// queueHooks records a queue's OnError calls, which run on its drain.
type queueHooks struct {
	mu   sync.Mutex
	errs map[int]error
}

func (h *queueHooks) onError(v int, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.errs == nil {
		h.errs = map[int]error{}
	}
	h.errs[v] = err
}

func (h *queueHooks) get() map[int]error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.errs
}

func TestQueuePanicInSend(t *testing.T) {
	for _, withFallback := range []bool{true, false} {
		name := "no fallback"
		if withFallback {
			name = "fallback"
		}
		t.Run(name, func(t *testing.T) {
			bad := &faults.Sink[int]{Panic: faults.PanicOn(1, "kaboom")}
			var fb memory.Sink[int]
			var hooks queueHooks
			opts := &pipeline.QueueOptions[int]{OnError: hooks.onError}
			if withFallback {
				opts.Fallback = &fb
			}
			q, err := pipeline.NewQueue[int](bad, opts)
			if err != nil {
				t.Fatal(err)
			}
			for v := range 3 {
				if err := q.Send(t.Context(), v); err != nil {
					t.Fatalf("Send(%d) = %v; want nil", v, err)
				}
			}
			closeOK(t, q) // the drain survived the panic to drain 2

			if diff := cmp.Diff([]int{0, 2}, bad.Got()); diff != "" {
				t.Errorf("panicking sink values mismatch (-want +got):\n%s", diff)
			}
			errs := hooks.get()
			if len(errs) != 1 || !isPanic(errs[1]) {
				t.Errorf("queue OnError got %v; want one *pipeline.PanicError, for value 1", errs)
			}
			st := q.Stats()
			if withFallback {
				if diff := cmp.Diff([]int{1}, fb.All()); diff != "" {
					t.Errorf("fallback values mismatch (-want +got):\n%s", diff)
				}
				if st.FellBack != 1 || st.Failed != 0 {
					t.Errorf("queue Stats = %+v; want 1 fell back, 0 failed", st)
				}
			} else if st.Failed != 1 || st.FellBack != 0 {
				t.Errorf("queue Stats = %+v; want 1 failed, 0 fell back", st)
			}
			if st.Delivered != 2 || !st.Balanced() {
				t.Errorf("queue Stats = %+v; want 2 delivered and balanced", st)
			}
		})
	}
}

func TestQueuePanicInSendBatch(t *testing.T) {
	bad := &faults.BatchSink[int]{Sink: faults.Sink[int]{Panic: faults.PanicOn(1, "kaboom")}}
	var fb memory.Sink[int]
	var hooks queueHooks
	q, err := pipeline.NewQueue[int](bad, &pipeline.QueueOptions[int]{OnError: hooks.onError, Fallback: &fb})
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		if err := q.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
	closeOK(t, q)

	// A panic inside SendBatch takes none of the batch: every value of the
	// batches that held 1 went to the fallback, and nothing was lost.
	errs := hooks.get()
	if !isPanic(errs[1]) {
		t.Errorf("queue OnError for value 1 = %v; want a *pipeline.PanicError", errs[1])
	}
	st := q.Stats()
	if st.FellBack != uint64(fb.Len()) || st.FellBack < 1 || st.Failed != 0 || !st.Balanced() {
		t.Errorf("queue Stats = %+v with %d values in the fallback; want at least 1 fell back, all of them there, none failed",
			st, fb.Len())
	}
	if st.Delivered+st.FellBack != 3 {
		t.Errorf("queue Stats = %+v; want the 3 values delivered or fallen back", st)
	}
}

func TestQueuePanicInClose(t *testing.T) {
	var fb memory.Sink[int]
	q, err := pipeline.NewQueue[int](&closePanics{}, &pipeline.QueueOptions[int]{Fallback: &fb})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Close(t.Context()); !isPanic(err) {
		t.Errorf("Close of a queue whose downstream panics in Close = %v; want a *pipeline.PanicError", err)
	}
	if !fb.Closed() {
		t.Error("queue's fallback left open after the downstream's Close panicked; want it closed")
	}
}

// The boundaries compose: a panicking sink behind a queue that is the
// primary tier of a fallback Sink never reaches the producer.
func TestPanicBehindQueuedPrimary(t *testing.T) {
	bad := &faults.Sink[int]{Panic: func(int, int) any { return "kaboom" }}
	var own, next memory.Sink[int]
	q, err := pipeline.NewQueue[int](bad, &pipeline.QueueOptions[int]{Fallback: &own})
	if err != nil {
		t.Fatal(err)
	}
	s, err := fallback.New([]pipeline.Sink[int]{q, &next}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		if err := s.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
	closeOK(t, s)
	if diff := cmp.Diff([]int{0, 1, 2}, own.All()); diff != "" {
		t.Errorf("queue's fallback values mismatch (-want +got):\n%s", diff)
	}
	if u := pipeline.Walk(s).Unbalanced(); len(u) != 0 {
		t.Errorf("after Close, unbalanced stages: %+v", u)
	}
}
