package fanout_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fanout"
	"github.com/spillway-go/spillway/sink/memory"
)

func Example() {
	ctx := context.Background()
	var audit, replica memory.Sink[string]
	f, err := fanout.New([]pipeline.Sink[string]{&audit, &replica}, nil)
	if err != nil {
		panic(err)
	}
	for _, v := range []string{"call-1", "call-2"} {
		if err := f.Send(ctx, v); err != nil {
			fmt.Println("send:", err)
		}
	}
	if err := f.Close(ctx); err != nil {
		fmt.Println("close:", err)
	}
	fmt.Println("audit:", audit.All())
	fmt.Println("replica:", replica.All())
	// Output:
	// audit: [call-1 call-2]
	// replica: [call-1 call-2]
}

// The audit sink must have every value; the metrics sink may miss some.
// A metrics failure reaches the hook and the stats, never the producer.
func ExampleOptions_optional() {
	ctx := context.Background()
	var audit, metrics memory.Sink[string]
	f, err := fanout.New([]pipeline.Sink[string]{&audit, &metrics}, &fanout.Options[string]{
		Optional: []bool{1: true},
		OnError: func(v string, child int, err error) {
			fmt.Printf("child %d missed %s: %v\n", child, v, err)
		},
	})
	if err != nil {
		panic(err)
	}
	metrics.FailNext(1, errors.New("metrics: unavailable"))
	fmt.Println("send call-1:", f.Send(ctx, "call-1"))
	fmt.Println("send call-2:", f.Send(ctx, "call-2"))

	audit.SetErr(errors.New("disk full"))
	fmt.Println("send call-3:", f.Send(ctx, "call-3"))

	if err := f.Close(ctx); err != nil {
		fmt.Println("close:", err)
	}
	for _, st := range pipeline.Walk(f) {
		fmt.Printf("%-16s received=%d delivered=%d failed=%d\n", st.Path, st.Received, st.Delivered, st.Failed)
	}
	// Output:
	// child 1 missed call-1: metrics: unavailable
	// send call-1: <nil>
	// send call-2: <nil>
	// child 0 missed call-3: disk full
	// send call-3: fanout: [0] memory: disk full
	// fanout           received=3 delivered=2 failed=1
	// fanout[0]/memory received=3 delivered=2 failed=1
	// fanout[1]/memory received=3 delivered=2 failed=1
}

// An isolated child sits behind its own queue, which appears in the tree.
func ExampleOptions_isolate() {
	ctx := context.Background()
	var fast, slow memory.Sink[int]
	f, err := fanout.New([]pipeline.Sink[int]{&fast, &slow}, &fanout.Options[int]{
		Name:    "events",
		Isolate: []*pipeline.QueueOptions[int]{1: {Capacity: 256}},
	})
	if err != nil {
		panic(err)
	}
	for i := range 3 {
		if err := f.Send(ctx, i); err != nil {
			fmt.Println("send:", err)
		}
	}
	if err := f.Close(ctx); err != nil { // drains the queue first
		fmt.Println("close:", err)
	}
	for _, st := range pipeline.Walk(f) {
		fmt.Printf("%-22s delivered=%d\n", st.Path, st.Delivered)
	}
	// Output:
	// events                 delivered=3
	// events[0]/memory       delivered=3
	// events[1]/queue        delivered=3
	// events[1]/queue/memory delivered=3
}
