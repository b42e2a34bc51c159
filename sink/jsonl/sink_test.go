package jsonl_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// The tests in this file port the seed's sink tests (shared/seed/audit.rs,
// module tests); each names the Rust test it ports.

// Port of json_lines_sink_writes_one_line_per_event.
func TestSinkWritesOneLinePerEvent(t *testing.T) {
	var buf lockedBuffer
	s, err := jsonl.New[event.CallEvent](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, s)
	want := []event.CallEvent{mkEvent(event.Success()), mkEvent(event.ToolNotFound())}
	for _, ev := range want {
		if err := s.Send(t.Context(), ev); err != nil {
			t.Fatalf("Send(%v) = %v; want nil", ev, err)
		}
	}
	eventually(t, "2 lines written", func() bool { return buf.Lines() >= 2 })
	if diff := cmp.Diff(want, readAll(t, buf.String())); diff != "" {
		t.Errorf("lines mismatch (-want +got):\n%s", diff)
	}
}

// Port of on_call_is_non_blocking_under_burst. The seed timed 100 calls;
// here the writer is stalled outright, and 100 Sends must still return.
func TestSinkSendDoesNotBlockOnStalledWriter(t *testing.T) {
	gw := newGatedWriter()
	s, err := jsonl.New[event.CallEvent](gw, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := mkEvent(event.Success())
	if err := s.Send(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	gw.waitEntered(t) // the drain is now stuck in Write
	for i := range 100 {
		if err := s.Send(t.Context(), ev); err != nil {
			t.Fatalf("Send #%d while the writer is stalled = %v; want nil", i, err)
		}
	}
	gw.Open()
	closeOK(t, s)
	if got := gw.Lines(); got != 101 {
		t.Errorf("%d lines written; want 101", got)
	}
}

// Port of drops_counter_increments_when_channel_full.
func TestSinkDropsCountWhenQueueFull(t *testing.T) {
	gw := newGatedWriter()
	s, err := jsonl.New(gw, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{Capacity: 4}})
	if err != nil {
		t.Fatal(err)
	}
	ev := mkEvent(event.Success())
	if err := s.Send(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	gw.waitEntered(t) // one event in the writer; the queue is empty
	full := 0
	for range 200 {
		if err := s.Send(t.Context(), ev); errors.Is(err, pipeline.ErrQueueFull) {
			full++
		} else if err != nil {
			t.Fatalf("Send = %v; want nil or ErrQueueFull", err)
		}
	}
	// Four fit in the queue; the other 196 find it full.
	if st := s.Stats(); st.Dropped != 196 || full != 196 {
		t.Errorf("after 200 Sends into a full capacity-4 queue, Dropped = %d and %d ErrQueueFull; want 196", st.Dropped, full)
	}
	gw.Open()
	closeOK(t, s)
	if got := gw.Lines(); got != 5 {
		t.Errorf("%d lines written; want 5", got)
	}
}

// Port of events_eventually_drain_to_writer.
func TestSinkEventsEventuallyDrain(t *testing.T) {
	var buf lockedBuffer
	s, err := jsonl.New[event.CallEvent](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, s)
	for range 10 {
		if err := s.Send(t.Context(), mkEvent(event.Success())); err != nil {
			t.Fatal(err)
		}
	}
	// Without Close: the drain delivers on its own.
	eventually(t, "10 lines written", func() bool { return buf.Lines() == 10 })
}

// Port of dropping_sink_drains_pending_then_exits.
func TestSinkCloseFlushesPending(t *testing.T) {
	var buf lockedBuffer
	s, err := jsonl.New[event.CallEvent](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := s.Send(t.Context(), mkEvent(event.Success())); err != nil {
			t.Fatal(err)
		}
	}
	closeOK(t, s)
	if got := buf.Lines(); got != 5 {
		t.Errorf("after Close, %d lines written; want 5", got)
	}
	st := s.Stats()
	if st.Delivered != 5 || st.InFlight != 0 {
		t.Errorf("after Close, Stats = %+v; want 5 delivered, none in flight", st)
	}
}

// Ports of bare_sink_defaults_to_drop_strategy and
// with_strategy_block_reports_block.
func TestSinkStrategy(t *testing.T) {
	tests := []struct {
		name string
		give *jsonl.Options[event.CallEvent]
		want strategy.Strategy
	}{
		{"nil options", nil, strategy.Drop},
		{"zero options", &jsonl.Options[event.CallEvent]{}, strategy.Drop},
		{"block", &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{Strategy: strategy.Block, Capacity: 16}}, strategy.Block},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := jsonl.New(&lockedBuffer{}, tt.give)
			if err != nil {
				t.Fatal(err)
			}
			defer closeOK(t, s)
			if got := s.Strategy(); got != tt.want {
				t.Errorf("Strategy() = %v; want %v", got, tt.want)
			}
		})
	}
}

// Port of block_strategy_loses_nothing_under_burst.
func TestSinkBlockLosesNothingUnderBurst(t *testing.T) {
	gw := newGatedWriter()
	s, err := jsonl.New(gw, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Strategy: strategy.Block, Capacity: 4,
	}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for _, ev := range numbered(100) {
			if err := s.Send(context.Background(), ev); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	// The writer holds one, the queue four, and the sixth Send blocks.
	eventually(t, "a Send blocked on the full queue", func() bool { return s.Stats().Received >= 6 })
	gw.Open()
	if err := <-done; err != nil {
		t.Fatalf("Send under Block = %v; want nil", err)
	}
	closeOK(t, s)
	if st := s.Stats(); st.Dropped != 0 || st.Delivered != 100 {
		t.Errorf("Stats = %+v; want 100 delivered, 0 dropped", st)
	}
	if diff := cmp.Diff(numbered(100), readAll(t, gw.String())); diff != "" {
		t.Errorf("lines mismatch (-want +got):\n%s", diff)
	}
}

// Port of fallback_strategy_routes_overflow_to_fallback.
func TestSinkFallbackRoutesOverflow(t *testing.T) {
	gw := newGatedWriter()
	var fbBuf lockedBuffer
	fb, err := jsonl.NewWriter[event.CallEvent](&fbBuf, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonl.New(gw, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Strategy: strategy.Fallback, Capacity: 1, Fallback: fb,
	}})
	if err != nil {
		t.Fatal(err)
	}
	evs := numbered(50)
	if err := s.Send(t.Context(), evs[0]); err != nil {
		t.Fatal(err)
	}
	gw.waitEntered(t)
	for _, ev := range evs[1:] {
		if err := s.Send(t.Context(), ev); err != nil {
			t.Fatalf("Send = %v; want nil (queued or fallen back)", err)
		}
	}
	if st := s.Stats(); st.Dropped != 0 || st.FellBack != 48 {
		t.Errorf("Stats = %+v; want 0 dropped, 48 fell back (1 writing, 1 queued)", st)
	}
	gw.Open()
	closeOK(t, s)
	if diff := cmp.Diff(evs[2:], readAll(t, fbBuf.String())); diff != "" {
		t.Errorf("fallback lines mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(evs[:2], readAll(t, gw.String())); diff != "" {
		t.Errorf("primary lines mismatch (-want +got):\n%s", diff)
	}
}

// TestSinkWriteErrorFallsBack checks that values the writer could not
// write reach the queue's fallback, those of a torn line included, so that
// primary lines + fallback lines = every value sent.
func TestSinkWriteErrorFallsBack(t *testing.T) {
	evs := numbered(20)
	// The primary's disk fills up after 2.5 lines: the write that reaches
	// that point is cut short with ENOSPC, and every later one fails. So
	// the outcome is the same however the drain splits the 20 values into
	// batches (its first pass may run while the Sends below are queuing).
	sw := &faults.Writer{}
	sw.SetSpace(int64(len(line("call-0"))*5/2 + 1))
	var fbBuf lockedBuffer
	fb, err := jsonl.NewWriter[event.CallEvent](&fbBuf, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reported []error
	s, err := jsonl.New(sw, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Fallback: fb,
		// Deliver nothing before Close, which most often hands the drain
		// all 20 at once.
		MaxDelay: time.Hour,
		OnError: func(_ event.CallEvent, err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, err)
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := s.Send(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	closeOK(t, s)

	r := jsonl.NewReader[event.CallEvent](strings.NewReader(sw.String()), &jsonl.ReadOptions{Lenient: true})
	var primary []event.CallEvent
	for v, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		primary = append(primary, v)
	}
	fallback := readAll(t, fbBuf.String())
	if r.Skipped() != 1 {
		t.Errorf("primary has %d corrupt lines; want 1, the torn one", r.Skipped())
	}
	// Two lines whole, the third torn, and the writer reports the 18
	// values from the torn one on as not written.
	if diff := cmp.Diff(evs[:2], primary); diff != "" {
		t.Errorf("primary mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(evs[2:], fallback); diff != "" {
		t.Errorf("fallback mismatch (-want +got):\n%s", diff)
	}
	st := s.Stats()
	if st.FellBack != uint64(len(fallback)) || st.Failed != 0 || st.Delivered != uint64(len(primary)) {
		t.Errorf("Stats = %+v; want %d delivered, %d fell back", st, len(primary), len(fallback))
	}
	if len(reported) != len(fallback) || len(reported) == 0 || !errors.Is(reported[0], syscall.ENOSPC) {
		t.Errorf("OnError got %d errors (%v); want %d wrapping ENOSPC", len(reported), reported, len(fallback))
	}
}

func TestSinkStatsTree(t *testing.T) {
	fb, err := jsonl.NewWriter[event.CallEvent](&lockedBuffer{}, &jsonl.WriterOptions{Name: "stderr"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonl.New(&lockedBuffer{}, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{Fallback: fb}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), mkEvent(event.Success())); err != nil {
		t.Fatal(err)
	}
	closeOK(t, s)
	var paths []string
	for _, st := range pipeline.Walk(s) {
		paths = append(paths, st.Path)
		if !st.Balanced() {
			t.Errorf("stage %s not balanced: %+v", st.Path, st.Stats)
		}
	}
	if diff := cmp.Diff([]string{"jsonl", "jsonl/writer", "jsonl[fallback]/stderr"}, paths); diff != "" {
		t.Errorf("Walk paths mismatch (-want +got):\n%s", diff)
	}
}

// TestNewOptionErrors checks that New, Stdout and Stderr each name
// themselves and the option at fault.
func TestNewOptionErrors(t *testing.T) {
	type opts = jsonl.Options[event.CallEvent]
	constructors := []struct {
		name string
		new  func(*opts) (*jsonl.Sink[event.CallEvent], error)
	}{
		{"New", func(o *opts) (*jsonl.Sink[event.CallEvent], error) { return jsonl.New(&lockedBuffer{}, o) }},
		{"Stdout", jsonl.Stdout[event.CallEvent]},
		{"Stderr", jsonl.Stderr[event.CallEvent]},
	}
	tests := []struct {
		name string
		give *opts
		want string
	}{
		{"negative capacity", &opts{Queue: pipeline.QueueOptions[event.CallEvent]{Capacity: -1}}, "Capacity"},
		{"bad sync interval", &opts{Sync: jsonl.SyncInterval(-1)}, "Sync"},
	}
	for _, c := range constructors {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				s, err := c.new(tt.give)
				if err == nil {
					closeOK(t, s)
				}
				if err == nil || !strings.HasPrefix(err.Error(), "jsonl: "+c.name+": ") || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s = %v; want an error %q naming %s", c.name, err, "jsonl: "+c.name+": ...", tt.want)
				}
			})
		}
	}
	if _, err := jsonl.New[event.CallEvent](nil, nil); err == nil || !strings.HasPrefix(err.Error(), "jsonl: New: ") {
		t.Errorf("New(nil io.Writer) = %v; want an error %q", err, "jsonl: New: ...")
	}
}

// A value that does not encode costs no other: the queue blames it alone
// and hands the writer the values after it again.
func TestSinkBadValueCostsNoOther(t *testing.T) {
	var buf lockedBuffer
	var blamed []string
	s, err := jsonl.New(&buf, &jsonl.Options[record]{Queue: pipeline.QueueOptions[record]{
		OnError: func(r record, err error) {
			if !pipeline.IsValueError(err) {
				t.Errorf("OnError(%v, %v); want a ValueError", r.Name, err)
			}
			blamed = append(blamed, r.Name)
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		r := record{Name: strings.Repeat("x", i)}
		if i == 5 || i == 12 {
			r.Score = math.NaN() // encoding/json refuses it
		}
		if err := s.Send(t.Context(), r); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", i, err)
		}
	}
	closeOK(t, s)
	if got := buf.Lines(); got != 18 {
		t.Errorf("%d lines written; want 18, all but the 2 bad values", got)
	}
	if diff := cmp.Diff([]string{strings.Repeat("x", 5), strings.Repeat("x", 12)}, blamed); diff != "" {
		t.Errorf("OnError values mismatch (-want +got):\n%s", diff)
	}
	if st := s.Stats(); st.Delivered != 18 || st.Failed != 2 || !st.Balanced() {
		t.Errorf("Stats = %+v; want 18 delivered, 2 failed", st)
	}
}
