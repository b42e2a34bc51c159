package nats_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/memory"
	natssink "github.com/spillway-go/spillway/sink/nats"
)

// The sink behind a queue, with a fallback for what it cannot deliver,
// against an embedded server with JetStream.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	srv, _ := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	srv.Start()
	defer srv.WaitForShutdown()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		fmt.Println("server not ready")
		return
	}

	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "AUDIT", Subjects: []string{"audit.>"}})
	if err != nil {
		fmt.Println(err)
		return
	}

	sink, err := natssink.New(nc, &natssink.Options[event.CallEvent]{
		Subject: "audit.calls",
		Key:     natssink.CallID, // the server stores each call ID once
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

	for _, id := range []string{"call-1", "call-2", "call-1"} { // call-1 sent twice
		e := event.New("2026-05-29T00:00:00+00:00", id, "ref:echo.say", 17, event.Success(), "warm")
		if err := q.Send(ctx, e); err != nil { // never waits on the network
			fmt.Println(err)
		}
	}
	if err := q.Close(ctx); err != nil { // drains into the sink, then closes it
		fmt.Println(err)
	}

	info, _ := stream.Info(ctx)
	st := sink.Stats()
	fmt.Printf("stream holds %d; sink delivered %d; fallback holds %d\n", info.State.Msgs, st.Delivered, fallback.Len())
	// Output:
	// stream holds 2; sink delivered 3; fallback holds 0
}
