package fallback_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fallback"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

// A primary that hangs instead of failing, behind a queue with
// strategy.BlockFor(d), holds a value at most d before the next tier gets
// it; while it stays hung, later values fall through at once.
func TestHungPrimaryFallsThroughWithinBlockFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 50 * time.Millisecond
		hung := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		q, err := pipeline.NewQueue[int](hung, &pipeline.QueueOptions[int]{
			Capacity: 1,
			Strategy: strategy.BlockFor(d),
		})
		if err != nil {
			t.Fatal(err)
		}
		var second memory.Sink[int]
		var rec recorder
		s, err := fallback.New([]pipeline.Sink[int]{q, &second}, &fallback.Options[int]{OnError: rec.hook})
		if err != nil {
			t.Fatal(err)
		}

		// Value 0 reaches the primary, which hangs; value 1 fills the queue.
		send := func(v int) time.Duration {
			t.Helper()
			start := time.Now()
			if err := s.Send(t.Context(), v); err != nil {
				t.Fatalf("Send(%d) = %v; want nil", v, err)
			}
			return time.Since(start) // fake time: exact
		}
		send(0)
		<-hung.Entered
		send(1)

		if took := send(2); took > d {
			t.Errorf("Send(2) with the primary hung took %v; want at most %v", took, d)
		}
		if took := send(3); took != 0 {
			t.Errorf("Send(3) with the primary still hung took %v; want 0: the queue knows it is stuck", took)
		}
		if diff := cmp.Diff([]int{2, 3}, second.All()); diff != "" {
			t.Errorf("second tier values mismatch (-want +got):\n%s", diff)
		}
		want := []hookCall{{2, 0, pipeline.ErrQueueFull.Error()}, {3, 0, pipeline.ErrQueueFull.Error()}}
		if diff := cmp.Diff(want, rec.all()); diff != "" {
			t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
		}

		close(hung.Gate) // the primary recovers and drains 0 and 1
		closeOK(t, s)
		if diff := cmp.Diff([]int{0, 1}, hung.Got()); diff != "" {
			t.Errorf("primary values mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(counts{Received: 4, Delivered: 2, FellBack: 2}, countsOf(s.Stats())); diff != "" {
			t.Errorf("fallback Stats mismatch (-want +got):\n%s", diff)
		}
		if u := pipeline.Walk(s).Unbalanced(); len(u) != 0 {
			t.Errorf("after Close, unbalanced stages: %+v", u)
		}
	})
}

// A synchronous JSON-lines writer is the natural last tier: it writes
// before Send returns.
func TestJSONLWriterAsLastTier(t *testing.T) {
	var primary memory.Sink[int]
	primary.FailNext(2, errBoom)
	var buf bytes.Buffer
	w, err := jsonl.NewWriter[int](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fallback.New([]pipeline.Sink[int]{&primary, w}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 4 {
		if err := s.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
	if n, err := s.SendBatch(t.Context(), []int{4, 5}); n != 2 || err != nil {
		t.Fatalf("SendBatch([4 5]) = %d, %v; want 2, nil", n, err)
	}
	closeOK(t, s)

	if got, want := buf.String(), "0\n1\n"; got != want {
		t.Errorf("last tier wrote %q; want %q", got, want)
	}
	if diff := cmp.Diff([]int{2, 3, 4, 5}, primary.All()); diff != "" {
		t.Errorf("primary values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(counts{Received: 6, Delivered: 4, FellBack: 2}, countsOf(s.Stats())); diff != "" {
		t.Errorf("fallback Stats mismatch (-want +got):\n%s", diff)
	}
}

// A fallback Sink of synchronous tiers can be a queue's fallback: what the
// queue cannot hold, or could not deliver, goes down the tiers in order.
func TestAsQueueFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The primary refuses every value at first, then recovers. Each
		// of its calls waits on the gate.
		toggle := &faults.Toggle{}
		toggle.Set(true)
		primary := &faults.Sink[int]{
			Fail:    faults.FailWhileOn[int](toggle, errBoom),
			Gate:    make(chan struct{}),
			Entered: make(chan struct{}, 1),
		}
		second := &memory.Sink[int]{}
		second.SetErr(errors.New("second file: disk full"))
		var buf bytes.Buffer
		last, err := jsonl.NewWriter[int](&buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		chain, err := fallback.New([]pipeline.Sink[int]{second, last}, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := pipeline.NewQueue[int](primary, &pipeline.QueueOptions[int]{
			Capacity: 2,
			Strategy: strategy.Fallback,
			Fallback: chain,
		})
		if err != nil {
			t.Fatal(err)
		}

		// Delivery failures: the drain hands values 0 and 1 to the chain.
		for v := range 2 {
			if err := q.Send(t.Context(), v); err != nil {
				t.Fatalf("Send(%d) = %v; want nil", v, err)
			}
		}
		primary.Gate <- struct{}{}
		primary.Gate <- struct{}{}
		synctest.Wait()
		toggle.Set(false)
		<-primary.Entered

		// Overflow: with the primary holding 2 and 3 and 4 queued, a full
		// queue hands 5 to the chain.
		for v := 2; v < 6; v++ {
			if err := q.Send(t.Context(), v); err != nil {
				t.Fatalf("Send(%d) = %v; want nil", v, err)
			}
			if v == 2 {
				<-primary.Entered
			}
		}
		close(primary.Gate)
		if err := q.Close(t.Context()); err != nil {
			t.Fatalf("Close = %v; want nil", err)
		}

		if got, want := buf.String(), "0\n1\n5\n"; got != want {
			t.Errorf("last tier of the queue's fallback wrote %q; want %q", got, want)
		}
		if diff := cmp.Diff([]int{2, 3, 4}, primary.Got()); diff != "" {
			t.Errorf("primary values mismatch (-want +got):\n%s", diff)
		}
		if st := q.Stats(); st.FellBack != 3 || st.Delivered != 3 {
			t.Errorf("queue Stats = %+v; want 3 fell back, 3 delivered", st)
		}
		snap := pipeline.Walk(q)
		if st, _ := snap.Lookup("queue[fallback]/fallback"); st.FellBack != 3 {
			t.Errorf("queue's fallback chain: %+v; want 3 fell back to its last tier", st)
		}
		if u := snap.Unbalanced(); len(u) != 0 {
			t.Errorf("after Close, unbalanced stages: %+v", u)
		}
	})
}

// Closing a fallback Sink closes a queued primary first, so the primary
// drains into its own fallback before the later tiers close.
func TestCloseDrainsPrimaryFirst(t *testing.T) {
	var primary, own, second memory.Sink[int]
	primary.SetErr(errBoom) // every delivery fails, into the queue's own fallback
	q, err := pipeline.NewQueue[int](&primary, &pipeline.QueueOptions[int]{Fallback: &own})
	if err != nil {
		t.Fatal(err)
	}
	s, err := fallback.New([]pipeline.Sink[int]{q, &second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		if err := s.Send(context.Background(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
	closeOK(t, s)
	if diff := cmp.Diff([]int{0, 1, 2}, own.All()); diff != "" {
		t.Errorf("queue's own fallback values mismatch (-want +got):\n%s", diff)
	}
	if second.Len() != 0 {
		t.Errorf("second tier got %v; want nothing: the queue took every value", second.All())
	}
}
