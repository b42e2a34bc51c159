package pipeline_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/memory"
)

// node is a stage for Walk tests: it reports counters named name, unless
// name is empty, and lists children.
type node struct {
	name     string
	received uint64
	children []pipeline.Child
}

func (n *node) Children() []pipeline.Child { return n.children }

// reporter is a node that reports counters.
type reporter struct{ node }

func (r *reporter) Stats() pipeline.Stats {
	return pipeline.Stats{Name: r.name, Received: r.received, Delivered: r.received}
}

func TestWalkPaths(t *testing.T) {
	leaf := func(name string) *reporter { return &reporter{node{name: name}} }
	tests := []struct {
		name string
		give any
		want []string
	}{
		{
			name: "nil",
			give: nil,
			want: nil,
		},
		{
			name: "not a stage",
			give: 42,
			want: nil,
		},
		{
			name: "one stage",
			give: leaf("memory"),
			want: []string{"memory"},
		},
		{
			name: "chain",
			give: &reporter{node{name: "queue", children: []pipeline.Child{{Sink: leaf("jsonl")}}}},
			want: []string{"queue", "queue/jsonl"},
		},
		{
			name: "fanout edges",
			give: &reporter{node{name: "fanout", children: []pipeline.Child{
				{Edge: "[0]", Sink: leaf("x")},
				{Edge: "[1]", Sink: leaf("x")},
			}}},
			want: []string{"fanout", "fanout[0]/x", "fanout[1]/x"},
		},
		{
			name: "queue with fallback",
			give: &reporter{node{name: "queue", children: []pipeline.Child{
				{Sink: leaf("jsonl")},
				{Edge: "[fallback]", Sink: leaf("stderr")},
			}}},
			want: []string{"queue", "queue/jsonl", "queue[fallback]/stderr"},
		},
		{
			name: "depth first, parents before children",
			give: &reporter{node{name: "fanout", children: []pipeline.Child{
				{Edge: "[0]", Sink: &reporter{node{name: "queue", children: []pipeline.Child{{Sink: leaf("jsonl")}}}}},
				{Edge: "[1]", Sink: leaf("memory")},
			}}},
			want: []string{"fanout", "fanout[0]/queue", "fanout[0]/queue/jsonl", "fanout[1]/memory"},
		},
		{
			name: "silent parent in the middle",
			give: &reporter{node{name: "fanout", children: []pipeline.Child{
				{Edge: "[1]", Sink: &node{children: []pipeline.Child{{Sink: leaf("memory")}}}},
			}}},
			want: []string{"fanout", "fanout[1]/memory"},
		},
		{
			name: "silent root",
			give: &node{children: []pipeline.Child{{Sink: leaf("a")}, {Sink: leaf("b")}}},
			want: []string{"a", "b"},
		},
		{
			name: "silent root with edges",
			give: &node{children: []pipeline.Child{{Edge: "[0]", Sink: leaf("a")}}},
			want: []string{"[0]/a"},
		},
		{
			name: "nil child",
			give: &reporter{node{name: "fanout", children: []pipeline.Child{{Edge: "[0]"}, {Edge: "[1]", Sink: leaf("b")}}}},
			want: []string{"fanout", "fanout[1]/b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, st := range pipeline.Walk(tt.give) {
				got = append(got, st.Path)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Walk paths mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWalkStats(t *testing.T) {
	var mem memory.Sink[int]
	root := &reporter{node{name: "fanout", received: 7, children: []pipeline.Child{{Edge: "[0]", Sink: &mem}}}}
	mustSendMem(t, &mem, 1, 2)

	want := pipeline.Snapshot{
		{Path: "fanout", Stats: pipeline.Stats{Name: "fanout", Received: 7, Delivered: 7}},
		{Path: "fanout[0]/memory", Stats: pipeline.Stats{Name: "memory", Received: 2, Delivered: 2}},
	}
	if diff := cmp.Diff(want, pipeline.Walk(root)); diff != "" {
		t.Errorf("Walk mismatch (-want +got):\n%s", diff)
	}
}

func mustSendMem(t *testing.T, s *memory.Sink[int], vs ...int) {
	t.Helper()
	for _, v := range vs {
		if err := s.Send(t.Context(), v); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", v, err)
		}
	}
}

func TestStatsBalanced(t *testing.T) {
	tests := []struct {
		name string
		give pipeline.Stats
		want bool
	}{
		{name: "zero", give: pipeline.Stats{}, want: true},
		{name: "every outcome", give: pipeline.Stats{Received: 21, Delivered: 1, Filtered: 2, Dropped: 3, Failed: 4, FellBack: 5, InFlight: 6}, want: true},
		{name: "lost", give: pipeline.Stats{Received: 2, Delivered: 1}, want: false},
		{name: "counted twice", give: pipeline.Stats{Received: 1, Delivered: 1, Failed: 1}, want: false},
		{name: "capacity and high water do not count", give: pipeline.Stats{Received: 1, Delivered: 1, Capacity: 8, HighWater: 3}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.Balanced(); got != tt.want {
				t.Errorf("%+v.Balanced() = %v; want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestCounters(t *testing.T) {
	var c pipeline.Counters
	if diff := cmp.Diff(pipeline.Stats{Name: "zero"}, c.Stats("zero")); diff != "" {
		t.Errorf("zero Counters Stats mismatch (-want +got):\n%s", diff)
	}

	c.AddReceived(21)
	c.AddDelivered(1)
	c.AddFiltered(2)
	c.AddDropped(3)
	c.AddFailed(4)
	c.AddFellBack(5)
	want := pipeline.Stats{
		Name: "stage", Received: 21,
		Delivered: 1, Filtered: 2, Dropped: 3, Failed: 4, FellBack: 5,
		InFlight: 6, // received and not yet decided
	}
	got := c.Stats("stage")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
	if !got.Balanced() {
		t.Errorf("%+v.Balanced() = false; want true: InFlight makes up the difference", got)
	}
}

// A value counted twice shows: InFlight does not wrap around to make up the
// difference, and the snapshot does not balance.
func TestCountersCountedTwice(t *testing.T) {
	var c pipeline.Counters
	c.AddReceived(1)
	c.AddDelivered(1)
	c.AddFailed(1)
	got := c.Stats("stage")
	want := pipeline.Stats{Name: "stage", Received: 1, Delivered: 1, Failed: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
	if got.Balanced() {
		t.Errorf("%+v.Balanced() = true; want false: one value counted twice", got)
	}
}

// TestCountersConcurrent adds from many goroutines while others take
// snapshots: every snapshot balances, none has a negative (wrapped)
// InFlight, and the final one counts everything.
func TestCountersConcurrent(t *testing.T) {
	var c pipeline.Counters
	const workers, each = 4, 1000
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range each {
				c.AddReceived(1)
				if i%2 == 0 {
					c.AddDelivered(1)
				} else {
					c.AddDropped(1)
				}
			}
		})
	}
	done := make(chan struct{})
	snapped := make(chan struct{})
	go func() {
		defer close(snapped)
		for {
			st := c.Stats("stage")
			if !st.Balanced() || st.InFlight > st.Received {
				t.Errorf("snapshot while counting %+v; want balanced with InFlight <= Received", st)
				return
			}
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	wg.Wait()
	close(done)
	<-snapped

	want := pipeline.Stats{Name: "stage", Received: workers * each, Delivered: workers * each / 2, Dropped: workers * each / 2}
	if diff := cmp.Diff(want, c.Stats("stage")); diff != "" {
		t.Errorf("final Stats mismatch (-want +got):\n%s", diff)
	}
}
