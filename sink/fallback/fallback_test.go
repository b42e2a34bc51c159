package fallback_test

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
	"github.com/spillway-go/spillway/sink/fallback"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	errBoom  = errors.New("boom")
	errFatal = errors.New("fatal")
)

// hookCall is one call of an OnError hook.
type hookCall struct {
	V    int
	Tier int
	Err  string
}

// recorder collects the calls of an OnError hook.
type recorder struct {
	mu    sync.Mutex
	calls []hookCall
}

func (r *recorder) hook(v int, tier int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, hookCall{v, tier, err.Error()})
}

func (r *recorder) all() []hookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookCall(nil), r.calls...)
}

// counts is the part of a Stats a test checks.
type counts struct {
	Received, Delivered, FellBack, Failed, Dropped uint64
}

func countsOf(st pipeline.Stats) counts {
	return counts{st.Received, st.Delivered, st.FellBack, st.Failed, st.Dropped}
}

func closeOK(t *testing.T, s pipeline.Sink[int]) {
	t.Helper()
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		give []pipeline.Sink[int]
		want string
	}{
		{"no tiers", nil, "no tiers"},
		{"nil tier", []pipeline.Sink[int]{&memory.Sink[int]{}, nil}, "tier [1] is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := fallback.New(tt.give, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, %v; want an error containing %q", s, err, tt.want)
			}
		})
	}
}

func TestSend(t *testing.T) {
	notFatal := func(err error) bool { return !errors.Is(err, errFatal) }
	tests := []struct {
		name     string
		give     []error // each tier's error; nil accepts
		should   func(error) bool
		wantTier int // the tier that takes the value; -1 none
		want     counts
	}{
		{name: "primary accepts", give: []error{nil, nil}, wantTier: 0,
			want: counts{Received: 1, Delivered: 1}},
		{name: "second tier accepts", give: []error{errBoom, nil, nil}, wantTier: 1,
			want: counts{Received: 1, FellBack: 1}},
		{name: "last tier accepts", give: []error{errBoom, pipeline.ErrQueueFull, nil}, wantTier: 2,
			want: counts{Received: 1, FellBack: 1}},
		{name: "closed primary falls through", give: []error{pipeline.ErrClosed, nil}, wantTier: 1,
			want: counts{Received: 1, FellBack: 1}},
		{name: "every tier refuses", give: []error{errBoom, pipeline.ErrQueueFull}, wantTier: -1,
			want: counts{Received: 1, Failed: 1}},
		{name: "declined error stops", give: []error{errFatal, nil}, should: notFatal, wantTier: -1,
			want: counts{Received: 1, Failed: 1}},
		{name: "accepted error falls through", give: []error{errBoom, nil}, should: notFatal, wantTier: 1,
			want: counts{Received: 1, FellBack: 1}},
		{name: "one tier refuses", give: []error{errBoom}, wantTier: -1,
			want: counts{Received: 1, Failed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := make([]*memory.Sink[int], len(tt.give))
			tiers := make([]pipeline.Sink[int], len(tt.give))
			for i, err := range tt.give {
				ms[i] = &memory.Sink[int]{}
				ms[i].SetErr(err)
				tiers[i] = ms[i]
			}
			var rec recorder
			s, err := fallback.New(tiers, &fallback.Options[int]{ShouldFallback: tt.should, OnError: rec.hook})
			if err != nil {
				t.Fatal(err)
			}
			defer closeOK(t, s)

			err = s.Send(t.Context(), 7)
			if (err == nil) != (tt.wantTier >= 0) {
				t.Fatalf("Send(7) = %v; want error: %t", err, tt.wantTier < 0)
			}

			// The tiers up to the one that decided were offered the value
			// once, the others never; each refusal reached the hook and,
			// when the Send failed, its error.
			var wantHook []hookCall
			last := tt.wantTier
			for i, e := range tt.give {
				if e == nil {
					break
				}
				last = max(last, i)
				wantHook = append(wantHook, hookCall{7, i, e.Error()})
				if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("[%d] memory: %v", i, e)) {
					t.Errorf("Send(7) = %v; want it to hold tier [%d]'s error %v", err, i, e)
				}
				if tt.should != nil && !tt.should(e) {
					break
				}
			}
			for i, m := range ms {
				want := uint64(0)
				if i <= last {
					want = 1
				}
				if got := m.Stats().Received; got != want {
					t.Errorf("tier [%d] received %d values; want %d", i, got, want)
				}
			}
			if tt.wantTier >= 0 {
				if diff := cmp.Diff([]int{7}, ms[tt.wantTier].All()); diff != "" {
					t.Errorf("tier [%d] values mismatch (-want +got):\n%s", tt.wantTier, diff)
				}
			}
			if diff := cmp.Diff(wantHook, rec.all()); diff != "" {
				t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, countsOf(s.Stats())); diff != "" {
				t.Errorf("fallback Stats mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// prefixTier returns a BatchSink that takes the first take values it is
// offered and refuses every later one with err; take < 0 takes all.
func prefixTier(take int, err error) *faults.BatchSink[int] {
	c := &faults.BatchSink[int]{}
	if take >= 0 {
		c.Fail = func(_, i int) error {
			if i >= take {
				return err
			}
			return nil
		}
	}
	return c
}

func TestSendBatch(t *testing.T) {
	batch := []int{10, 11, 12, 13, 14}
	tests := []struct {
		name    string
		takes   []int // how many values tier i takes; -1 all
		should  func(error) bool
		wantN   int
		want    counts
		wantGot [][]int // the values each tier took
	}{
		{name: "primary takes all", takes: []int{-1, -1}, wantN: 5,
			want: counts{Received: 5, Delivered: 5}, wantGot: [][]int{batch, nil}},
		{name: "split across tiers", takes: []int{2, 1, -1}, wantN: 5,
			want:    counts{Received: 5, Delivered: 2, FellBack: 3},
			wantGot: [][]int{{10, 11}, {12}, {13, 14}}},
		{name: "suffix left over", takes: []int{2, 1}, wantN: 3,
			want:    counts{Received: 5, Delivered: 2, FellBack: 1, Failed: 2},
			wantGot: [][]int{{10, 11}, {12}}},
		{name: "declined error stops", takes: []int{3, -1}, should: func(error) bool { return false }, wantN: 3,
			want:    counts{Received: 5, Delivered: 3, Failed: 2},
			wantGot: [][]int{{10, 11, 12}, nil}},
		{name: "primary takes none", takes: []int{0, -1}, wantN: 5,
			want: counts{Received: 5, FellBack: 5}, wantGot: [][]int{nil, batch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := make([]*faults.BatchSink[int], len(tt.takes))
			tiers := make([]pipeline.Sink[int], len(tt.takes))
			for i, take := range tt.takes {
				bs[i] = prefixTier(take, errBoom)
				tiers[i] = bs[i]
			}
			var rec recorder
			s, err := fallback.New(tiers, &fallback.Options[int]{ShouldFallback: tt.should, OnError: rec.hook})
			if err != nil {
				t.Fatal(err)
			}
			defer closeOK(t, s)

			n, err := s.SendBatch(t.Context(), batch)
			if n != tt.wantN || (err != nil) != (n < len(batch)) {
				t.Fatalf("SendBatch(%v) = %d, %v; want %d and an error iff short", batch, n, err, tt.wantN)
			}
			if err != nil && !errors.Is(err, errBoom) {
				t.Errorf("SendBatch(%v) = %d, %v; want an error wrapping %v", batch, n, err, errBoom)
			}
			for i, b := range bs {
				if diff := cmp.Diff(tt.wantGot[i], b.Got()); diff != "" {
					t.Errorf("tier [%d] values mismatch (-want +got):\n%s", i, diff)
				}
			}

			// Each value a tier refused reached the hook once for that tier.
			var wantHook []hookCall
			off := 0
			for i := range tt.takes {
				off += len(tt.wantGot[i])
				if off == len(batch) {
					break
				}
				for _, v := range batch[off:] {
					wantHook = append(wantHook, hookCall{v, i, errBoom.Error()})
				}
				if tt.should != nil { // the cases' ShouldFallback declines every error
					break
				}
			}
			if diff := cmp.Diff(wantHook, rec.all()); diff != "" {
				t.Errorf("OnError calls mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, countsOf(s.Stats())); diff != "" {
				t.Errorf("fallback Stats mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendAfterClose(t *testing.T) {
	var a, b memory.Sink[int]
	s, err := fallback.New([]pipeline.Sink[int]{&a, &b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeOK(t, s)
	if !a.Closed() || !b.Closed() {
		t.Errorf("after Close, tiers closed: %t, %t; want both", a.Closed(), b.Closed())
	}
	if err := s.Send(t.Context(), 1); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want %v", err, pipeline.ErrClosed)
	}
	if n, err := s.SendBatch(t.Context(), []int{2, 3}); n != 0 || !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("SendBatch after Close = %d, %v; want 0, %v", n, err, pipeline.ErrClosed)
	}
	if diff := cmp.Diff(counts{Received: 3, Dropped: 3}, countsOf(s.Stats())); diff != "" {
		t.Errorf("fallback Stats mismatch (-want +got):\n%s", diff)
	}
	if a.Stats().Received+b.Stats().Received != 0 {
		t.Error("a tier received a value sent after Close")
	}
}

// orderedCloser records in a shared log when it is closed.
type orderedCloser struct {
	memory.Sink[int]
	name string
	log  *[]string
	err  error
}

func (c *orderedCloser) Close(ctx context.Context) error {
	*c.log = append(*c.log, c.name)
	_ = c.Sink.Close(ctx)
	return c.err
}

func TestCloseInOrder(t *testing.T) {
	var log []string
	tiers := []pipeline.Sink[int]{
		&orderedCloser{name: "primary", log: &log},
		&orderedCloser{name: "second", log: &log, err: errBoom},
		&orderedCloser{name: "last", log: &log},
	}
	s, err := fallback.New(tiers, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Close(t.Context())
	if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "[1] memory") {
		t.Errorf("Close = %v; want an error wrapping %v that names tier [1] memory", err, errBoom)
	}
	if diff := cmp.Diff([]string{"primary", "second", "last"}, log); diff != "" {
		t.Errorf("Close order mismatch (-want +got):\n%s", diff)
	}
}

func TestStatsTree(t *testing.T) {
	var primary, second memory.Sink[int]
	q, err := pipeline.NewQueue[int](&primary, &pipeline.QueueOptions[int]{Name: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := fallback.New([]pipeline.Sink[int]{q, &second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New[int](s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
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
	wantPaths := []string{"fallback", "fallback[0]/audit", "fallback[0]/audit/memory", "fallback[1]/memory"}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("Stats paths mismatch (-want +got):\n%s", diff)
	}
	if u := snap.Unbalanced(); len(u) != 0 {
		t.Errorf("after Close, unbalanced stages: %+v", u)
	}
}

func TestConformance(t *testing.T) {
	values := func(i int) int { return i }
	both := func(a, b *memory.Sink[int]) func() []int {
		return func() []int { return append(a.All(), b.All()...) }
	}
	t.Run("primary", func(t *testing.T) {
		pipelinetest.Run(t, pipelinetest.Harness[int]{
			New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
				var a, b memory.Sink[int]
				s, err := fallback.New([]pipeline.Sink[int]{&a, &b}, nil)
				if err != nil {
					t.Fatal(err)
				}
				return s, both(&a, &b)
			},
			Value: values,
		})
	})
	t.Run("failed primary", func(t *testing.T) {
		pipelinetest.Run(t, pipelinetest.Harness[int]{
			New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
				var a, b memory.Sink[int]
				a.SetErr(errBoom)
				s, err := fallback.New([]pipeline.Sink[int]{&a, &b}, nil)
				if err != nil {
					t.Fatal(err)
				}
				return s, b.All
			},
			Value: values,
		})
	})
	t.Run("queued primary", func(t *testing.T) {
		pipelinetest.Run(t, pipelinetest.Harness[int]{
			New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
				var a, b memory.Sink[int]
				q, err := pipeline.NewQueue[int](&a, &pipeline.QueueOptions[int]{Capacity: 4, Strategy: strategy.Drop})
				if err != nil {
					t.Fatal(err)
				}
				s, err := fallback.New([]pipeline.Sink[int]{q, &b}, nil)
				if err != nil {
					t.Fatal(err)
				}
				return s, both(&a, &b)
			},
			Value: values,
		})
	})
}
