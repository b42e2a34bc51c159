//go:build !race

package fallback_test

import (
	"context"
	"testing"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fallback"
)

func TestSendAllocs(t *testing.T) {
	ctx := context.Background()
	full := pipeline.SinkFunc[[4]string](func(context.Context, [4]string) error { return pipeline.ErrQueueFull })
	tests := []struct {
		name  string
		tiers []pipeline.Sink[[4]string]
	}{
		{"primary takes it", []pipeline.Sink[[4]string]{pipeline.Discard[[4]string](), full}},
		{"second tier takes it", []pipeline.Sink[[4]string]{full, pipeline.Discard[[4]string]()}},
	}
	v := [4]string{"a", "b", "c", "d"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := fallback.New(tt.tiers, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			if n := testing.AllocsPerRun(1000, func() { _ = s.Send(ctx, v) }); n != 0 {
				t.Errorf("Send allocates %v times; want 0", n)
			}
			vs := [][4]string{v, v, v}
			if n := testing.AllocsPerRun(1000, func() { _, _ = s.SendBatch(ctx, vs) }); n != 0 {
				t.Errorf("SendBatch allocates %v times; want 0", n)
			}
		})
	}
}
