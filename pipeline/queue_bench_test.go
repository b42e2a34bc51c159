package pipeline_test

import (
	"context"
	"testing"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
)

// bigValue stands in for an event: a value type with strings and a slice.
type bigValue struct {
	ID, Tool, Caller string
	Caps             []string
	N                [20]uint64
}

// BenchmarkSend measures the producer's side of a queue under Drop: burst,
// producers sending as fast as they can into a queue drained into Discard
// (the drain cannot keep up with them, so most Sends find the queue full:
// dropped/op says how many), and full, every Send dropped because
// downstream is stalled. Package bench measures the rest: latency
// percentiles, paced load, every strategy.
func BenchmarkSend(b *testing.B) {
	ctx := context.Background()
	v := bigValue{ID: "01J000000000000000000000TEST", Tool: "ref:echo.say", Caps: []string{"read"}}
	b.Run("burst", func(b *testing.B) {
		q, err := pipeline.NewQueue(pipeline.Discard[bigValue](), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				q.Send(ctx, v)
			}
		})
		b.StopTimer()
		st := q.Stats()
		b.ReportMetric(float64(st.Dropped)/float64(st.Received), "dropped/op")
		q.Close(ctx)
	})
	b.Run("full", func(b *testing.B) {
		s := &faults.Sink[bigValue]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		q, err := pipeline.NewQueue(s, &pipeline.QueueOptions[bigValue]{Capacity: 64})
		if err != nil {
			b.Fatal(err)
		}
		q.Send(ctx, v)
		<-s.Entered
		for range 64 {
			q.Send(ctx, v)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				q.Send(ctx, v)
			}
		})
		b.StopTimer()
		close(s.Gate)
		q.Close(ctx)
	})
}
