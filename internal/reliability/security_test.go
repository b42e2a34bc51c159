package reliability_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
	"github.com/spillway-go/spillway/strategy"
)

// The sink writes only to the path it was given: no temporary, lock or
// rotated file appears next to it, whatever the sync policy, through a
// write error and a reopening.
func TestNoFilesNextToAudit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	for _, sync := range []jsonl.SyncPolicy{jsonl.SyncNever, jsonl.SyncEveryBatch, jsonl.SyncInterval(time.Millisecond)} {
		s, err := jsonl.Open(path, &jsonl.Options[event.CallEvent]{Sync: sync})
		if err != nil {
			t.Fatal(err)
		}
		produce(t, s, 2, 0, 500, callEvent)
		closeOK(t, s)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"audit.jsonl"}, names); diff != "" {
		t.Errorf("files in the audit directory mismatch (-want +got):\n%s", diff)
	}
}

// marker stands for an event's private contents (a patient's name in a
// tool argument, say): it must reach hooks, which get the value, and never
// an error message.
const marker = "PHI-7f3a-Jane-Roe"

// markedEvent carries the marker in every string it has.
func markedEvent(i int) event.CallEvent {
	return event.New("2026-05-29T00:00:00+00:00", callID(i)+marker, "ref:"+marker, 17, event.InvalidArgs("no record for "+marker), "warm").
		WithCallerID(marker).
		WithGrantedCapabilities([]string{"read:" + marker}).
		WithCapabilityProvenance([]event.CapProvenance{{Cap: "read:" + marker, Source: event.UCANChain("did:key:"+marker, 1)}})
}

// errorLog collects every error a test sees, and every value its hooks
// get.
type errorLog struct {
	mu     sync.Mutex
	errs   []error
	hooked int // hooked values that carry the marker
}

func (l *errorLog) add(err error) {
	if err == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) hook(e event.CallEvent, err error) {
	l.add(err)
	l.mu.Lock()
	defer l.mu.Unlock()
	if id, _ := e.CallerID(); id == marker {
		l.hooked++
	}
}

func (l *errorLog) check(t *testing.T, minErrs, minHooked int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < minErrs || l.hooked < minHooked {
		t.Fatalf("saw %d errors and %d hooked values; want at least %d and %d", len(l.errs), l.hooked, minErrs, minHooked)
	}
	for _, err := range l.errs {
		if strings.Contains(err.Error(), marker) {
			t.Errorf("error embeds the event's contents: %v", err)
		}
	}
}

// Error messages never embed an event's contents, on any error path of
// the write side: hooks get the value, errors say what went wrong.
func TestErrorsNeverEmbedEvents(t *testing.T) {
	eio := func(name string) *faults.Writer {
		return &faults.Writer{Name: name, Fail: faults.FailFirst[[]byte](1<<30, syscall.EIO)}
	}

	t.Run("writer", func(t *testing.T) {
		var log errorLog
		w, err := jsonl.NewWriter[event.CallEvent](eio("audit.jsonl"), nil)
		if err != nil {
			t.Fatal(err)
		}
		log.add(w.Send(t.Context(), markedEvent(0)))
		disk := &faults.Writer{}
		disk.SetSpace(100)
		w2, err := jsonl.NewWriter[event.CallEvent](disk, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w2.SendBatch(t.Context(), []event.CallEvent{markedEvent(1), markedEvent(2)})
		log.add(err)
		log.add(w2.Send(t.Context(), markedEvent(3)))
		closeOK(t, w)
		closeOK(t, w2)
		log.add(w.Send(t.Context(), markedEvent(4)))
		log.check(t, 4, 0)
	})

	t.Run("writer of a type encoding/json refuses", func(t *testing.T) {
		type record struct {
			Name string
			Done chan int
		}
		var log errorLog
		w, err := jsonl.NewWriter[record](&faults.Writer{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		log.add(w.Send(t.Context(), record{Name: marker, Done: make(chan int)}))
		closeOK(t, w)
		log.check(t, 1, 0)
	})

	t.Run("queue with a failing writer and fallback", func(t *testing.T) {
		var log errorLog
		fb, err := jsonl.NewWriter[event.CallEvent](eio("fallback.jsonl"), nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := jsonl.New(eio("audit.jsonl"), &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
			Capacity: 1, Strategy: strategy.Fallback, Fallback: fb, OnError: log.hook, OnDrop: log.hook,
		}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			log.add(s.Send(t.Context(), markedEvent(i)))
		}
		closeOK(t, s)
		log.add(s.Send(t.Context(), markedEvent(99)))
		log.check(t, 21, 21)
	})

	t.Run("queue dropping and abandoning", func(t *testing.T) {
		var log errorLog
		disk := &faults.Writer{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		s, err := jsonl.New(disk, &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
			Capacity: 4, OnError: log.hook, OnDrop: log.hook,
		}})
		if err != nil {
			t.Fatal(err)
		}
		log.add(s.Send(t.Context(), markedEvent(0)))
		<-disk.Entered // the write of event 0 is stuck
		for i := 1; i < 10; i++ {
			log.add(s.Send(t.Context(), markedEvent(i)))
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		log.add(s.Close(ctx))
		close(disk.Gate)
		closeOK(t, s)
		log.check(t, 6, 9)
	})

	t.Run("fanout and fallback", func(t *testing.T) {
		var log errorLog
		w1, _ := jsonl.NewWriter[event.CallEvent](eio("a.jsonl"), nil)
		w2, _ := jsonl.NewWriter[event.CallEvent](eio("b.jsonl"), nil)
		chain, err := fallback.New([]pipeline.Sink[event.CallEvent]{w1, w2}, &fallback.Options[event.CallEvent]{
			OnError: func(e event.CallEvent, _ int, err error) { log.hook(e, err) },
		})
		if err != nil {
			t.Fatal(err)
		}
		w3, _ := jsonl.NewWriter[event.CallEvent](eio("c.jsonl"), nil)
		fan, err := fanout.New([]pipeline.Sink[event.CallEvent]{chain, w3}, &fanout.Options[event.CallEvent]{
			OnError: func(e event.CallEvent, _ int, err error) { log.hook(e, err) },
		})
		if err != nil {
			t.Fatal(err)
		}
		log.add(fan.Send(t.Context(), markedEvent(0)))
		_, err = fan.SendBatch(t.Context(), []event.CallEvent{markedEvent(1), markedEvent(2)})
		log.add(err)
		closeOK(t, fan)
		log.check(t, 3, 4)
	})
}

// The Reader's errors give a line number and what is wrong, never the
// line.
func TestReaderErrorsNeverEmbedLines(t *testing.T) {
	good := string(line(markedEvent(0)))
	input := strings.Join([]string{
		good,
		`{"ts":"` + marker + `","call_id":7}` + "\n",
		`{"ts":"x","call_id":"y","tool_id":"z","duration_ms":"` + marker + `"}` + "\n",
		`{"ts":"x","call_id":"` + marker + `\q"}` + "\n",
		marker + "\n",
		good[:len(good)/2], // torn
	}, "")
	var errs []error
	n := 0
	for e, err := range jsonl.Read[event.CallEvent](strings.NewReader(input), nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if id, _ := e.CallerID(); id != marker {
			t.Errorf("decoded caller %q; want the marker back", id)
		}
		n++
	}
	if n != 1 || len(errs) != 5 {
		t.Fatalf("Read: %d values and %d errors (%v); want 1 and 5", n, len(errs), errs)
	}
	for i, err := range errs {
		var le *jsonl.LineError
		if !errors.As(err, &le) || le.Line != i+2 {
			t.Errorf("error %v; want a *LineError for line %d", err, i+2)
		}
		if strings.Contains(err.Error(), marker) {
			t.Errorf("error embeds the line's contents: %v", err)
		}
	}
	if !errors.Is(errs[4], jsonl.ErrTornLine) {
		t.Errorf("last error %v; want ErrTornLine", errs[4])
	}
}
