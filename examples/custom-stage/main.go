// Command custom-stage shows how an adopter writes pipeline stages of their
// own: each is a Sink that wraps a Sink.
//
//   - redact.go: a redaction stage built with pipeline.NewMap, which blanks
//     the caller ID of every event.
//   - sample.go: a sampling stage written by hand, which keeps every failed
//     call and one in every n successful ones, and opts in to the stage
//     tree with pipeline.Counters, Stats and Children.
//
// It sends a few events through queue → redact → sample → memory and prints
// the events that arrived and the Stats of every stage.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-stage:", err)
		os.Exit(1)
	}
}

// calls are the events the example sends: four successes and two failures,
// half of them with a caller ID.
func calls() []event.CallEvent {
	const ts = "2026-05-29T00:00:00+00:00"
	var es []event.CallEvent
	for i, o := range []event.Outcome{
		event.Success(),
		event.Success(),
		event.ExecutionFailed("E_TIMEOUT", true),
		event.Success(),
		event.RateLimited(250, true),
		event.Success(),
	} {
		e := event.New(ts, fmt.Sprintf("call-%d", i+1), "ref:echo.say", uint64(10+i), o, "warm")
		if i%2 == 0 {
			e = e.WithCallerID("patient-portal")
		}
		es = append(es, e)
	}
	return es
}

// run builds the pipeline, sends calls() through it, and writes what
// arrived and every stage's Stats to w.
func run(ctx context.Context, w io.Writer) error {
	var out memory.Sink[event.CallEvent]
	sample, err := newSampler(&out, 2)
	if err != nil {
		return err
	}
	redact, err := newRedactor(sample)
	if err != nil {
		return err
	}
	q, err := pipeline.NewQueue(redact, &pipeline.QueueOptions[event.CallEvent]{Strategy: strategy.Block})
	if err != nil {
		return err
	}
	p, err := pipeline.New[event.CallEvent](q)
	if err != nil {
		return err
	}

	for _, e := range calls() {
		if err := p.Send(ctx, e); err != nil {
			return fmt.Errorf("send %s: %w", e.CallID(), err)
		}
	}
	if err := p.Close(ctx); err != nil {
		return err
	}

	var line []byte
	for _, e := range out.All() {
		line = append(e.AppendJSON(line[:0]), '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-27s %8s %9s %8s %7s %6s\n", "stage", "received", "delivered", "filtered", "dropped", "failed")
	for _, st := range p.Stats() {
		fmt.Fprintf(w, "%-27s %8d %9d %8d %7d %6d\n",
			st.Path, st.Received, st.Delivered, st.Filtered, st.Dropped, st.Failed)
	}
	return nil
}
