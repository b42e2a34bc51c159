package reliability_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// soakEnv sets the soak's duration (a time.ParseDuration string).
const soakEnv = "SPILLWAY_SOAK"

// heapGrowthBound is how much the heap in use may grow over the soak:
// generous, since the point is to catch what grows with the number of
// values, which would be gigabytes.
const heapGrowthBound = 64 << 20

// lineCounter is an io.Writer that counts lines and keeps nothing.
type lineCounter struct{ lines atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines.Add(int64(bytes.Count(p, []byte("\n"))))
	return len(p), nil
}

// A bounded soak: several producers into a fanout of four children with
// four strategies. The audit file (Block, with a fallback file) has a disk
// that fails now and then; the three optional children share a slow
// consumer, behind Drop, BlockFor and Fallback queues. At the end the
// accounting identity holds exactly across the tree, the sums match the
// sends, and the heap in use has not grown.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped under -short")
	}
	d := 20 * time.Second
	if v := os.Getenv(soakEnv); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive duration", soakEnv, v)
		}
	}

	var auditLines, fallbackLines lineCounter
	disk := &faults.Writer{W: &auditLines, Name: "audit.jsonl", Fail: faults.FailEvery[[]byte](97, faults.ErrNoSpace("audit.jsonl"))}
	fb, err := jsonl.NewWriter[event.CallEvent](&fallbackLines, &jsonl.WriterOptions{Name: "fallback"})
	if err != nil {
		t.Fatal(err)
	}
	audit, err := jsonl.New(disk, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Name: "audit", Strategy: strategy.Block, Fallback: fb,
	}})
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	slow := func() *faults.Sink[event.CallEvent] { return &faults.Sink[event.CallEvent]{Gate: gate, Discard: true} }
	dropper, waiter, spiller, spilled := slow(), slow(), slow(), &faults.Sink[event.CallEvent]{Discard: true}
	root, err := fanout.New([]pipeline.Sink[event.CallEvent]{audit, dropper, waiter, spiller}, &fanout.Options[event.CallEvent]{
		Optional: []bool{1: true, 2: true, 3: true},
		Isolate: []*pipeline.QueueOptions[event.CallEvent]{
			1: {Name: "drop", Capacity: 256},
			2: {Name: "blockfor", Capacity: 64, Strategy: strategy.BlockFor(200 * time.Microsecond)},
			3: {Name: "spill", Capacity: 64, Strategy: strategy.Fallback, Fallback: spilled},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New[event.CallEvent](root)
	if err != nil {
		t.Fatal(err)
	}

	// The slow consumer: a token every 50µs, shared by the three children.
	feederDone := make(chan struct{})
	stopFeeder := make(chan struct{})
	go func() {
		defer close(feederDone)
		tick := time.NewTicker(50 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-stopFeeder:
				return
			case <-tick.C:
				select {
				case gate <- struct{}{}:
				default:
				}
			}
		}
	}()

	var sent, refused atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const producers = 4
	for w := range producers {
		wg.Go(func() {
			for i := w; ; i += producers {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				if p.Send(context.Background(), callEvent(i)) != nil {
					refused.Add(1)
				}
			}
		})
	}

	warmup := min(d/10, 2*time.Second)
	time.Sleep(warmup) // run time, not synchronisation
	heapStart := heapInUse()
	time.Sleep(d - warmup)
	close(stop)
	wg.Wait()
	close(stopFeeder)
	<-feederDone
	close(gate) // the slow consumer catches up at once
	closeOK(t, p)
	heapEnd := heapInUse()
	t.Logf("soak %v: %d values sent, %d audit lines, %d fallback lines; heap in use %d KiB after warm-up, %d KiB at the end",
		d, sent.Load(), auditLines.lines.Load(), fallbackLines.lines.Load(), heapStart>>10, heapEnd>>10)

	n := sent.Load()
	snap := quiescent(t, p)
	for _, st := range snap {
		t.Logf("%-24s %+v", st.Path, st.Stats)
	}
	f := stage(t, snap, "fanout")
	a := stage(t, snap, "fanout[0]/audit")
	aw := stage(t, snap, "fanout[0]/audit/writer")
	fw := stage(t, snap, "fanout[0]/audit[fallback]/fallback")
	if refused.Load() != 0 || f.Received != n || f.Delivered != n {
		t.Errorf("fanout %+v, %d Sends refused; want all %d delivered", f, refused.Load(), n)
	}
	if a.Received != n || a.Delivered+a.FellBack != n || a.FellBack == 0 {
		t.Errorf("audit queue %+v; want %d, each written or fallen back, some fallen back", a, n)
	}
	if aw.Delivered != uint64(auditLines.lines.Load()) || aw.Failed != a.FellBack {
		t.Errorf("audit writer %+v, %d lines; want its count of lines, and the fallen back as failed", aw, auditLines.lines.Load())
	}
	if fw.Delivered != a.FellBack || fw.Delivered != uint64(fallbackLines.lines.Load()) {
		t.Errorf("fallback writer %+v, %d lines; want the audit queue's %d", fw, fallbackLines.lines.Load(), a.FellBack)
	}
	for _, c := range []struct {
		path string
		sink *faults.Sink[event.CallEvent]
	}{{"fanout[1]/drop", dropper}, {"fanout[2]/blockfor", waiter}, {"fanout[3]/spill", spiller}} {
		st := stage(t, snap, c.path)
		if st.Received != n || st.Delivered != uint64(c.sink.Len()) || st.Delivered+st.Dropped+st.FellBack != n {
			t.Errorf("%s %+v, child took %d; want %d received, each delivered, dropped or fallen back", c.path, st, c.sink.Len(), n)
		}
		if st.Delivered == n {
			t.Errorf("%s delivered everything; want the slow child to have made it overflow", c.path)
		}
	}
	if sp := stage(t, snap, "fanout[3]/spill"); sp.FellBack != uint64(spilled.Len()) {
		t.Errorf("spill queue fell back %d; its fallback took %d", sp.FellBack, spilled.Len())
	}
	if heapEnd > heapStart+heapGrowthBound {
		t.Errorf("heap in use grew from %d to %d KiB; want at most %d KiB more", heapStart>>10, heapEnd>>10, heapGrowthBound>>10)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
