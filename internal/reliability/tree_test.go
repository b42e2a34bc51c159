package reliability_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fallback"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

// produce sends the values from..to-1 from producers goroutines, each
// taking every producers-th value in order, and fails t on a Send error.
func produce[T any](t *testing.T, s pipeline.Sink[T], producers, from, to int, value func(int) T) {
	t.Helper()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := from + p; i < to; i += producers {
				if err := s.Send(context.Background(), value(i)); err != nil {
					t.Errorf("Send(%d) = %v; want nil", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// readSeqs decodes every line of data strictly and returns the call
// numbers, in file order.
func readSeqs(t *testing.T, name string, data []byte) []int {
	t.Helper()
	var out []int
	for e, err := range jsonl.Read[event.CallEvent](bytes.NewReader(data), nil) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		i, ok := seqOf(e)
		if !ok || !e.Equal(callEvent(i)) {
			t.Fatalf("%s: line for %q is not the event that was sent", name, e.CallID())
		}
		out = append(out, i)
	}
	return out
}

// Fallback chain on write failure: a queue in front of a JSON-lines writer
// whose disk fails every third write, with a fallback Sink of two more
// writers, the first broken for a while. Every value ends in exactly one
// file, and every stage counts it once.
func TestFallbackChainOnWriteFailure(t *testing.T) {
	var broken faults.Toggle
	a := &faults.Writer{Name: "a.jsonl", Fail: faults.FailEvery[[]byte](3, faults.ErrNoSpace("a.jsonl"))}
	b := &faults.Writer{Name: "b.jsonl", Fail: faults.FailWhileOn[[]byte](&broken, syscall.EIO)}
	c := &faults.Writer{Name: "c.jsonl"}
	wb, err := jsonl.NewWriter[event.CallEvent](b, &jsonl.WriterOptions{Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	wc, err := jsonl.NewWriter[event.CallEvent](c, &jsonl.WriterOptions{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := fallback.New([]pipeline.Sink[event.CallEvent]{wb, wc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonl.New(a, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Strategy: strategy.Block, Capacity: 64, MaxBatch: 8, Fallback: chain,
	}})
	if err != nil {
		t.Fatal(err)
	}

	const n = 2000
	broken.Set(true)
	produce(t, s, 4, 0, n/2, callEvent)
	eventually(t, "first half decided", func() bool {
		st := s.Stats()
		return st.Received == n/2 && st.InFlight == 0
	})
	broken.Set(false)
	produce(t, s, 4, n/2, n, callEvent)
	closeOK(t, s)

	snap := quiescent(t, s)
	q := stage(t, snap, "jsonl")
	wa := stage(t, snap, "jsonl/writer")
	fb := stage(t, snap, "jsonl[fallback]/fallback")
	if q.Received != n || q.Failed != 0 || q.Dropped != 0 || q.Delivered+q.FellBack != n || q.FellBack == 0 {
		t.Errorf("queue %+v; want %d received, each delivered or fell back, some fell back", q, n)
	}
	if wa.Delivered != q.Delivered || wa.Failed != q.FellBack {
		t.Errorf("writer a %+v; want %d delivered and %d failed, as the queue saw", wa, q.Delivered, q.FellBack)
	}
	if fb.Received != q.FellBack || fb.Failed != 0 || fb.Delivered == 0 || fb.FellBack == 0 {
		t.Errorf("fallback %+v; want the queue's %d, each taken by b or c, both some", fb, q.FellBack)
	}

	inA := readSeqs(t, "a", a.Bytes())
	inB := readSeqs(t, "b", b.Bytes())
	inC := readSeqs(t, "c", c.Bytes())
	if uint64(len(inA)) != wa.Delivered || uint64(len(inB)) != fb.Delivered || uint64(len(inC)) != fb.FellBack {
		t.Errorf("files hold %d, %d, %d lines; want %d, %d, %d as counted", len(inA), len(inB), len(inC), wa.Delivered, fb.Delivered, fb.FellBack)
	}
	all := slices.Concat(inA, inB, inC)
	slices.Sort(all)
	if diff := cmp.Diff(seqRange(0, n), all); diff != "" {
		t.Errorf("values across the three files mismatch (-want +got):\n%s", diff)
	}
	checkProducerOrder(t, "a", inA, 4)
}

// checkProducerOrder fails t if a producer's values (i%producers) appear
// out of the order it sent them.
func checkProducerOrder(t *testing.T, name string, seqs []int, producers int) {
	t.Helper()
	last := make(map[int]int)
	for _, i := range seqs {
		p := i % producers
		if prev, ok := last[p]; ok && i < prev {
			t.Errorf("%s: producer %d's %d after %d", name, p, i, prev)
			return
		}
		last[p] = i
	}
}

// Fanout isolation: a child stuck in a write that ignores cancellation,
// behind its own Drop queue, stalls neither the producers nor the audit
// file; Close returns by its deadline; once the write returns, a second
// Close finishes, and every value is counted once by every stage.
func TestFanoutIsolatesHungChild(t *testing.T) {
	var auditFile faults.Writer
	audit, err := jsonl.New(&auditFile, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Name: "audit", Strategy: strategy.Block,
	}})
	if err != nil {
		t.Fatal(err)
	}
	hung := &faults.Sink[event.CallEvent]{Gate: make(chan struct{}), IgnoreCtx: true, Entered: make(chan struct{}, 1)}
	var mem memory.Sink[event.CallEvent]
	root, err := fanout.New([]pipeline.Sink[event.CallEvent]{audit, hung, &mem}, &fanout.Options[event.CallEvent]{
		Optional: []bool{1: true},
		Isolate:  []*pipeline.QueueOptions[event.CallEvent]{1: {Name: "hung", Capacity: 16}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New[event.CallEvent](root)
	if err != nil {
		t.Fatal(err)
	}

	const n = 2000
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		produce(t, p, 4, 0, n, callEvent)
	}()
	select {
	case <-produced:
	case <-time.After(20 * time.Second):
		close(hung.Gate)
		t.Fatal("producers stalled behind a hung, isolated child")
	}
	<-hung.Entered
	eventually(t, "audit file written", func() bool { return audit.Stats().Delivered == n })

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := p.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a hung child = %v; want an error wrapping DeadlineExceeded", err)
	}
	close(hung.Gate)
	closeOK(t, p)

	snap := quiescent(t, p)
	f := stage(t, snap, "fanout")
	hq := stage(t, snap, "fanout[1]/hung")
	a := stage(t, snap, "fanout[0]/audit")
	m := stage(t, snap, "fanout[2]/memory")
	if f.Received != n || f.Delivered != n {
		t.Errorf("fanout %+v; want %d received and delivered", f, n)
	}
	if a.Received != n || a.Delivered != n || m.Delivered != n {
		t.Errorf("audit %+v, memory %+v; want every value", a, m)
	}
	if hq.Received != n || hq.Delivered != uint64(hung.Len()) || hq.Delivered+hq.Dropped != n {
		t.Errorf("hung child's queue %+v, child took %d; want %d received, each delivered or dropped", hq, hung.Len(), n)
	}
	if got := readSeqs(t, "audit", auditFile.Bytes()); len(got) != n {
		t.Errorf("audit file holds %d lines; want %d", len(got), n)
	} else {
		checkProducerOrder(t, "audit", got, 4)
	}
}

// panicStage is an adopter's custom pass-through stage with a bug: it
// panics on some values.
type panicStage struct {
	next   pipeline.Sink[int]
	panics func(int) bool
}

func (s *panicStage) Send(ctx context.Context, v int) error {
	if s.panics(v) {
		panic("custom stage bug")
	}
	return s.next.Send(ctx, v)
}

func (s *panicStage) Close(ctx context.Context) error { return s.next.Close(ctx) }

func (s *panicStage) Children() []pipeline.Child { return []pipeline.Child{{Sink: s.next}} }

// A panic in a custom stage at each boundary of one tree: below the queue
// (a pass-through stage), below the fanout (a child), below the fallback
// (its first tier). No panic reaches a producer; every panic is a
// *pipeline.PanicError in a hook; every value is delivered or taken by the
// fallback chain, and every stage counts it once.
//
//	queue(Block, Fallback: fallback[P_b, memory]) -> custom -> fanout[P_f, memory]
func TestPanicAtEveryBoundary(t *testing.T) {
	outerPanics := func(v int) bool { return v%11 == 5 }
	childPanics := func(v int) bool { return v%7 == 3 }
	tierPanics := func(v int) bool { return v%3 == 0 }

	var m1, m2 memory.Sink[int]
	pf := &faults.Sink[int]{Panic: func(v, _ int) any {
		if childPanics(v) {
			return "child bug"
		}
		return nil
	}}
	pb := &faults.Sink[int]{Panic: func(v, _ int) any {
		if tierPanics(v) {
			return "tier bug"
		}
		return nil
	}}
	var hooks struct {
		sync.Mutex
		queue, tier int
		other       []error
	}
	isPanic := func(err error) bool {
		var pe *pipeline.PanicError
		return errors.As(err, &pe)
	}
	fan, err := fanout.New([]pipeline.Sink[int]{pf, &m1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := fallback.New([]pipeline.Sink[int]{pb, &m2}, &fallback.Options[int]{
		OnError: func(v, tier int, err error) {
			hooks.Lock()
			defer hooks.Unlock()
			if tier != 0 || !tierPanics(v) || !isPanic(err) {
				hooks.other = append(hooks.other, err)
			}
			hooks.tier++
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := pipeline.NewQueue[int](&panicStage{next: fan, panics: outerPanics}, &pipeline.QueueOptions[int]{
		Strategy: strategy.Block, Capacity: 32, Fallback: chain,
		OnError: func(v int, err error) {
			hooks.Lock()
			defer hooks.Unlock()
			if !isPanic(err) {
				hooks.other = append(hooks.other, err)
			}
			hooks.queue++
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New[int](q)
	if err != nil {
		t.Fatal(err)
	}

	const n = 2000
	produce(t, p, 4, 0, n, func(i int) int { return i })
	closeOK(t, p)

	var delivered, fellBack, reachedFanout, toTier, toMemory []int
	for v := range n {
		if !outerPanics(v) {
			reachedFanout = append(reachedFanout, v)
		}
		switch {
		case !outerPanics(v) && !childPanics(v):
			delivered = append(delivered, v)
		case tierPanics(v):
			fellBack = append(fellBack, v)
			toMemory = append(toMemory, v)
		default:
			fellBack = append(fellBack, v)
			toTier = append(toTier, v)
		}
	}
	sorted := func(vs []int) []int { vs = slices.Clone(vs); slices.Sort(vs); return vs }
	for _, c := range []struct {
		name      string
		got, want []int
	}{
		{"fanout child", pf.Got(), delivered},
		{"fanout memory", m1.All(), reachedFanout},
		{"fallback tier 0", pb.Got(), toTier},
		{"fallback memory", m2.All(), toMemory},
	} {
		if diff := cmp.Diff(c.want, sorted(c.got)); diff != "" {
			t.Errorf("%s got mismatch (-want +got):\n%s", c.name, diff)
		}
	}

	snap := quiescent(t, p)
	u := func(vs []int) uint64 { return uint64(len(vs)) }
	checks := []struct {
		path string
		want pipeline.Stats
	}{
		{"queue", pipeline.Stats{Received: n, Delivered: u(delivered), FellBack: u(fellBack)}},
		{"queue/fanout", pipeline.Stats{Received: u(reachedFanout), Delivered: u(delivered), Failed: u(reachedFanout) - u(delivered)}},
		{"queue/fanout[1]/memory", pipeline.Stats{Received: u(reachedFanout), Delivered: u(reachedFanout)}},
		{"queue[fallback]/fallback", pipeline.Stats{Received: u(fellBack), Delivered: u(toTier), FellBack: u(toMemory)}},
		{"queue[fallback]/fallback[1]/memory", pipeline.Stats{Received: u(toMemory), Delivered: u(toMemory)}},
	}
	for _, c := range checks {
		got := stage(t, snap, c.path)
		got.Name, got.Capacity, got.HighWater = "", 0, 0
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("stage %s mismatch (-want +got):\n%s", c.path, diff)
		}
	}
	hooks.Lock()
	defer hooks.Unlock()
	if hooks.queue != len(fellBack) || hooks.tier != len(toMemory) || len(hooks.other) != 0 {
		t.Errorf("hooks: queue %d, fallback %d, unexpected %v; want %d and %d panics", hooks.queue, hooks.tier, hooks.other, len(fellBack), len(toMemory))
	}
}

// A panicking io.Writer under a JSON-lines sink: the batch it was writing
// goes to the fallback, the writer carries on, and its counters balance.
func TestPanickingWriter(t *testing.T) {
	disk := &faults.Writer{Panic: faults.PanicAt[[]byte](2, "driver bug")}
	var fbMedium faults.Writer
	fb, err := jsonl.NewWriter[event.CallEvent](&fbMedium, &jsonl.WriterOptions{Name: "fallback"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonl.New(disk, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Strategy: strategy.Block, MaxBatch: 10, Fallback: fb,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for from := 0; from < 100; from += 10 {
		produce(t, s, 1, from, from+10, callEvent)
		eventually(t, "batch decided", func() bool { return s.Stats().InFlight == 0 })
	}
	closeOK(t, s)

	snap := quiescent(t, s)
	q, w := stage(t, snap, "jsonl"), stage(t, snap, "jsonl/writer")
	if q.FellBack == 0 || q.Delivered+q.FellBack != 100 || w.Failed != q.FellBack {
		t.Errorf("queue %+v, writer %+v; want the panicked batch fallen back, the rest written", q, w)
	}
	all := slices.Concat(readSeqs(t, "disk", disk.Bytes()), readSeqs(t, "fallback", fbMedium.Bytes()))
	slices.Sort(all)
	if diff := cmp.Diff(seqRange(0, 100), all); diff != "" {
		t.Errorf("values across disk and fallback mismatch (-want +got):\n%s", diff)
	}
}
