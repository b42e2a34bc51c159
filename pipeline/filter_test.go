package pipeline_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/memory"
)

func isEven(v int) bool { return v%2 == 0 }

func newFilter[T any](t *testing.T, name string, next pipeline.Sink[T], keep func(T) bool) *pipeline.Filter[T] {
	t.Helper()
	f, err := pipeline.NewFilter(name, next, keep)
	if err != nil {
		t.Fatalf("NewFilter: %v", err)
	}
	return f
}

func TestNewFilterRejects(t *testing.T) {
	tests := []struct {
		name string
		next pipeline.Sink[int]
		keep func(int) bool
		want string
	}{
		{name: "nil next", next: nil, keep: isEven, want: "pipeline: NewFilter: next sink is nil"},
		{name: "nil keep", next: new(memory.Sink[int]), keep: nil, want: "pipeline: NewFilter: keep func is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := pipeline.NewFilter("", tt.next, tt.keep)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("NewFilter = %v, %v; want error %q", f, err, tt.want)
			}
			if f != nil {
				t.Errorf("NewFilter returned %v with its error; want nil", f)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	var mem memory.Sink[int]
	f := newFilter(t, "", &mem, isEven)
	for v := range 10 {
		if err := f.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
	if diff := cmp.Diff([]int{0, 2, 4, 6, 8}, mem.All()); diff != "" {
		t.Errorf("delivered values mismatch (-want +got):\n%s", diff)
	}
	want := pipeline.Stats{Name: "filter", Received: 10, Delivered: 5, Filtered: 5}
	if diff := cmp.Diff(want, f.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestFilterName(t *testing.T) {
	f := newFilter(t, "errors-only", new(memory.Sink[int]), isEven)
	if got := f.Stats().Name; got != "errors-only" {
		t.Errorf("Stats().Name = %q; want %q", got, "errors-only")
	}
}

func TestFilterDownstreamError(t *testing.T) {
	var mem memory.Sink[int]
	f := newFilter(t, "", &mem, isEven)
	errBoom := errors.New("boom")
	mem.SetErr(errBoom)

	if err := f.Send(t.Context(), 2); !errors.Is(err, errBoom) {
		t.Errorf("Send(2) with a failing downstream = %v; want %v", err, errBoom)
	}
	if err := f.Send(t.Context(), 3); err != nil {
		t.Errorf("Send(3), filtered out, with a failing downstream = %v; want nil", err)
	}
	want := pipeline.Stats{Name: "filter", Received: 2, Filtered: 1, Failed: 1}
	if diff := cmp.Diff(want, f.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestFilterClose(t *testing.T) {
	var mem memory.Sink[int]
	f := newFilter(t, "", &mem, isEven)
	if err := f.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	if !mem.Closed() {
		t.Error("downstream not closed after Close; a Filter owns its downstream")
	}
	for _, v := range []int{2, 3} { // kept or not, a value after Close is dropped
		if err := f.Send(t.Context(), v); !errors.Is(err, pipeline.ErrClosed) {
			t.Errorf("Send(%d) after Close = %v; want %v", v, err, pipeline.ErrClosed)
		}
	}
	want := pipeline.Stats{Name: "filter", Received: 2, Dropped: 2}
	if diff := cmp.Diff(want, f.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

// closeErrSink is a sink whose Close fails, and counts its calls.
type closeErrSink struct {
	pipeline.SinkFunc[int]
	err    error
	closes int
}

func (s *closeErrSink) Close(context.Context) error {
	s.closes++
	return s.err
}

func TestFilterCloseReturnsDownstreamError(t *testing.T) {
	next := &closeErrSink{SinkFunc: pipeline.Discard[int]().(pipeline.SinkFunc[int]), err: errors.New("flush")}
	f := newFilter(t, "", next, isEven)
	for i := range 2 {
		if err := f.Close(t.Context()); !errors.Is(err, next.err) {
			t.Errorf("Close #%d = %v; want %v", i+1, err, next.err)
		}
	}
	if next.closes != 1 {
		t.Errorf("downstream closed %d times; want 1", next.closes)
	}
}

func TestFilterCloseRecoversDownstreamPanic(t *testing.T) {
	f := newFilter(t, "", panicSink[int]{onClose: "close boom"}, isEven)
	err := f.Close(t.Context())
	var pe *pipeline.PanicError
	if !errors.As(err, &pe) || pe.Value != "close boom" {
		t.Errorf("Close with a panicking downstream = %v; want a *PanicError with value %q", err, "close boom")
	}
}

func TestFilterChildren(t *testing.T) {
	var mem memory.Sink[int]
	f := newFilter(t, "", &mem, isEven)
	got := f.Children()
	if len(got) != 1 || got[0].Edge != "" || got[0].Sink != &mem {
		t.Errorf("Children() = %+v; want the downstream on edge \"\"", got)
	}
}

func TestFilterConformance(t *testing.T) {
	pipelinetest.Run(t, pipelinetest.Harness[int]{
		New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
			mem := new(memory.Sink[int])
			return newFilter(t, "", mem, isEven), mem.All
		},
		Value: func(i int) int { return 2 * i }, // all kept
	})
}
