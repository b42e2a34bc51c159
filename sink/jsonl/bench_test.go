package jsonl_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
)

// benchEvent is one realistic event: a caller, capabilities, provenance.
var benchEvent = mkEvent(event.ExecutionFailed("FS_NOT_FOUND", false)).
	WithCallID("01J9Z8Q4X7K2M5N3P6R8T0V2W4").
	WithCapabilityProvenance([]event.CapProvenance{
		{Cap: "read", Source: event.StringAllowList()},
		{Cap: "write", Source: event.UCANChain("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", 1)},
	})

// BenchmarkWriterSendBatch measures the line writer alone: encoding and one
// Write per batch of pipeline.DefaultCapacity values (the most a queue with
// the default options hands over at once: MaxBatch defaults to the
// capacity), into io.Discard and into a file. It reports events/s; MB/s
// counts the bytes written.
func BenchmarkWriterSendBatch(b *testing.B) {
	batch := make([]event.CallEvent, pipeline.DefaultCapacity)
	for i := range batch {
		batch[i] = benchEvent
	}
	lineBytes := int64(len(benchEvent.String()) + 1)

	targets := []struct {
		name string
		open func(b *testing.B) io.Writer
	}{
		{"discard", func(*testing.B) io.Writer { return io.Discard }},
		{"file", func(b *testing.B) io.Writer {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "audit.jsonl"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { f.Close() })
			return f
		}},
	}
	for _, tt := range targets {
		b.Run(tt.name, func(b *testing.B) {
			w, err := jsonl.NewWriter[event.CallEvent](tt.open(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.SetBytes(lineBytes * int64(len(batch)))
			b.ReportAllocs()
			for b.Loop() {
				if n, err := w.SendBatch(ctx, batch); err != nil {
					b.Fatalf("SendBatch = %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
			if err := w.Close(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}
