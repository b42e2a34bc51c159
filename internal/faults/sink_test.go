package faults_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestSinkRecords(t *testing.T) {
	var s faults.Sink[int]
	for i := range 3 {
		if err := s.Send(t.Context(), i); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", i, err)
		}
	}
	if diff := cmp.Diff([]int{0, 1, 2}, s.Got()); diff != "" {
		t.Errorf("Got() mismatch (-want +got):\n%s", diff)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	if err := s.Send(t.Context(), 3); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want ErrClosed", err)
	}
	if s.Len() != 3 || s.Closes() != 1 {
		t.Errorf("Len() = %d, Closes() = %d; want 3, 1", s.Len(), s.Closes())
	}
}

func TestSinkFailsThenRecovers(t *testing.T) {
	boom := errors.New("boom")
	s := &faults.Sink[string]{Fail: faults.FailFirst[string](2, boom)}
	var errs []error
	for _, v := range []string{"a", "b", "c"} {
		errs = append(errs, s.Send(t.Context(), v))
	}
	if !errors.Is(errs[0], boom) || !errors.Is(errs[1], boom) || errs[2] != nil {
		t.Errorf("Send results = %v; want boom, boom, nil", errs)
	}
	if diff := cmp.Diff([]string{"c"}, s.Got()); diff != "" {
		t.Errorf("Got() mismatch (-want +got):\n%s", diff)
	}
}

// A panicking sink is what a stage boundary must recover from.
func TestSinkPanics(t *testing.T) {
	s := &faults.Sink[int]{Panic: faults.PanicAt[int](1, "kaboom")}
	if err := pipeline.SafeSend(t.Context(), pipeline.Sink[int](s), 10); err != nil {
		t.Fatalf("SafeSend(10) = %v; want nil", err)
	}
	err := pipeline.SafeSend(t.Context(), pipeline.Sink[int](s), 11)
	var perr *pipeline.PanicError
	if !errors.As(err, &perr) || perr.Value != "kaboom" {
		t.Fatalf("SafeSend(11) = %v; want a *PanicError with kaboom", err)
	}
	if err := pipeline.SafeSend(t.Context(), pipeline.Sink[int](s), 12); err != nil {
		t.Errorf("SafeSend(12) after a panic = %v; want nil (the lock released)", err)
	}
	if diff := cmp.Diff([]int{10, 12}, s.Got()); diff != "" {
		t.Errorf("Got() mismatch (-want +got):\n%s", diff)
	}
}

// Gate holds every Send until the test lets it through; a Send whose ctx
// ends gives up.
func TestSinkGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		done := make(chan error)
		go func() { done <- s.Send(context.Background(), 1) }()
		<-s.Entered
		synctest.Wait()
		if s.Len() != 0 {
			t.Fatalf("Len() = %d while gated; want 0", s.Len())
		}
		s.Gate <- struct{}{}
		if err := <-done; err != nil {
			t.Fatalf("Send through the gate = %v; want nil", err)
		}

		ctx, cancel := context.WithCancel(t.Context())
		go func() { done <- s.Send(ctx, 2) }()
		<-s.Entered
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("gated Send with a canceled ctx = %v; want context.Canceled", err)
		}
		if diff := cmp.Diff([]int{1}, s.Got()); diff != "" {
			t.Errorf("Got() mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestSinkDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &faults.Sink[int]{Delay: time.Second}
		start := time.Now()
		s.Send(t.Context(), 1)
		if d := time.Since(start); d != time.Second {
			t.Errorf("Send took %v of fake time; want 1s", d)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if err := s.Send(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("slow Send past its deadline = %v; want DeadlineExceeded", err)
		}
	})
}

// CloseGate makes Close hang until released or until its ctx ends.
func TestSinkCloseGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &faults.Sink[int]{CloseGate: make(chan struct{})}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if err := s.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("hung Close = %v; want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("hung Close returned after %v; want its 1s deadline", d)
		}
		if s.Closes() != 0 {
			t.Errorf("Closes() = %d after a Close that gave up; want 0", s.Closes())
		}
		close(s.CloseGate)
		if err := s.Close(t.Context()); err != nil || s.Closes() != 1 {
			t.Errorf("Close after release = %v, Closes() = %d; want nil, 1", err, s.Closes())
		}
	})
}

// A BatchSink takes the prefix of a batch that no fault refuses, as
// pipeline.BatchSender says.
func TestBatchSinkPrefix(t *testing.T) {
	boom := errors.New("boom")
	s := &faults.BatchSink[int]{Sink: faults.Sink[int]{Fail: func(v, _ int) error {
		if v == 3 {
			return boom
		}
		return nil
	}}}
	n, err := s.SendBatch(t.Context(), []int{1, 2, 3, 4})
	if n != 2 || !errors.Is(err, boom) {
		t.Errorf("SendBatch = %d, %v; want 2, boom", n, err)
	}
	n, err = s.SendBatch(t.Context(), []int{5, 6})
	if n != 2 || err != nil {
		t.Errorf("SendBatch = %d, %v; want 2, nil", n, err)
	}
	if diff := cmp.Diff([]int{1, 2, 5, 6}, s.Got()); diff != "" {
		t.Errorf("Got() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{4, 2}, s.Batches()); diff != "" {
		t.Errorf("Batches() mismatch (-want +got):\n%s", diff)
	}
}

func TestFailEvery(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		give int
		want []bool // failed, by call
	}{
		{"every 3rd", 3, []bool{false, false, true, false, false, true}},
		{"every call", 1, []bool{true, true, true}},
		{"never", 0, []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := faults.FailEvery[int](tt.give, boom)
			var got []bool
			for i := range tt.want {
				got = append(got, f(0, i) != nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FailEvery(%d) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

// IgnoreCtx makes a gated call wait for the test even after its ctx ends.
func TestSinkIgnoreCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &faults.Sink[int]{Gate: make(chan struct{}), IgnoreCtx: true}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Send(ctx, 1) }()
		cancel()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Send returned %v once its ctx ended; want it stuck until released", err)
		default:
		}
		close(s.Gate)
		if err := <-done; err != nil {
			t.Errorf("released Send = %v; want nil", err)
		}
		if diff := cmp.Diff([]int{1}, s.Got()); diff != "" {
			t.Errorf("Got() mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestSinkDiscard(t *testing.T) {
	s := &faults.Sink[int]{Discard: true}
	for i := range 5 {
		s.Send(t.Context(), i)
	}
	if s.Len() != 5 || s.Got() != nil {
		t.Errorf("Len() = %d, Got() = %v; want 5 counted and none kept", s.Len(), s.Got())
	}
}
