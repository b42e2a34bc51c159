package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func call(id string, o event.Outcome) event.CallEvent {
	return event.New("2026-05-29T00:00:00+00:00", id, "ref:echo.say", 1, o, "warm")
}

func TestRedactor(t *testing.T) {
	tests := []struct {
		name string
		give event.CallEvent
		want event.CallEvent
	}{
		{"caller blanked", call("c1", event.Success()).WithCallerID("patient-42"), call("c1", event.Success()).WithCallerID("")},
		{"empty caller stays", call("c2", event.Success()).WithCallerID(""), call("c2", event.Success()).WithCallerID("")},
		{"no caller stays absent", call("c3", event.Success()), call("c3", event.Success())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out memory.Sink[event.CallEvent]
			r, err := newRedactor(&out)
			if err != nil {
				t.Fatal(err)
			}
			give := tt.give
			if err := r.Send(t.Context(), give); err != nil {
				t.Fatalf("Send(%v) = %v; want nil", give, err)
			}
			if err := r.Close(t.Context()); err != nil {
				t.Fatalf("Close = %v; want nil", err)
			}
			if diff := cmp.Diff([]event.CallEvent{tt.want}, out.All()); diff != "" {
				t.Errorf("redacted events mismatch (-want +got):\n%s", diff)
			}
			if !give.Equal(tt.give) {
				t.Errorf("Send changed the producer's event to %v", give)
			}
			if !out.Closed() {
				t.Error("after Close, the downstream sink is open; want it closed")
			}
		})
	}
}

func TestSampler(t *testing.T) {
	var out memory.Sink[event.CallEvent]
	s, err := newSampler(&out, 3)
	if err != nil {
		t.Fatal(err)
	}
	give := []event.CallEvent{
		call("s1", event.Success()), // first of three: kept
		call("s2", event.Success()),
		call("f1", event.ToolNotFound()), // not a success: kept
		call("s3", event.Success()),
		call("s4", event.Success()), // first of the next three: kept
		call("f2", event.InvalidArgs("bad")),
	}
	for _, e := range give {
		if err := s.Send(t.Context(), e); err != nil {
			t.Fatalf("Send(%s) = %v; want nil", e.CallID(), err)
		}
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	if err := s.Send(t.Context(), give[0]); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want %v", err, pipeline.ErrClosed)
	}

	var got []string
	for _, e := range out.All() {
		got = append(got, e.CallID())
	}
	if diff := cmp.Diff([]string{"s1", "f1", "s4", "f2"}, got); diff != "" {
		t.Errorf("sampled call IDs mismatch (-want +got):\n%s", diff)
	}
	want := pipeline.Stats{Name: "sample", Received: 7, Delivered: 4, Filtered: 2, Dropped: 1}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
	// The sampler opted in to the tree: a walk finds it and its child.
	var paths []string
	for _, st := range pipeline.Walk(s) {
		paths = append(paths, st.Path)
	}
	if diff := cmp.Diff([]string{"sample", "sample/memory"}, paths); diff != "" {
		t.Errorf("Walk paths mismatch (-want +got):\n%s", diff)
	}
}

func TestNewSamplerErrors(t *testing.T) {
	if _, err := newSampler(nil, 1); err == nil {
		t.Error("newSampler(nil, 1) = nil error; want one")
	}
	if _, err := newSampler(&memory.Sink[event.CallEvent]{}, 0); err == nil {
		t.Error("newSampler(sink, 0) = nil error; want one")
	}
}

// Both stages keep the contract every sink shares.
func TestConformance(t *testing.T) {
	value := func(i int) event.CallEvent { return call(fmt.Sprintf("call-%d", i), event.Success()) }
	t.Run("sampler", func(t *testing.T) {
		pipelinetest.Run(t, pipelinetest.Harness[event.CallEvent]{
			New: func(t *testing.T) (pipeline.Sink[event.CallEvent], func() []event.CallEvent) {
				var out memory.Sink[event.CallEvent]
				s, err := newSampler(&out, 1) // keeps everything, as the suite needs
				if err != nil {
					t.Fatal(err)
				}
				return s, out.All
			},
			Value: value,
		})
	})
	t.Run("redactor", func(t *testing.T) {
		pipelinetest.Run(t, pipelinetest.Harness[event.CallEvent]{
			New: func(t *testing.T) (pipeline.Sink[event.CallEvent], func() []event.CallEvent) {
				var out memory.Sink[event.CallEvent]
				r, err := newRedactor(&out)
				if err != nil {
					t.Fatal(err)
				}
				return r, out.All
			},
			Value: value, // no caller IDs: redaction keeps the values as they are
		})
	})
}

func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf); err != nil {
		t.Fatalf("run = %v; want nil", err)
	}
	out := buf.String()
	if strings.Contains(out, "patient-portal") {
		t.Errorf("output holds a caller ID that should be redacted:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var events, table []string
	for i, l := range lines {
		if l == "" {
			events, table = lines[:i], lines[i+1:]
			break
		}
	}
	var ids []string
	for _, l := range events {
		var e event.CallEvent
		if err := e.UnmarshalJSON([]byte(l)); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		ids = append(ids, e.CallID())
	}
	if diff := cmp.Diff([]string{"call-1", "call-3", "call-4", "call-5"}, ids); diff != "" {
		t.Errorf("events printed mismatch (-want +got):\n%s", diff)
	}
	wantTable := []string{
		"stage                       received delivered filtered dropped failed",
		"queue                              6         6        0       0      0",
		"queue/redact                       6         6        0       0      0",
		"queue/redact/sample                6         4        2       0      0",
		"queue/redact/sample/memory         4         4        0       0      0",
	}
	if diff := cmp.Diff(wantTable, table); diff != "" {
		t.Errorf("Stats table mismatch (-want +got):\n%s", diff)
	}
}
