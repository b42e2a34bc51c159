// Command audit plays a tool-dispatch server under burst: producer
// goroutines emit CallEvents as fast as they can through a JSON-lines
// audit sink into a file, then the sink is closed and a summary printed.
// It is the README's main command, and a way to see what each strategy
// costs the producers and what it loses:
//
//	go run ./examples/audit                                   # 100000 events into audit.jsonl
//	go run ./examples/audit -strategy block -sync batch       # lose nothing, durable
//	go run ./examples/audit -strategy fallback -fallback overflow.jsonl
//	go run ./examples/audit -summary json | tail -n 1         # for scripts
//
// Every event is accounted for: the lines it adds to the file, plus those
// dropped, failed, and sent to the fallback, make -n.
//
// Flags:
//
//	-o FILE          the audit file, appended to, never truncated (default audit.jsonl)
//	-n N             events to emit (default 100000)
//	-producers P     producer goroutines (default 4)
//	-strategy S      drop, block, block:DURATION or fallback (default drop)
//	-capacity C      the queue's capacity (default 1024)
//	-fallback FILE   where the fallback strategy writes, synchronously
//	                 (default stderr); when set, it also catches failed writes
//	-sync POLICY     never or batch: fsync after every batch (default never)
//	-summary FORMAT  text or json (default text)
//
// Bad flags, or a file that cannot be opened, print one line naming the
// problem and exit with status 2, writing nothing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the flags say.
type config struct {
	out       string
	n         int
	producers int
	strategy  strategy.Strategy
	capacity  int
	fallback  string // "" for stderr
	sync      jsonl.SyncPolicy
	json      bool
}

// parseFlags reads args into a config, or returns an error naming the
// problem in one line.
func parseFlags(args []string) (*config, error) {
	c := &config{strategy: strategy.Drop}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line, below
	fs.StringVar(&c.out, "o", "audit.jsonl", "the audit `file`, appended to, never truncated")
	fs.IntVar(&c.n, "n", 100000, "`events` to emit")
	fs.IntVar(&c.producers, "producers", 4, "producer `goroutines`")
	fs.TextVar(&c.strategy, "strategy", strategy.Drop, "what a full queue does: drop, block, block:DURATION or fallback")
	fs.IntVar(&c.capacity, "capacity", pipeline.DefaultCapacity, "the queue's `capacity`")
	fs.StringVar(&c.fallback, "fallback", "", "the `file` the fallback writes to (default stderr)")
	syncFlag := fs.String("sync", "never", "never, or batch: fsync after every batch")
	summary := fs.String("summary", "text", "summary `format`: text or json")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (see -h)", err)
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q (see -h)", fs.Arg(0))
	case c.out == "":
		return nil, errors.New("-o: file name is empty")
	case c.n < 0:
		return nil, fmt.Errorf("-n %d: must not be negative", c.n)
	case c.producers < 1:
		return nil, fmt.Errorf("-producers %d: must be at least 1", c.producers)
	case c.capacity < 1:
		return nil, fmt.Errorf("-capacity %d: must be at least 1", c.capacity)
	}
	switch *syncFlag {
	case "never":
		c.sync = jsonl.SyncNever
	case "batch":
		c.sync = jsonl.SyncEveryBatch
	default:
		return nil, fmt.Errorf("-sync %q: want never or batch", *syncFlag)
	}
	switch *summary {
	case "text":
	case "json":
		c.json = true
	default:
		return nil, fmt.Errorf("-summary %q: want text or json", *summary)
	}
	return c, nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: audit [flags]

Emits -n CallEvents from -producers goroutines through a JSON-lines audit
sink into -o, then prints a summary.

  -o FILE          the audit file, appended to, never truncated (default audit.jsonl)
  -n N             events to emit (default 100000)
  -producers P     producer goroutines (default 4)
  -strategy S      drop, block, block:DURATION or fallback (default drop)
  -capacity C      the queue's capacity (default 1024)
  -fallback FILE   where the fallback strategy writes, synchronously (default
                   stderr); when set, it also catches failed writes
  -sync POLICY     never or batch: fsync after every batch (default never)
  -summary FORMAT  text or json (default text)
`)
}

// run is the command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return 2
	}
	sink, err := c.open(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := produce(ctx, sink, c)

	// Close writes what is queued. Bound it, so that a wedged disk cannot
	// hang the command forever.
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	closeErr := sink.Close(closeCtx)
	res.elapsed = time.Since(res.start)

	st := sink.Stats()
	s := summarize(c, res, st)
	if c.json {
		b, _ := json.Marshal(s) // a struct of numbers: cannot fail
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		s.writeText(stdout, c)
	}
	if closeErr != nil {
		fmt.Fprintf(stderr, "audit: %v\n", closeErr)
		return 1
	}
	return 0
}

// open opens the audit sink and its fallback. On error it leaves no file
// behind that it created.
func (c *config) open(stderr io.Writer) (*jsonl.Sink[event.CallEvent], error) {
	opts := &jsonl.Options[event.CallEvent]{
		Queue: pipeline.QueueOptions[event.CallEvent]{
			Capacity: c.capacity,
			Strategy: c.strategy,
		},
		Sync: c.sync,
	}
	var created []string
	cleanup := func() {
		for _, p := range created {
			os.Remove(p)
		}
	}
	// The fallback is wanted by the fallback strategy, and whenever a file
	// is named for it, to catch failed writes too.
	if c.strategy.Kind() == strategy.KindFallback || c.fallback != "" {
		if c.fallback == "" {
			fb, err := jsonl.NewWriter[event.CallEvent](stderr, &jsonl.WriterOptions{Name: "stderr"})
			if err != nil {
				return nil, err
			}
			opts.Queue.Fallback = fb
		} else {
			existed := exists(c.fallback)
			fb, err := jsonl.OpenWriter[event.CallEvent](c.fallback, &jsonl.WriterOptions{Name: "fallback"})
			if err != nil {
				return nil, fmt.Errorf("-fallback: %w", err)
			}
			if !existed {
				created = append(created, c.fallback)
			}
			opts.Queue.Fallback = fb
		}
	}
	s, err := jsonl.Open(c.out, opts)
	if err != nil {
		if opts.Queue.Fallback != nil {
			opts.Queue.Fallback.Close(context.Background())
		}
		cleanup()
		return nil, fmt.Errorf("-o: %w", err)
	}
	return s, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// result is what the producers did.
type result struct {
	start     time.Time
	elapsed   time.Duration // first Send to Close returned
	sent      int
	latencies []time.Duration // of every Send, sorted
}

// produce runs the producers until each has sent its share of c.n events,
// or ctx ends (an interrupt), and measures every Send.
func produce(ctx context.Context, sink pipeline.Sink[event.CallEvent], c *config) *result {
	ids := newIDSource(time.Now())
	// Preallocate each producer's latencies and build no event inside the
	// measured span: the figures are those of Send alone.
	lat := make([][]time.Duration, c.producers)
	var wg sync.WaitGroup
	res := &result{start: time.Now()}
	next := 0
	for p := range c.producers {
		share := c.n / c.producers
		if p < c.n%c.producers {
			share++
		}
		first := uint64(next)
		next += share
		lat[p] = make([]time.Duration, 0, share)
		wg.Go(func() {
			g := newGenerator(p, ids)
			for i := range share {
				if ctx.Err() != nil {
					return
				}
				ev := g.event(first + uint64(i))
				t0 := time.Now()
				_ = sink.Send(ctx, ev) // refusals are counted by the sink
				lat[p] = append(lat[p], time.Since(t0))
			}
		})
	}
	wg.Wait()
	for _, l := range lat {
		res.latencies = append(res.latencies, l...)
	}
	res.sent = len(res.latencies)
	slices.Sort(res.latencies)
	return res
}

// summary is the command's report. Its JSON keys are an interface: tools
// read them.
type summary struct {
	Sent         int    `json:"sent"`
	Delivered    uint64 `json:"delivered"`
	Dropped      uint64 `json:"dropped"`
	FellBack     uint64 `json:"fell_back"`
	Failed       uint64 `json:"failed"`
	EventsPerSec int64  `json:"events_per_sec"`
	SendP50NS    int64  `json:"send_p50_ns"`
	SendP99NS    int64  `json:"send_p99_ns"`
	SendP999NS   int64  `json:"send_p999_ns"`
	SendMaxNS    int64  `json:"send_max_ns"`

	elapsed time.Duration
}

func summarize(c *config, res *result, st pipeline.Stats) summary {
	s := summary{
		Sent:      res.sent,
		Delivered: st.Delivered,
		Dropped:   st.Dropped,
		FellBack:  st.FellBack,
		// Values still in flight after Close are in a write that a wedged
		// disk has not finished: not in the file, as far as anyone knows.
		Failed:     st.Failed + st.InFlight,
		SendP50NS:  percentile(res.latencies, 0.50).Nanoseconds(),
		SendP99NS:  percentile(res.latencies, 0.99).Nanoseconds(),
		SendP999NS: percentile(res.latencies, 0.999).Nanoseconds(),
		SendMaxNS:  percentile(res.latencies, 1).Nanoseconds(),
		elapsed:    res.elapsed,
	}
	if secs := res.elapsed.Seconds(); secs > 0 {
		s.EventsPerSec = int64(float64(res.sent) / secs)
	}
	return s
}

// percentile returns the nearest-rank q-th percentile of sorted, 0 if
// empty.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted)) + 0.999999)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func (s summary) writeText(w io.Writer, c *config) {
	fallback := "stderr"
	if c.fallback != "" {
		fallback = c.fallback
	}
	fmt.Fprintf(w, "audit: %d events from %d producers into %s (strategy %v, capacity %d, sync %v)\n",
		s.Sent, c.producers, c.out, c.strategy, c.capacity, c.sync)
	fmt.Fprintf(w, "  delivered  %9d  lines written to %s\n", s.Delivered, c.out)
	fmt.Fprintf(w, "  dropped    %9d\n", s.Dropped)
	fmt.Fprintf(w, "  fell_back  %9d  lines written to %s\n", s.FellBack, fallback)
	fmt.Fprintf(w, "  failed     %9d\n", s.Failed)
	fmt.Fprintf(w, "  %d events/s end to end (%v from the first Send to Close returning)\n",
		s.EventsPerSec, s.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  Send latency: p50 %v, p99 %v, p99.9 %v, max %v\n",
		time.Duration(s.SendP50NS), time.Duration(s.SendP99NS), time.Duration(s.SendP999NS), time.Duration(s.SendMaxNS))
}
