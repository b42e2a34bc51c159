package kafka_test

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/kafka"
	"github.com/spillway-go/spillway/sink/memory"
)

// The sink behind a queue, with a fallback for what it cannot deliver,
// against a fake in-process Kafka cluster.
func Example() {
	ctx := context.Background()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "audit-calls"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()

	// franz-go's defaults are what the sink needs: acks from all in-sync
	// replicas, idempotent writes.
	client, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	sink, err := kafka.New(client, &kafka.Options[event.CallEvent]{
		Topic: "audit-calls",
		Key:   kafka.CallID,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var fallback memory.Sink[event.CallEvent] // a jsonl file in production
	q, err := pipeline.NewQueue[event.CallEvent](sink, &pipeline.QueueOptions[event.CallEvent]{Fallback: &fallback})
	if err != nil {
		fmt.Println(err)
		return
	}

	for _, id := range []string{"call-1", "call-2"} {
		e := event.New("2026-05-29T00:00:00+00:00", id, "ref:echo.say", 17, event.Success(), "warm")
		if err := q.Send(ctx, e); err != nil { // never waits on the network
			fmt.Println(err)
		}
	}
	if err := q.Close(ctx); err != nil { // drains into the sink, then closes it
		fmt.Println(err)
	}

	st := sink.Stats()
	fmt.Printf("topic holds %d; sink delivered %d; fallback holds %d\n",
		cluster.PartitionInfo("audit-calls", 0).HighWatermark, st.Delivered, fallback.Len())
	// Output:
	// topic holds 2; sink delivered 2; fallback holds 0
}
