package pipeline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

func TestNewRejectsNilRoot(t *testing.T) {
	p, err := pipeline.New[int](nil)
	const want = "pipeline: New: root sink is nil"
	if err == nil || err.Error() != want {
		t.Fatalf("New(nil) = %v, %v; want error %q", p, err, want)
	}
	if p != nil {
		t.Errorf("New(nil) returned %v with its error; want nil", p)
	}
}

// redactedTree builds filter(even) → map(×10) → memory inside a Pipeline.
func redactedTree(t *testing.T) (*pipeline.Pipeline[int], *memory.Sink[int]) {
	t.Helper()
	mem := new(memory.Sink[int])
	m := newMap(t, "", mem, func(v int) int { return v * 10 })
	f := newFilter[int](t, "", m, isEven)
	p, err := pipeline.New[int](f)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, mem
}

func TestPipelineSendAndClose(t *testing.T) {
	p, mem := redactedTree(t)
	for v := range 5 {
		if err := p.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
	if err := p.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	if !mem.Closed() {
		t.Error("memory sink not closed after the Pipeline's Close")
	}
	if err := p.Send(t.Context(), 6); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send(6) after Close = %v; want %v", err, pipeline.ErrClosed)
	}
	if diff := cmp.Diff([]int{0, 20, 40}, mem.All()); diff != "" {
		t.Errorf("delivered values mismatch (-want +got):\n%s", diff)
	}
}

func TestPipelineSendReturnsRootError(t *testing.T) {
	p, mem := redactedTree(t)
	errBoom := errors.New("boom")
	mem.SetErr(errBoom)
	if err := p.Send(t.Context(), 2); !errors.Is(err, errBoom) {
		t.Errorf("Send(2) = %v; want %v", err, errBoom)
	}
}

func TestPipelineStats(t *testing.T) {
	p, _ := redactedTree(t)
	for v := range 5 {
		_ = p.Send(t.Context(), v)
	}
	_ = p.Close(t.Context())
	_ = p.Send(t.Context(), 6)

	want := pipeline.Snapshot{
		{Path: "filter", Stats: pipeline.Stats{Name: "filter", Received: 6, Delivered: 3, Filtered: 2, Dropped: 1}},
		{Path: "filter/map", Stats: pipeline.Stats{Name: "map", Received: 3, Delivered: 3}},
		{Path: "filter/map/memory", Stats: pipeline.Stats{Name: "memory", Received: 3, Delivered: 3}},
	}
	got := p.Stats()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
	if u := got.Unbalanced(); len(u) != 0 {
		t.Errorf("Unbalanced() = %+v; want none", u)
	}
}

func TestPipelineChildren(t *testing.T) {
	var mem memory.Sink[int]
	p, err := pipeline.New[int](&mem)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	got := p.Children()
	if len(got) != 1 || got[0].Edge != "" || got[0].Sink != &mem {
		t.Errorf("Children() = %+v; want the root on edge \"\"", got)
	}
	// A Pipeline reports no counters of its own, so inside another tree
	// it adds nothing to the paths.
	f := newFilter[int](t, "", p, isEven)
	snap := pipeline.Walk(f)
	var paths []string
	for _, st := range snap {
		paths = append(paths, st.Path)
	}
	if diff := cmp.Diff([]string{"filter", "filter/memory"}, paths); diff != "" {
		t.Errorf("paths of a Pipeline inside a Filter mismatch (-want +got):\n%s", diff)
	}
}

func TestSnapshotLookup(t *testing.T) {
	snap := pipeline.Snapshot{
		{Path: "queue", Stats: pipeline.Stats{Name: "queue", Received: 1, Delivered: 1}},
		{Path: "queue/jsonl", Stats: pipeline.Stats{Name: "jsonl", Received: 1, Failed: 1}},
	}
	tests := []struct {
		give   string
		want   pipeline.Stats
		wantOK bool
	}{
		{give: "queue", want: snap[0].Stats, wantOK: true},
		{give: "queue/jsonl", want: snap[1].Stats, wantOK: true},
		{give: "jsonl", wantOK: false},
		{give: "", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := snap.Lookup(tt.give)
			if ok != tt.wantOK {
				t.Errorf("Lookup(%q) ok = %v; want %v", tt.give, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%q) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

func TestSnapshotUnbalanced(t *testing.T) {
	ok := pipeline.StageStats{Path: "a", Stats: pipeline.Stats{Name: "a", Received: 3, Delivered: 1, Dropped: 1, InFlight: 1}}
	lost := pipeline.StageStats{Path: "a/b", Stats: pipeline.Stats{Name: "b", Received: 3, Delivered: 1}}
	extra := pipeline.StageStats{Path: "a/c", Stats: pipeline.Stats{Name: "c", Received: 1, Delivered: 2}}
	tests := []struct {
		name string
		give pipeline.Snapshot
		want []pipeline.StageStats
	}{
		{name: "empty", give: nil, want: nil},
		{name: "balanced", give: pipeline.Snapshot{ok}, want: nil},
		{name: "some", give: pipeline.Snapshot{ok, lost, extra}, want: []pipeline.StageStats{lost, extra}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.give.Unbalanced()); diff != "" {
				t.Errorf("Unbalanced() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPipelineConformance(t *testing.T) {
	pipelinetest.Run(t, pipelinetest.Harness[int]{
		New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
			mem := new(memory.Sink[int])
			p, err := pipeline.New[int](newFilter[int](t, "", mem, isEven))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			return p, mem.All
		},
		Value: func(i int) int { return 2 * i },
	})
}

// A Pipeline is itself a Sink, closable like any.
var _ pipeline.Sink[int] = (*pipeline.Pipeline[int])(nil)

func TestPipelineCloseContext(t *testing.T) {
	p, _ := redactedTree(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	// Synchronous stages have nothing to wait for: Close succeeds even on
	// an ended context.
	if err := p.Close(ctx); err != nil {
		t.Errorf("Close(ended ctx) of synchronous stages = %v; want nil", err)
	}
}

func TestQueuePassesConformance(t *testing.T) {
	tests := []struct {
		name string
		opts pipeline.QueueOptions[int]
	}{
		{name: "defaults", opts: pipeline.QueueOptions[int]{}},
		{name: "drop small", opts: pipeline.QueueOptions[int]{Capacity: 4}},
		{name: "block small", opts: pipeline.QueueOptions[int]{Capacity: 4, Strategy: strategy.Block}},
		{name: "block for small", opts: pipeline.QueueOptions[int]{Capacity: 4, Strategy: strategy.BlockFor(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pipelinetest.Run(t, pipelinetest.Harness[int]{
				New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
					mem := new(memory.Sink[int])
					opts := tt.opts
					q, err := pipeline.NewQueue[int](mem, &opts)
					if err != nil {
						t.Fatalf("NewQueue: %v", err)
					}
					return q, mem.All
				},
				Value: func(i int) int { return i },
				// A small queue may be full when its drain lags.
				MayRefuse: tt.opts.Capacity != 0 && tt.opts.Strategy != strategy.Block,
			})
		})
	}
}
