package nats_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	natssink "github.com/spillway-go/spillway/sink/nats"
	"github.com/spillway-go/spillway/strategy"
)

// BenchmarkThroughput measures sustained events/s into an embedded
// JetStream (file storage, deduplication by call ID), from the producer's
// first Send until every event is acknowledged:
//
//   - queue: Send into a queue whose drain hands the sink batches (up to
//     512 events), which it publishes without waiting between them and
//     then waits for: the way the sink is meant to be used.
//   - each: the sink's Send for every event, which publishes it and waits
//     for its acknowledgement before the next.
//
// The events/s metric counts the drain and Close; ns/op is the producer's
// cost per Send only.
func BenchmarkThroughput(b *testing.B) {
	b.Run("queue", func(b *testing.B) {
		benchThroughput(b, func(s *natssink.Sink[event.CallEvent]) pipeline.Sink[event.CallEvent] {
			q, err := pipeline.NewQueue[event.CallEvent](s, &pipeline.QueueOptions[event.CallEvent]{
				Capacity: 8192,
				Strategy: strategy.Block,
			})
			if err != nil {
				b.Fatal(err)
			}
			return q
		})
	})
	b.Run("each", func(b *testing.B) {
		benchThroughput(b, func(s *natssink.Sink[event.CallEvent]) pipeline.Sink[event.CallEvent] { return s })
	})
}

func benchThroughput(b *testing.B, wrap func(*natssink.Sink[event.CallEvent]) pipeline.Sink[event.CallEvent]) {
	srv := startServer(b, -1, b.TempDir())
	nc := connect(b, srv.ClientURL())
	js, _ := jetstream.New(nc)
	_, subject := newStream(b, js, func(c *jetstream.StreamConfig) {
		c.Storage = jetstream.FileStorage
		c.MaxMsgs = 200_000 // bound the disk a long run uses
	})
	sink, err := natssink.New(nc, &natssink.Options[event.CallEvent]{Subject: subject, Key: natssink.CallID})
	if err != nil {
		b.Fatal(err)
	}
	s := wrap(sink)
	base := event.New("2026-05-29T00:00:00+00:00", "", "ref:echo.say", 17, event.Success(), "warm").
		WithCallerID("bench-client").
		WithGrantedCapabilities([]string{"read", "write"})
	ctx := context.Background()
	id := make([]byte, 0, 32)

	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		id = strconv.AppendInt(append(id[:0], "01JBENCH"...), int64(n), 10)
		if err := s.Send(ctx, base.WithCallID(string(id))); err != nil {
			b.Fatalf("Send = %v", err)
		}
		n++
	}
	if err := s.Close(ctx); err != nil {
		b.Fatalf("Close = %v", err)
	}
	elapsed := time.Since(start)
	if st := sink.Stats(); st.Delivered != uint64(n) {
		b.Fatalf("sink delivered %d of %d events", st.Delivered, n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
}
