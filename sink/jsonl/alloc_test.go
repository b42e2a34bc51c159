//go:build !race

package jsonl_test

import (
	"context"
	"io"
	"testing"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/sink/jsonl"
)

func TestWriterAllocs(t *testing.T) {
	w, err := jsonl.NewWriter[event.CallEvent](io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeOK(t, w)
	ctx := context.Background()
	batch := numbered(64)
	ev := batch[0]

	tests := []struct {
		name string
		fn   func()
	}{
		{"SendBatch", func() {
			if n, err := w.SendBatch(ctx, batch); err != nil {
				t.Fatalf("SendBatch = %d, %v", n, err)
			}
		}},
		{"Send", func() {
			if err := w.Send(ctx, ev); err != nil {
				t.Fatalf("Send = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn() // warm up: grow the buffer
			if got := testing.AllocsPerRun(100, tt.fn); got != 0 {
				t.Errorf("Writer.%s of CallEvents into io.Discard: %v allocations per call; want 0", tt.name, got)
			}
		})
	}
}
