package memory_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/spillway-go/spillway/sink/memory"
)

func Example() {
	ctx := context.Background()
	var s memory.Sink[string] // the zero value is ready to use

	_ = s.Send(ctx, "first")
	_, _ = s.SendBatch(ctx, []string{"second", "third"})
	_ = s.Close(ctx)

	fmt.Println(s.All(), s.Len())
	fmt.Println(s.Send(ctx, "late"))
	st := s.Stats()
	fmt.Printf("received %d, delivered %d, dropped %d\n", st.Received, st.Delivered, st.Dropped)
	// Output:
	// [first second third] 3
	// pipeline: closed
	// received 4, delivered 3, dropped 1
}

func ExampleSink_WaitFor() {
	var s memory.Sink[int]
	go func() {
		for i := range 3 {
			_ = s.Send(context.Background(), i)
		}
	}()

	// WaitFor returns once the values have arrived, with no sleeping or
	// polling; the context bounds the wait.
	if err := s.WaitFor(context.Background(), 3); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.All())
	// Output:
	// [0 1 2]
}

func ExampleSink_FailNext() {
	ctx := context.Background()
	var s memory.Sink[int]
	s.FailNext(1, errors.New("disk full"))

	fmt.Println(s.Send(ctx, 1))
	fmt.Println(s.Send(ctx, 2))
	fmt.Println(s.All(), s.Stats().Failed)
	// Output:
	// disk full
	// <nil>
	// [2] 1
}
