package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var errBoom = errors.New("boom")

// hookCall is one call of Options.OnError.
type hookCall struct {
	V     int
	Child int
	Err   string
}

// recorder collects the calls of an OnError hook.
type recorder struct {
	mu    sync.Mutex
	calls []hookCall
}

func (r *recorder) hook(v int, child int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, hookCall{v, child, err.Error()})
}

func (r *recorder) all() []hookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookCall(nil), r.calls...)
}

// counts is the part of a fanout's Stats a test checks.
type counts struct {
	Received, Delivered, Failed, Dropped uint64
}

func countsOf(st pipeline.Stats) counts {
	return counts{st.Received, st.Delivered, st.Failed, st.Dropped}
}

func sinks(ms []*memory.Sink[int]) []pipeline.Sink[int] {
	out := make([]pipeline.Sink[int], len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

func closeOK(t *testing.T, s pipeline.Sink[int]) {
	t.Helper()
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
}

func TestNewErrors(t *testing.T) {
	two := func() []pipeline.Sink[int] { return []pipeline.Sink[int]{&memory.Sink[int]{}, &memory.Sink[int]{}} }
	tests := []struct {
		name     string
		children []pipeline.Sink[int]
		opts     *fanout.Options[int]
		want     string // a substring of the error
	}{
		{"nil child", []pipeline.Sink[int]{&memory.Sink[int]{}, nil}, nil, "child [1] is nil"},
		{"negative MinSuccess", two(), &fanout.Options[int]{MinSuccess: -1}, "MinSuccess -1"},
		{"MinSuccess above children", two(), &fanout.Options[int]{MinSuccess: 3}, "MinSuccess 3"},
		{"MinSuccess counts only required children", two(),
			&fanout.Options[int]{MinSuccess: 2, Optional: []bool{1: true}}, "MinSuccess 2"},
		{"Optional too long", two(), &fanout.Options[int]{Optional: make([]bool, 3)}, "Optional has 3 entries"},
		{"Isolate too long", two(), &fanout.Options[int]{Isolate: make([]*pipeline.QueueOptions[int], 3)}, "Isolate has 3 entries"},
		{"Isolate with a bad capacity", two(),
			&fanout.Options[int]{Isolate: []*pipeline.QueueOptions[int]{1: {Capacity: -1}}}, "Isolate[1]"},
		{"Isolate with Fallback strategy and no fallback", two(),
			&fanout.Options[int]{Isolate: []*pipeline.QueueOptions[int]{{Strategy: strategy.Fallback}}}, "Isolate[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := fanout.New(tt.children, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, %v; want an error containing %q", s, err, tt.want)
			}
			for i, c := range tt.children {
				if m, ok := c.(*memory.Sink[int]); ok && m.Closed() {
					t.Errorf("after New failed, child [%d] is closed; want it left open", i)
				}
			}
		})
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		fail    []bool // child i refuses every value
		opts    fanout.Options[int]
		wantErr bool
	}{
		{name: "all accept", fail: []bool{false, false, false}},
		{name: "one refuses, all required", fail: []bool{false, true, false}, wantErr: true},
		{name: "first refuses, all required", fail: []bool{true, false, false}, wantErr: true},
		{name: "one refuses, 2 of 3", fail: []bool{false, true, false}, opts: fanout.Options[int]{MinSuccess: 2}},
		{name: "two refuse, 2 of 3", fail: []bool{true, true, false}, opts: fanout.Options[int]{MinSuccess: 2}, wantErr: true},
		{name: "optional refuses", fail: []bool{false, true}, opts: fanout.Options[int]{Optional: []bool{1: true}}},
		{name: "required refuses, optional accepts", fail: []bool{true, false},
			opts: fanout.Options[int]{Optional: []bool{1: true}}, wantErr: true},
		{name: "all optional, all refuse", fail: []bool{true, true}, opts: fanout.Options[int]{Optional: []bool{true, true}}},
		{name: "no children"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := make([]*memory.Sink[int], len(tt.fail))
			var wantHook []hookCall
			for i, fail := range tt.fail {
				ms[i] = &memory.Sink[int]{}
				if fail {
					ms[i].SetErr(errBoom)
					wantHook = append(wantHook, hookCall{7, i, errBoom.Error()})
				}
			}
			var rec recorder
			opts := tt.opts
			opts.OnError = rec.hook
			s, err := fanout.New(sinks(ms), &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer closeOK(t, s)

			err = s.Send(t.Context(), 7)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Send(7) = %v; want error: %t", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, errBoom) {
					t.Errorf("Send(7) = %v; want an error wrapping %v", err, errBoom)
				}
				for i, fail := range tt.fail {
					if label := fmt.Sprintf("[%d] memory", i); fail && !strings.Contains(err.Error(), label) {
						t.Errorf("Send(7) = %v; want it to name child %q", err, label)
					}
				}
			}

			// Every child was offered the value, even after one refused it.
			for i, m := range ms {
				if got := m.Stats().Received; got != 1 {
					t.Errorf("child [%d] received %d values; want 1", i, got)
				}
			}
			if diff := cmp.Diff(wantHook, rec.all()); diff != "" {
				t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
			}
			want := counts{Received: 1, Delivered: 1}
			if tt.wantErr {
				want = counts{Received: 1, Failed: 1}
			}
			if diff := cmp.Diff(want, countsOf(s.Stats())); diff != "" {
				t.Errorf("fanout Stats mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendNeverRetries(t *testing.T) {
	var a, b memory.Sink[int]
	b.FailNext(1, errBoom)
	s, err := fanout.New([]pipeline.Sink[int]{&a, &b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), 1); !errors.Is(err, errBoom) {
		t.Fatalf("Send(1) = %v; want %v", err, errBoom)
	}
	if err := s.Send(t.Context(), 2); err != nil {
		t.Fatalf("Send(2) = %v; want nil", err)
	}
	closeOK(t, s)
	if diff := cmp.Diff([]int{1, 2}, a.All()); diff != "" {
		t.Errorf("child [0] values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2}, b.All()); diff != "" {
		t.Errorf("child [1] values mismatch (-want +got):\n%s", diff)
	}
}

func TestNoChildren(t *testing.T) {
	s, err := fanout.New[int](nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), 1); err != nil {
		t.Errorf("Send(1) = %v; want nil", err)
	}
	if n, err := s.SendBatch(t.Context(), []int{1, 2}); n != 2 || err != nil {
		t.Errorf("SendBatch([1 2]) = %d, %v; want 2, nil", n, err)
	}
	closeOK(t, s)
}

func TestNewCopiesChildren(t *testing.T) {
	var a, b memory.Sink[int]
	children := []pipeline.Sink[int]{&a}
	s, err := fanout.New(children, nil)
	if err != nil {
		t.Fatal(err)
	}
	children[0] = &b
	if err := s.Send(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	closeOK(t, s)
	if a.Len() != 1 || b.Len() != 0 {
		t.Errorf("after changing the slice given to New, children hold %d and %d values; want 1 and 0", a.Len(), b.Len())
	}
}

// batchChild returns a BatchSink that takes the first take values of each
// batch and refuses the rest; take < 0 takes everything.
func batchChild(take int) *faults.BatchSink[int] {
	c := &faults.BatchSink[int]{}
	if take >= 0 {
		c.Fail = func(v, i int) error {
			if i%5 >= take { // batches of 5 in the test below
				return errBoom
			}
			return nil
		}
	}
	return c
}

func TestSendBatch(t *testing.T) {
	tests := []struct {
		name  string
		takes []int // how many values of the batch child i takes; -1 all
		opts  fanout.Options[int]
		want  int
	}{
		{name: "all take all", takes: []int{-1, -1, -1}, want: 5},
		{name: "one short, all required", takes: []int{-1, 2, -1}, want: 2},
		{name: "shortest wins, all required", takes: []int{3, 2, 4}, want: 2},
		{name: "2 of 3: second longest", takes: []int{-1, 2, 3}, opts: fanout.Options[int]{MinSuccess: 2}, want: 3},
		{name: "1 of 3: longest", takes: []int{-1, 2, 0}, opts: fanout.Options[int]{MinSuccess: 1}, want: 5},
		{name: "1 of 3, none whole", takes: []int{1, 2, 0}, opts: fanout.Options[int]{MinSuccess: 1}, want: 2},
		{name: "optional short", takes: []int{-1, 0}, opts: fanout.Options[int]{Optional: []bool{1: true}}, want: 5},
		{name: "required short, optional whole", takes: []int{1, -1}, opts: fanout.Options[int]{Optional: []bool{1: true}}, want: 1},
		{name: "none take any", takes: []int{0, 0}, want: 0},
	}
	batch := []int{10, 11, 12, 13, 14}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			children := make([]pipeline.Sink[int], len(tt.takes))
			bs := make([]*faults.BatchSink[int], len(tt.takes))
			var wantHook []hookCall
			for i, take := range tt.takes {
				bs[i] = batchChild(take)
				children[i] = bs[i]
				if take >= 0 {
					for _, v := range batch[take:] {
						wantHook = append(wantHook, hookCall{v, i, errBoom.Error()})
					}
				}
			}
			var rec recorder
			opts := tt.opts
			opts.OnError = rec.hook
			s, err := fanout.New(children, &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer closeOK(t, s)

			n, err := s.SendBatch(t.Context(), batch)
			if n != tt.want || (err != nil) != (n < len(batch)) {
				t.Fatalf("SendBatch(%v) = %d, %v; want %d and an error iff short", batch, n, err, tt.want)
			}
			if err != nil && !errors.Is(err, errBoom) {
				t.Errorf("SendBatch(%v) = %d, %v; want an error wrapping %v", batch, n, err, errBoom)
			}
			for i, b := range bs {
				if diff := cmp.Diff([]int{len(batch)}, b.Batches()); diff != "" {
					t.Errorf("child [%d] batches mismatch (-want +got):\n%s", i, diff)
				}
			}
			if diff := cmp.Diff(wantHook, rec.all()); diff != "" {
				t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
			}
			want := counts{Received: 5, Delivered: uint64(tt.want), Failed: uint64(5 - tt.want)}
			if diff := cmp.Diff(want, countsOf(s.Stats())); diff != "" {
				t.Errorf("fanout Stats mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendBatchToPlainSinks(t *testing.T) {
	// A child that is not a BatchSender gets one Send per value, up to the
	// first it refuses.
	var got []int
	plain := pipeline.SinkFunc[int](func(_ context.Context, v int) error {
		if v == 12 {
			return errBoom
		}
		got = append(got, v)
		return nil
	})
	var mem memory.Sink[int]
	s, err := fanout.New([]pipeline.Sink[int]{plain, &mem}, &fanout.Options[int]{MinSuccess: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, s)
	if n, err := s.SendBatch(t.Context(), []int{10, 11, 12, 13}); n != 4 || err != nil {
		t.Fatalf("SendBatch = %d, %v; want 4, nil", n, err)
	}
	if diff := cmp.Diff([]int{10, 11}, got); diff != "" {
		t.Errorf("plain child values mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{10, 11, 12, 13}, mem.All()); diff != "" {
		t.Errorf("memory child values mismatch (-want +got):\n%s", diff)
	}
}

func TestSendAfterClose(t *testing.T) {
	var a memory.Sink[int]
	s, err := fanout.New([]pipeline.Sink[int]{&a}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeOK(t, s)
	if !a.Closed() {
		t.Error("after Close, the child is open; want it closed")
	}
	if err := s.Send(t.Context(), 1); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want %v", err, pipeline.ErrClosed)
	}
	if n, err := s.SendBatch(t.Context(), []int{2, 3}); n != 0 || !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("SendBatch after Close = %d, %v; want 0, %v", n, err, pipeline.ErrClosed)
	}
	if diff := cmp.Diff(counts{Received: 3, Dropped: 3}, countsOf(s.Stats())); diff != "" {
		t.Errorf("fanout Stats mismatch (-want +got):\n%s", diff)
	}
	if a.Stats().Received != 0 {
		t.Errorf("child received %d values after Close; want 0", a.Stats().Received)
	}
}

// closeFails is a sink whose Close returns an error.
type closeFails struct{ memory.Sink[int] }

func (c *closeFails) Close(ctx context.Context) error {
	_ = c.Sink.Close(ctx)
	return errBoom
}

func TestCloseJoinsErrors(t *testing.T) {
	var ok memory.Sink[int]
	bad := &closeFails{}
	s, err := fanout.New([]pipeline.Sink[int]{&ok, bad, pipeline.Discard[int]()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Close(t.Context())
	if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "[1] memory") {
		t.Errorf("Close = %v; want an error wrapping %v that names child [1] memory", err, errBoom)
	}
	if !ok.Closed() || !bad.Closed() {
		t.Errorf("after Close, children closed: %t, %t; want both", ok.Closed(), bad.Closed())
	}
	if again := s.Close(t.Context()); again == nil || again.Error() != err.Error() {
		t.Errorf("second Close = %v; want %v", again, err)
	}
}

func TestStatsTree(t *testing.T) {
	var a, b memory.Sink[int]
	s, err := fanout.New([]pipeline.Sink[int]{&a, &b}, &fanout.Options[int]{
		Name:    "audit",
		Isolate: []*pipeline.QueueOptions[int]{1: {Capacity: 8}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New[int](s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := p.Send(t.Context(), i); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", i, err)
		}
	}
	if err := p.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}

	snap := p.Stats()
	var paths []string
	for _, st := range snap {
		paths = append(paths, st.Path)
	}
	wantPaths := []string{"audit", "audit[0]/memory", "audit[1]/queue", "audit[1]/queue/memory"}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("Stats paths mismatch (-want +got):\n%s", diff)
	}
	if u := snap.Unbalanced(); len(u) != 0 {
		t.Errorf("after Close, unbalanced stages: %+v", u)
	}
	for _, path := range wantPaths {
		if st, _ := snap.Lookup(path); st.Delivered != 5 {
			t.Errorf("%s delivered %d; want 5", path, st.Delivered)
		}
	}
}

func TestConformance(t *testing.T) {
	values := func(i int) int { return i }
	t.Run("direct", func(t *testing.T) {
		pipelinetest.Run(t, pipelinetest.Harness[int]{
			New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
				var a, b memory.Sink[int]
				s, err := fanout.New([]pipeline.Sink[int]{&a, &b}, nil)
				if err != nil {
					t.Fatal(err)
				}
				return s, a.All
			},
			Value: values,
		})
	})
	t.Run("isolated", func(t *testing.T) {
		pipelinetest.Run(t, pipelinetest.Harness[int]{
			New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
				var a, b memory.Sink[int]
				s, err := fanout.New([]pipeline.Sink[int]{&a, &b}, &fanout.Options[int]{
					Isolate: []*pipeline.QueueOptions[int]{{Strategy: strategy.Block}, {Strategy: strategy.Block}},
				})
				if err != nil {
					t.Fatal(err)
				}
				return s, b.All
			},
			Value: values,
		})
	})
}
