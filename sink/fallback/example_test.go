package fallback_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/fallback"
	"github.com/spillway-go/spillway/sink/memory"
)

func Example() {
	ctx := context.Background()
	var primary, secondary memory.Sink[string]
	s, err := fallback.New([]pipeline.Sink[string]{&primary, &secondary}, &fallback.Options[string]{
		OnError: func(v string, tier int, err error) {
			fmt.Printf("tier %d refused %s: %v\n", tier, v, err)
		},
	})
	if err != nil {
		panic(err)
	}
	primary.FailNext(1, errors.New("disk full"))
	for _, v := range []string{"call-1", "call-2"} {
		if err := s.Send(ctx, v); err != nil {
			fmt.Println("send:", err)
		}
	}
	if err := s.Close(ctx); err != nil {
		fmt.Println("close:", err)
	}
	fmt.Println("primary:", primary.All())
	fmt.Println("secondary:", secondary.All())
	st := s.Stats()
	fmt.Printf("delivered=%d fell_back=%d failed=%d\n", st.Delivered, st.FellBack, st.Failed)
	// Output:
	// tier 0 refused call-1: disk full
	// primary: [call-2]
	// secondary: [call-1]
	// delivered=1 fell_back=1 failed=0
}

// ShouldFallback chooses the errors that fall through; the others fail the
// Send at once.
func ExampleOptions_shouldFallback() {
	ctx := context.Background()
	errInvalid := errors.New("invalid record")
	var primary, secondary memory.Sink[string]
	s, err := fallback.New([]pipeline.Sink[string]{&primary, &secondary}, &fallback.Options[string]{
		// A record the primary rejects as invalid would be rejected
		// everywhere: do not fall back on it.
		ShouldFallback: func(err error) bool { return !errors.Is(err, errInvalid) },
	})
	if err != nil {
		panic(err)
	}
	primary.FailNext(1, errInvalid)
	fmt.Println("send:", s.Send(ctx, "bad"))
	primary.FailNext(1, pipeline.ErrQueueFull)
	fmt.Println("send:", s.Send(ctx, "good"))
	if err := s.Close(ctx); err != nil {
		fmt.Println("close:", err)
	}
	for _, st := range pipeline.Walk(s) {
		fmt.Printf("%-18s received=%d delivered=%d fell_back=%d failed=%d\n",
			st.Path, st.Received, st.Delivered, st.FellBack, st.Failed)
	}
	// Output:
	// send: fallback: [0] memory: invalid record
	// send: <nil>
	// fallback           received=2 delivered=0 fell_back=1 failed=1
	// fallback[0]/memory received=2 delivered=0 fell_back=0 failed=2
	// fallback[1]/memory received=1 delivered=1 fell_back=0 failed=0
}
