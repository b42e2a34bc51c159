package pipeline_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/memory"
)

func newMap[T, U any](t *testing.T, name string, next pipeline.Sink[U], fn func(T) U) *pipeline.Map[T, U] {
	t.Helper()
	m, err := pipeline.NewMap(name, next, fn)
	if err != nil {
		t.Fatalf("NewMap: %v", err)
	}
	return m
}

func TestNewMapRejects(t *testing.T) {
	tests := []struct {
		name string
		next pipeline.Sink[string]
		fn   func(int) string
		want string
	}{
		{name: "nil next", next: nil, fn: strconv.Itoa, want: "pipeline: NewMap: next sink is nil"},
		{name: "nil fn", next: new(memory.Sink[string]), fn: nil, want: "pipeline: NewMap: map func is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := pipeline.NewMap("", tt.next, tt.fn)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("NewMap = %v, %v; want error %q", m, err, tt.want)
			}
			if m != nil {
				t.Errorf("NewMap returned %v with its error; want nil", m)
			}
		})
	}
}

func TestMap(t *testing.T) {
	var mem memory.Sink[string]
	m := newMap(t, "", &mem, strconv.Itoa)
	for _, v := range []int{1, 22, 333} {
		if err := m.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
	if diff := cmp.Diff([]string{"1", "22", "333"}, mem.All()); diff != "" {
		t.Errorf("delivered values mismatch (-want +got):\n%s", diff)
	}
	want := pipeline.Stats{Name: "map", Received: 3, Delivered: 3}
	if diff := cmp.Diff(want, m.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

// TestMapRedacts shows the redaction use: the function copies what it
// changes, so the producer's value is untouched.
func TestMapRedacts(t *testing.T) {
	type call struct {
		Tool string
		Args []string
	}
	redact := func(c call) call {
		c.Args = make([]string, len(c.Args)) // a copy, blank
		return c
	}
	var mem memory.Sink[call]
	m := newMap(t, "redact", &mem, redact)
	orig := call{Tool: "echo", Args: []string{"secret"}}
	if err := m.Send(t.Context(), orig); err != nil {
		t.Fatalf("Send = %v; want nil", err)
	}
	if diff := cmp.Diff([]call{{Tool: "echo", Args: []string{""}}}, mem.All()); diff != "" {
		t.Errorf("delivered values mismatch (-want +got):\n%s", diff)
	}
	if orig.Args[0] != "secret" {
		t.Errorf("producer's value changed to %+v", orig)
	}
}

func TestMapDownstreamError(t *testing.T) {
	var mem memory.Sink[string]
	m := newMap(t, "", &mem, strconv.Itoa)
	errBoom := errors.New("boom")
	mem.FailNext(1, errBoom)
	if err := m.Send(t.Context(), 1); !errors.Is(err, errBoom) {
		t.Errorf("Send(1) with a failing downstream = %v; want %v", err, errBoom)
	}
	if err := m.Send(t.Context(), 2); err != nil {
		t.Errorf("Send(2) = %v; want nil", err)
	}
	want := pipeline.Stats{Name: "map", Received: 2, Delivered: 1, Failed: 1}
	if diff := cmp.Diff(want, m.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestMapClose(t *testing.T) {
	var mem memory.Sink[string]
	calls := 0
	m := newMap(t, "", &mem, func(v int) string { calls++; return strconv.Itoa(v) })
	for i := range 2 {
		if err := m.Close(t.Context()); err != nil {
			t.Fatalf("Close #%d = %v; want nil", i+1, err)
		}
	}
	if !mem.Closed() {
		t.Error("downstream not closed after Close; a Map owns its downstream")
	}
	if err := m.Send(t.Context(), 1); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send(1) after Close = %v; want %v", err, pipeline.ErrClosed)
	}
	if calls != 0 {
		t.Errorf("map func called %d times after Close; want 0", calls)
	}
	want := pipeline.Stats{Name: "map", Received: 1, Dropped: 1}
	if diff := cmp.Diff(want, m.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestMapChildren(t *testing.T) {
	var mem memory.Sink[string]
	m := newMap(t, "", &mem, strconv.Itoa)
	got := m.Children()
	if len(got) != 1 || got[0].Edge != "" || got[0].Sink != &mem {
		t.Errorf("Children() = %+v; want the downstream on edge \"\"", got)
	}
}

func TestMapConformance(t *testing.T) {
	pipelinetest.Run(t, pipelinetest.Harness[int]{
		New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
			mem := new(memory.Sink[string])
			m := newMap(t, "", mem, func(v int) string { return "v" + strconv.Itoa(v) })
			// Map the delivered strings back to the ints that were sent.
			delivered := func() []int {
				var out []int
				for _, s := range mem.All() {
					v, err := strconv.Atoi(strings.TrimPrefix(s, "v"))
					if err != nil {
						t.Errorf("delivered %q, which the map func cannot have made", s)
					}
					out = append(out, v)
				}
				return out
			}
			return m, delivered
		},
		Value: func(i int) int { return i },
	})
}
