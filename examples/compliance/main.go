// Command compliance runs the audit trail of a compliance adopter (the
// seed's HIPAA §164.528 case), where a dropped audit record is not
// acceptable:
//
//	audit-fanout                        fanout: the audit trail must have every event
//	├─[0] audit                         queue, strategy.Block: producers wait, never drop
//	│     ├─ writer                     audit.jsonl, synced every batch
//	│     └─[fallback] fallback-file    audit-fallback.jsonl, on any failure of the above
//	└─[1] metrics-queue                 optional, isolated, strategy.Drop: may miss events
//	      └─ metrics                    counts calls by outcome
//
// Halfway through, the audit file's writes start failing (an injected
// failure, for a stretch of events), and the program shows that nothing
// was lost: every event sent is in exactly one of the two files.
//
// Usage:
//
//	compliance [-dir DIR] [-n EVENTS]
//
// The files go to a new temporary directory unless -dir names one; the
// directory must not already hold them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// File names in the output directory.
const (
	auditName    = "audit.jsonl"
	fallbackName = "audit-fallback.jsonl"
)

func main() {
	dir := flag.String("dir", "", "directory for the audit files (default: a new temporary directory)")
	n := flag.Int("n", 1000, "number of events to send")
	flag.Parse()

	if *n < 1 {
		fmt.Fprintln(os.Stderr, "compliance: -n must be positive")
		os.Exit(2)
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "spillway-compliance-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "compliance:", err)
			os.Exit(1)
		}
		*dir = d
	}
	cfg := config{Dir: *dir, Events: *n, FailFrom: *n / 2, FailTo: min(*n, *n/2+max(1, *n/10))}
	r, err := run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compliance:", err)
		os.Exit(1)
	}
	r.print(os.Stdout)
	if r.Lost() != 0 || r.Duplicates != 0 {
		os.Exit(1)
	}
}

// config says where to write and when the audit file fails.
type config struct {
	Dir    string
	Events int
	// FailFrom and FailTo bound the stretch of events [FailFrom, FailTo)
	// during which every write to the audit file fails.
	FailFrom, FailTo int
}

// report is what a run sent and what the files hold afterwards.
type report struct {
	Config        config
	Sent          int            // events accepted by the pipeline
	AuditLines    int            // lines in audit.jsonl
	FallbackLines int            // lines in audit-fallback.jsonl
	Duplicates    int            // call IDs found more than once across both files
	WriteErrors   int            // deliveries the audit queue reported to its OnError hook
	Metrics       map[string]int // the metrics sink's counts by outcome
	Stats         pipeline.Snapshot
}

// Lost is how many events sent are in neither file.
func (r *report) Lost() int { return r.Sent - (r.AuditLines + r.FallbackLines - r.Duplicates) }

// run builds the pipeline in cfg.Dir, sends cfg.Events events through it
// with the audit file failing for the configured stretch, closes it, and
// reads the files back.
func run(ctx context.Context, cfg config) (*report, error) {
	auditPath := filepath.Join(cfg.Dir, auditName)
	fallbackPath := filepath.Join(cfg.Dir, fallbackName)
	for _, p := range []string{auditPath, fallbackPath} {
		switch _, err := os.Stat(p); {
		case err == nil:
			return nil, fmt.Errorf("%s exists: choose a directory without audit files", p)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}

	// The audit file, behind a writer that can be made to fail. The
	// application opens it (with jsonl.FileMode, as jsonl.Open would) so
	// that it can wrap it; jsonl.New then writes to the wrapper.
	f, err := os.OpenFile(auditPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, jsonl.FileMode)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	flaky := &flakyWriter{f: f}

	second, err := jsonl.OpenWriter[event.CallEvent](fallbackPath, &jsonl.WriterOptions{
		Name: "fallback-file",
		Sync: jsonl.SyncEveryBatch,
	})
	if err != nil {
		return nil, err
	}
	var writeErrors atomic.Int64
	audit, err := jsonl.New[event.CallEvent](flaky, &jsonl.Options[event.CallEvent]{
		Queue: pipeline.QueueOptions[event.CallEvent]{
			Name:     "audit",
			Strategy: strategy.Block,
			Fallback: second,
			OnError:  func(event.CallEvent, error) { writeErrors.Add(1) },
		},
		Sync: jsonl.SyncEveryBatch,
	})
	if err != nil {
		_ = second.Close(ctx)
		return nil, err
	}
	metrics := &metricsSink{}
	fan, err := fanout.New([]pipeline.Sink[event.CallEvent]{audit, metrics}, &fanout.Options[event.CallEvent]{
		Name:     "audit-fanout",
		Optional: []bool{1: true},
		Isolate: []*pipeline.QueueOptions[event.CallEvent]{1: {
			Name:     "metrics-queue",
			Strategy: strategy.Drop, // the default: shown for the reader
		}},
	})
	if err != nil {
		_ = audit.Close(ctx)
		return nil, err
	}
	p, err := pipeline.New[event.CallEvent](fan)
	if err != nil {
		return nil, err
	}
	r, err := send(ctx, cfg, p, audit, flaky)
	// Close even after a failed send: it delivers what was accepted.
	flaky.setFailing(false)
	if cerr := p.Close(ctx); cerr != nil || err != nil {
		return nil, errors.Join(err, cerr)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}

	r.Stats = p.Stats()
	r.WriteErrors = int(writeErrors.Load())
	r.Metrics = metrics.counts()
	seen := map[string]int{}
	if r.AuditLines, err = readIDs(auditPath, seen); err != nil {
		return nil, err
	}
	if r.FallbackLines, err = readIDs(fallbackPath, seen); err != nil {
		return nil, err
	}
	for _, k := range seen {
		if k > 1 {
			r.Duplicates += k - 1
		}
	}
	return r, nil
}

// send sends cfg.Events events into p, making the audit file fail for the
// configured stretch.
func send(ctx context.Context, cfg config, p *pipeline.Pipeline[event.CallEvent], audit pipeline.StatsReporter, flaky *flakyWriter) (*report, error) {
	r := &report{Config: cfg}
	base := time.Date(2026, 5, 29, 9, 0, 0, 0, time.UTC)
	for i := range cfg.Events {
		// Let the audit queue catch up at the edges of the failing
		// stretch, so that the failure covers exactly its events and the
		// split between the files is the same on every run. Without the
		// waits nothing is lost either: only the split moves.
		switch i {
		case cfg.FailFrom:
			if err := waitDelivered(ctx, audit); err != nil {
				return nil, err
			}
			flaky.setFailing(true)
		case cfg.FailTo:
			if err := waitDelivered(ctx, audit); err != nil {
				return nil, err
			}
			flaky.setFailing(false)
		}
		if err := p.Send(ctx, call(base, i)); err != nil {
			// Under strategy.Block only an ended ctx refuses an event.
			return nil, fmt.Errorf("send event %d: %w", i, err)
		}
		r.Sent++
	}
	return r, nil
}

// outcomes cycle through the events: mostly successes, some failures.
var outcomes = []event.Outcome{
	event.Success(), event.Success(), event.Success(), event.Success(),
	event.ExecutionFailed("E_UPSTREAM", true), event.Success(), event.Success(),
	event.CapabilityDenied([]string{"phi:read"}), event.Success(), event.RateLimited(250, true),
}

// call returns the i-th event: a tool call by a clinician's client.
func call(base time.Time, i int) event.CallEvent {
	ts := event.FormatTime(base.Add(time.Duration(i) * time.Millisecond))
	return event.New(ts, fmt.Sprintf("call-%06d", i+1), "ehr:chart.read", uint64(5+i%40), outcomes[i%len(outcomes)], "warm").
		WithCallerID(fmt.Sprintf("clinician-%02d", i%17)).
		WithGrantedCapabilities([]string{"phi:read"})
}

// waitDelivered polls the audit queue until it holds nothing in flight.
func waitDelivered(ctx context.Context, s pipeline.StatsReporter) error {
	tick := time.NewTicker(pipeline.DefaultMaxDelay)
	defer tick.Stop()
	for s.Stats().InFlight != 0 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the audit queue: %w", ctx.Err())
		}
	}
	return nil
}

// readIDs reads the JSON-lines file at path, adds each event's call ID to
// seen, and returns how many lines it read. Any bad line is an error.
func readIDs(path string, seen map[string]int) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for e, err := range jsonl.Read[event.CallEvent](f, nil) {
		if err != nil {
			return n, fmt.Errorf("%s: %w", path, err)
		}
		seen[e.CallID()]++
		n++
	}
	return n, nil
}

func (r *report) print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "audit files in %s\n", c.Dir)
	fmt.Fprintf(w, "events %d-%d: the audit file's writes fail (injected); the queue falls back to %s\n\n",
		c.FailFrom+1, c.FailTo, fallbackName)

	fmt.Fprintf(w, "%-27s %6d\n", "sent", r.Sent)
	fmt.Fprintf(w, "%-27s %6d\n", auditName+" lines", r.AuditLines)
	fmt.Fprintf(w, "%-27s %6d\n", fallbackName+" lines", r.FallbackLines)
	fmt.Fprintf(w, "%-27s %6d   (sent - audit - fallback + duplicates)\n", "lost", r.Lost())
	fmt.Fprintf(w, "%-27s %6d\n", "duplicates", r.Duplicates)
	fmt.Fprintf(w, "%-27s %6d   (each rerouted to the fallback file)\n\n", "write errors", r.WriteErrors)

	fmt.Fprintf(w, "%-46s %8s %9s %9s %7s %6s\n", "stage", "received", "delivered", "fell_back", "dropped", "failed")
	for _, st := range r.Stats {
		fmt.Fprintf(w, "%-46s %8d %9d %9d %7d %6d\n",
			st.Path, st.Received, st.Delivered, st.FellBack, st.Dropped, st.Failed)
	}

	fmt.Fprint(w, "\nmetrics (best effort):")
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		fmt.Fprintf(w, " %s=%d", k, r.Metrics[k])
	}
	fmt.Fprintln(w)
}
