package jsonl_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/pipeline/pipelinetest"
	"github.com/spillway-go/spillway/sink/jsonl"
)

// value is the i-th event the conformance checks send.
func value(i int) event.CallEvent {
	return mkEvent(event.Success()).WithCallID("conf-" + strconv.Itoa(i))
}

// fileSink returns a harness constructor for a sink that writes to a file
// in t's temporary directory, and reads the values back from it.
func fileSink(open func(path string) (pipeline.Sink[event.CallEvent], error)) func(t *testing.T) (pipeline.Sink[event.CallEvent], func() []event.CallEvent) {
	return func(t *testing.T) (pipeline.Sink[event.CallEvent], func() []event.CallEvent) {
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		s, err := open(path)
		if err != nil {
			t.Fatal(err)
		}
		return s, func() []event.CallEvent { return readAll(t, readFile(t, path)) }
	}
}

func TestConformance(t *testing.T) {
	tests := []struct {
		name string
		open func(path string) (pipeline.Sink[event.CallEvent], error)
	}{
		{"Writer", func(path string) (pipeline.Sink[event.CallEvent], error) {
			return jsonl.OpenWriter[event.CallEvent](path, &jsonl.WriterOptions{Sync: jsonl.SyncEveryBatch})
		}},
		{"Sink", func(path string) (pipeline.Sink[event.CallEvent], error) {
			return jsonl.Open[event.CallEvent](path, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pipelinetest.Run(t, pipelinetest.Harness[event.CallEvent]{
				New:   fileSink(tt.open),
				Value: value,
			})
		})
	}
}
