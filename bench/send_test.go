package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/spillway-go/spillway/bench/internal/events"
	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// A sendCase is one strategy column of BenchmarkSend.
type sendCase struct {
	name  string
	strat strategy.Strategy
	naive bool // the seed ported as is, instead of a jsonl.Sink
}

// blockForTimeout is how long the block_for strategy waits for room.
const blockForTimeout = time.Millisecond

var sendCases = []sendCase{
	{name: "drop", strat: strategy.Drop},
	{name: "block", strat: strategy.Block},
	{name: "block_for", strat: strategy.BlockFor(blockForTimeout)},
	{name: "fallback", strat: strategy.Fallback},
	{name: "naive_drop", naive: true},
}

// BenchmarkSend measures the latency of Send on the producer's side, for
// each load shape, strategy and number of producers (see the package
// documentation).
func BenchmarkSend(b *testing.B) {
	for _, shape := range []string{"burst", "paced", "full"} {
		b.Run("shape="+shape, func(b *testing.B) {
			for _, c := range sendCases {
				if shape == "full" && c.strat == strategy.Block && !c.naive {
					continue // its Send waits until its context ends
				}
				b.Run("strategy="+c.name, func(b *testing.B) {
					for _, producers := range []int{1, 8} {
						b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) {
							if c.naive {
								base := seedTypical()
								sub := naiveSubject(b, shape, func(seq uint64) seedEvent {
									e := base
									e.DurationMS = seq
									return e
								})
								measureSends(b, sub, producers, shape == "paced")
								return
							}
							base := events.Typical()
							sub := spillwaySubject(b, shape, c.strat, base.WithDurationMS)
							measureSends(b, sub, producers, shape == "paced")
						})
					}
				})
			}
		})
	}
}

// A subject is a sink under measurement and what the harness needs around
// it.
type subject[T any] struct {
	sink pipeline.Sink[T]
	// make returns the event to send with sequence number seq (in its
	// duration_ms), so that a landRecorder can match its line.
	make func(seq uint64) T
	// landed, for paced runs, records when each event's line was written.
	landed *landRecorder
	// release unstalls the downstream of a full run; nil otherwise.
	release func()
	// cleanup closes what the sink does not own, after the sink.
	cleanup func() error
}

// spillwaySubject opens a jsonl.Sink with strategy st for the shape: over
// a file (burst), over a file whose writes are timed (paced), or over a
// writer stalled inside Write, with the queue already full (full).
func spillwaySubject(b *testing.B, shape string, st strategy.Strategy, mk func(uint64) event.CallEvent) *subject[event.CallEvent] {
	dir := b.TempDir()
	opts := &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{Strategy: st}}
	if st.Kind() == strategy.KindFallback {
		fb, err := jsonl.OpenWriter[event.CallEvent](filepath.Join(dir, "fallback.jsonl"), nil)
		if err != nil {
			b.Fatal(err)
		}
		opts.Queue.Fallback = fb
	}
	sub := &subject[event.CallEvent]{make: mk, cleanup: func() error { return nil }}
	path := filepath.Join(dir, "audit.jsonl")
	var err error
	switch shape {
	case "burst":
		sub.sink, err = jsonl.Open(path, opts)
	case "paced":
		var f *os.File
		f, err = os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		sub.landed = newLandRecorder(f, b.N)
		sub.cleanup = f.Close
		sub.sink, err = jsonl.New(sub.landed, opts)
	case "full":
		g := newGateWriter()
		sub.release = g.open
		sub.sink, err = jsonl.New(g, opts)
		if err == nil {
			fill(b, sub.sink, mk(0), g, pipeline.DefaultCapacity)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	return sub
}

// naiveSubject opens the baseline for the shape, as spillwaySubject does.
func naiveSubject(b *testing.B, shape string, mk func(uint64) seedEvent) *subject[seedEvent] {
	sub := &subject[seedEvent]{make: mk}
	switch shape {
	case "burst", "paced":
		f, err := os.Create(filepath.Join(b.TempDir(), "audit.jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		sub.cleanup = f.Close
		var w io.Writer = f
		if shape == "paced" {
			sub.landed = newLandRecorder(f, b.N)
			w = sub.landed
		}
		sub.sink = newNaiveSink(w, false)
	case "full":
		g := newGateWriter()
		sub.release = g.open
		sub.cleanup = func() error { return nil }
		sub.sink = newNaiveSink(g, false)
		fill(b, sub.sink, mk(0), g, naiveCapacity)
	}
	return sub
}

// fill sends one value and waits for the drain to be stuck writing it to
// g, then fills the queue's capacity n, so that the next Send finds it
// full.
func fill[T any](b *testing.B, s pipeline.Sink[T], v T, g *gateWriter, n int) {
	ctx := context.Background()
	if err := s.Send(ctx, v); err != nil {
		b.Fatalf("Send() = %v; want nil", err)
	}
	<-g.entered
	for i := range n {
		if err := s.Send(ctx, v); err != nil {
			b.Fatalf("Send() #%d while filling = %v; want nil", i, err)
		}
	}
}

// measureSends splits b.N Sends among producers goroutines and times each
// one. Paced producers space their Sends (see pacer). It reports the
// latency percentiles, the share of Sends that failed, and for paced runs
// the delivery delay.
func measureSends[T any](b *testing.B, sub *subject[T], producers int, paced bool) {
	ctx := context.Background()
	lat := make([]int64, b.N)
	var returned []int64 // returned[seq]: when the Send of seq returned nil
	if paced {
		returned = make([]int64, b.N)
	}
	failed := make([]int, producers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	lo := 0
	for p := range producers {
		n := b.N / producers
		if p < b.N%producers {
			n++
		}
		first := lo
		lo += n
		wg.Go(func() {
			lat := lat[first : first+n]
			pace := newPacer(p + 1)
			<-start
			last := nanotime()
			for i := range lat {
				v := sub.make(uint64(first + i))
				if paced {
					pace.wait(last)
				}
				t0 := nanotime()
				err := sub.sink.Send(ctx, v)
				t1 := nanotime()
				lat[i] = t1 - t0
				last = t1
				switch {
				case err != nil:
					failed[p]++
				case paced:
					returned[first+i] = t1
				}
			}
		})
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	wg.Wait()
	b.StopTimer()

	if sub.release != nil {
		sub.release()
	}
	if err := sub.sink.Close(ctx); err != nil {
		b.Fatalf("Close() = %v; want nil", err)
	}
	if err := sub.cleanup(); err != nil {
		b.Fatal(err)
	}
	nfailed := 0
	for _, n := range failed {
		nfailed += n
	}
	b.ReportMetric(float64(nfailed)/float64(b.N), "dropped/op")
	if sr, ok := sub.sink.(pipeline.StatsReporter); ok {
		if st := sr.Stats(); st.FellBack > 0 {
			b.ReportMetric(float64(st.FellBack)/float64(b.N), "fellback/op")
		}
	}
	report(b, "", lat)
	if paced {
		report(b, "delay-", sub.landed.delays(returned))
	}
}

// A landRecorder is the io.Writer under a paced run's sink: it writes to
// w and notes when each line's write returned, by the sequence number the
// benchmark put in the event's duration_ms. Only the drain goroutine
// writes to it.
type landRecorder struct {
	w  io.Writer
	at []int64 // at[seq]: nanotime when the write holding line seq returned
}

func newLandRecorder(w io.Writer, n int) *landRecorder {
	return &landRecorder{w: w, at: make([]int64, n)}
}

func (r *landRecorder) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	t := nanotime()
	for rest := p[:n]; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if seq, ok := lineSeq(line); ok && seq < uint64(len(r.at)) {
			r.at[seq] = t
		}
	}
	return n, err
}

var durationKey = []byte(`"duration_ms":`)

// lineSeq returns the duration_ms of a JSON line, without allocating.
func lineSeq(line []byte) (uint64, bool) {
	i := bytes.Index(line, durationKey)
	if i < 0 {
		return 0, false
	}
	var seq uint64
	n := 0
	for _, c := range line[i+len(durationKey):] {
		if c < '0' || c > '9' {
			break
		}
		seq = seq*10 + uint64(c-'0')
		n++
	}
	return seq, n > 0
}

// delays returns, for each event whose Send returned nil (returned[seq]
// is not 0) and whose line was written, the time from the one to the
// other. A line written before its Send returned counts as no delay. It
// reuses returned's storage.
func (r *landRecorder) delays(returned []int64) []int64 {
	out := returned[:0]
	for seq, t := range returned {
		if t == 0 || seq >= len(r.at) || r.at[seq] == 0 {
			continue
		}
		out = append(out, max(r.at[seq]-t, 0))
	}
	return out
}

// A gateWriter is a stalled downstream: Write signals entered and blocks
// until open is called, then discards what it is given.
type gateWriter struct {
	entered chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func newGateWriter() *gateWriter {
	return &gateWriter{entered: make(chan struct{}, 1), gate: make(chan struct{})}
}

func (g *gateWriter) Write(p []byte) (int, error) {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-g.gate
	return len(p), nil
}

func (g *gateWriter) open() { g.once.Do(func() { close(g.gate) }) }
