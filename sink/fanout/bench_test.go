package fanout_test

import (
	"context"
	"testing"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fanout"
)

func BenchmarkSend(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		opts *fanout.Options[int]
	}{
		{"direct", nil},
		{"isolated-optional", &fanout.Options[int]{
			Isolate:  []*pipeline.QueueOptions[int]{{}, {}},
			Optional: []bool{true, true},
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := fanout.New([]pipeline.Sink[int]{pipeline.Discard[int](), pipeline.Discard[int]()}, bc.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(ctx)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = s.Send(ctx, 1)
				}
			})
		})
	}
}
