package fanout_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/memory"
)

// isPanic reports whether err carries a *pipeline.PanicError with value
// "kaboom".
func isPanic(err error) bool {
	var pe *pipeline.PanicError
	return errors.As(err, &pe) && pe.Value == "kaboom"
}

const panicMsg = "pipeline: sink panicked: kaboom"

func TestPanicInSend(t *testing.T) {
	bad := &faults.Sink[int]{Panic: faults.PanicOn(2, "kaboom")}
	var good memory.Sink[int]
	var rec recorder
	s, err := fanout.New([]pipeline.Sink[int]{bad, &good}, &fanout.Options[int]{OnError: rec.hook})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{1, 2, 3} {
		err := s.Send(t.Context(), v)
		if v == 2 {
			if !isPanic(err) {
				t.Errorf("Send(2) into a panicking child = %v; want a *pipeline.PanicError", err)
			}
		} else if err != nil {
			t.Errorf("Send(%d) = %v; want nil", v, err)
		}
	}
	closeOK(t, s)

	if diff := cmp.Diff([]int{1, 2, 3}, good.All()); diff != "" {
		t.Errorf("healthy child values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]hookCall{{2, 0, panicMsg}}, rec.all()); diff != "" {
		t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(counts{Received: 3, Delivered: 2, Failed: 1}, countsOf(s.Stats())); diff != "" {
		t.Errorf("fanout Stats mismatch (-want +got):\n%s", diff)
	}
}

func TestPanicInSendBatch(t *testing.T) {
	bad := &faults.BatchSink[int]{Sink: faults.Sink[int]{Panic: faults.PanicOn(12, "kaboom")}}
	var good memory.Sink[int]
	var rec recorder
	s, err := fanout.New([]pipeline.Sink[int]{bad, &good}, &fanout.Options[int]{OnError: rec.hook})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, s)

	batch := []int{10, 11, 12}
	n, err := s.SendBatch(t.Context(), batch)
	if n != 0 || !isPanic(err) {
		t.Errorf("SendBatch(%v) into a panicking child = %d, %v; want 0 and a *pipeline.PanicError", batch, n, err)
	}
	// After a panic no value of the batch counts as taken by that child.
	want := []hookCall{{10, 0, panicMsg}, {11, 0, panicMsg}, {12, 0, panicMsg}}
	if diff := cmp.Diff(want, rec.all()); diff != "" {
		t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(batch, good.All()); diff != "" {
		t.Errorf("healthy child values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(counts{Received: 3, Failed: 3}, countsOf(s.Stats())); diff != "" {
		t.Errorf("fanout Stats mismatch (-want +got):\n%s", diff)
	}
}

// closePanics is a sink whose Close panics.
type closePanics struct{ memory.Sink[int] }

func (*closePanics) Close(context.Context) error { panic("kaboom") }

func TestPanicInClose(t *testing.T) {
	var good memory.Sink[int]
	s, err := fanout.New([]pipeline.Sink[int]{&closePanics{}, &good}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(t.Context()); !isPanic(err) {
		t.Errorf("Close with a child that panics in Close = %v; want a *pipeline.PanicError", err)
	}
	if !good.Closed() {
		t.Error("healthy child left open after its sibling's Close panicked; want it closed")
	}
}

// A panic behind an isolated child's queue is the queue's to recover: it
// stays out of the fanout's result and reaches the queue's hook and stats.
func TestPanicBehindIsolation(t *testing.T) {
	bad := &faults.Sink[int]{Panic: faults.PanicOn(2, "kaboom")}
	var good memory.Sink[int]
	var queueErrs []error
	s, err := fanout.New([]pipeline.Sink[int]{bad, &good}, &fanout.Options[int]{
		Isolate: []*pipeline.QueueOptions[int]{{
			OnError: func(_ int, err error) { queueErrs = append(queueErrs, err) }, // the drain goroutine only
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{1, 2, 3} {
		if err := s.Send(t.Context(), v); err != nil {
			t.Errorf("Send(%d) = %v; want nil: the isolated child's queue took it", v, err)
		}
	}
	closeOK(t, s)

	if len(queueErrs) != 1 || !isPanic(queueErrs[0]) {
		t.Errorf("queue OnError got %v; want one *pipeline.PanicError", queueErrs)
	}
	snap := pipeline.Walk(s)
	if st, _ := snap.Lookup("fanout[0]/queue"); st.Delivered != 2 || st.Failed != 1 {
		t.Errorf("isolated child's queue: %+v; want 2 delivered, 1 failed", st)
	}
	if diff := cmp.Diff([]int{1, 3}, bad.Got()); diff != "" {
		t.Errorf("panicking child values mismatch (-want +got):\n%s", diff)
	}
}
