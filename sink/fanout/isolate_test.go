package fanout_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/memory"
)

// A child that hangs forever, isolated behind its own queue, stalls neither
// the producer nor the other children, and Close returns by its deadline.
func TestIsolatedHungChild(t *testing.T) {
	for _, required := range []bool{false, true} {
		name := "optional"
		if required {
			name = "required"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testIsolatedHungChild(t, required) })
		})
	}
}

func testIsolatedHungChild(t *testing.T, required bool) {
	const n = 100
	hung := &faults.Sink[int]{Gate: make(chan struct{})} // released at the end
	var queued, direct memory.Sink[int]
	var rec recorder
	s, err := fanout.New([]pipeline.Sink[int]{hung, &queued, &direct}, &fanout.Options[int]{
		Optional: []bool{!required},
		Isolate:  []*pipeline.QueueOptions[int]{{Capacity: 4}, {}},
		OnError:  rec.hook,
	})
	if err != nil {
		t.Fatal(err)
	}

	var want []int
	failed := 0
	for i := range n {
		err := s.Send(t.Context(), i)
		switch {
		case err == nil:
		case required && errors.Is(err, pipeline.ErrQueueFull):
			failed++
		default:
			t.Fatalf("Send(%d) = %v; want nil or, with the hung child required, %v", i, err, pipeline.ErrQueueFull)
		}
		want = append(want, i)
	}
	if required && failed == 0 {
		t.Errorf("%d Sends with a required hung child all succeeded; want those its full queue refused to fail", n)
	}
	calls := rec.all()
	if len(calls) == 0 {
		t.Errorf("OnError was never called; want one call per value the hung child's full queue refused")
	}
	for _, c := range calls {
		if c.Child != 0 || c.Err != pipeline.ErrQueueFull.Error() {
			t.Errorf("OnError(%d, %d, %q); want only child 0 refusing with %q", c.V, c.Child, c.Err, pipeline.ErrQueueFull)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err = s.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a hung child = %v; want an error wrapping %v", err, context.DeadlineExceeded)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second { // fake time: exact
		t.Errorf("Close took %v; want it to return by its 5s deadline", elapsed)
	}
	if diff := cmp.Diff(want, direct.All()); diff != "" {
		t.Errorf("direct child values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, queued.All()); diff != "" {
		t.Errorf("isolated healthy child values mismatch (-want +got):\n%s", diff)
	}

	// Release the hung child; a second Close finishes what the first cut
	// short, and then every stage's accounts balance.
	close(hung.Gate)
	if err := s.Close(t.Context()); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
	snap := pipeline.Walk(s)
	if u := snap.Unbalanced(); len(u) != 0 {
		t.Errorf("after Close, unbalanced stages: %+v", u)
	}
	if st, _ := snap.Lookup("fanout[0]/queue"); st.Received != n || st.InFlight != 0 {
		t.Errorf("hung child's queue: %+v; want %d received, none in flight", st, n)
	}
}

// A Send in progress holds Close back from closing the children under it.
func TestCloseWaitsForSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		var after memory.Sink[int]
		s, err := fanout.New([]pipeline.Sink[int]{slow, &after}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sent := make(chan error)
		go func() { sent <- s.Send(context.Background(), 1) }()
		<-slow.Entered
		closed := make(chan error)
		go func() { closed <- s.Close(context.Background()) }()

		synctest.Wait()
		if after.Closed() {
			t.Fatal("Close closed a child while a Send was still on its way to it")
		}
		close(slow.Gate)
		if err := <-sent; err != nil {
			t.Errorf("Send racing Close = %v; want nil", err)
		}
		if err := <-closed; err != nil {
			t.Errorf("Close = %v; want nil", err)
		}
		if diff := cmp.Diff([]int{1}, after.All()); diff != "" {
			t.Errorf("second child values mismatch (-want +got):\n%s", diff)
		}
	})
}

// When ctx ends before the Sends in progress finish, Close closes the
// children anyway and says so.
func TestCloseDeadlineWithSendInProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stuck := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		s, err := fanout.New([]pipeline.Sink[int]{stuck}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sent := make(chan error)
		go func() { sent <- s.Send(context.Background(), 1) }()
		<-stuck.Entered

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close with a Send stuck = %v; want an error wrapping %v", err, context.DeadlineExceeded)
		}
		if stuck.Closes() != 1 {
			t.Errorf("child closed %d times; want 1", stuck.Closes())
		}
		close(stuck.Gate)
		if err := <-sent; !errors.Is(err, pipeline.ErrClosed) {
			t.Errorf("Send into a child closed under it = %v; want %v", err, pipeline.ErrClosed)
		}
	})
}
