package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/memory"
	"github.com/spillway-go/spillway/strategy"
)

type toolCall struct {
	Tool   string
	Caller string
	OK     bool
}

// A Filter and a Map in front of a sink: keep the failed calls, and redact
// who made them.
func Example() {
	ctx := context.Background()
	var mem memory.Sink[toolCall]

	redact, _ := pipeline.NewMap("redact", &mem, func(c toolCall) toolCall {
		c.Caller = "***"
		return c
	})
	failures, _ := pipeline.NewFilter("failures", redact, func(c toolCall) bool { return !c.OK })
	p, _ := pipeline.New[toolCall](failures)

	_ = p.Send(ctx, toolCall{Tool: "echo.say", Caller: "alice", OK: true})
	_ = p.Send(ctx, toolCall{Tool: "fs.read", Caller: "bob", OK: false})
	_ = p.Send(ctx, toolCall{Tool: "fs.write", Caller: "carol", OK: false})
	if err := p.Close(ctx); err != nil {
		fmt.Println(err)
	}

	for _, c := range mem.All() {
		fmt.Printf("%+v\n", c)
	}
	// Output:
	// {Tool:fs.read Caller:*** OK:false}
	// {Tool:fs.write Caller:*** OK:false}
}

// A Queue in front of a sink: Send returns as soon as the value is queued,
// the drain delivers it in the background, and Close waits until
// everything queued is delivered. Under strategy.Block a Send waits for
// room instead of dropping the value.
func ExampleNewQueue() {
	ctx := context.Background()
	var mem memory.Sink[string]
	q, err := pipeline.NewQueue[string](&mem, &pipeline.QueueOptions[string]{
		Capacity: 2,
		Strategy: strategy.Block,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	for _, s := range []string{"a", "b", "c", "d"} {
		if err := q.Send(ctx, s); err != nil {
			fmt.Println(err)
		}
	}
	if err := q.Close(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println(q.Send(ctx, "late"))

	st := q.Stats()
	fmt.Println(mem.All())
	fmt.Printf("received=%d delivered=%d dropped=%d in flight=%d\n",
		st.Received, st.Delivered, st.Dropped, st.InFlight)
	// Output:
	// pipeline: closed
	// [a b c d]
	// received=5 delivered=4 dropped=1 in flight=0
}

// Stats lists the counters of every stage of the tree by path.
func ExamplePipeline_Stats() {
	ctx := context.Background()
	var mem memory.Sink[string]
	upper, _ := pipeline.NewMap("", &mem, strings.ToUpper)
	nonEmpty, _ := pipeline.NewFilter("", upper, func(s string) bool { return s != "" })
	p, _ := pipeline.New[string](nonEmpty)

	for _, s := range []string{"a", "", "b"} {
		_ = p.Send(ctx, s)
	}
	_ = p.Close(ctx)
	_ = p.Send(ctx, "late") // refused: counted as dropped

	snap := p.Stats()
	for _, st := range snap {
		fmt.Printf("%-18s received=%d delivered=%d filtered=%d dropped=%d\n",
			st.Path, st.Received, st.Delivered, st.Filtered, st.Dropped)
	}
	fmt.Println("unbalanced stages:", len(snap.Unbalanced()))
	if st, ok := snap.Lookup("filter/map/memory"); ok {
		fmt.Println("recorded:", st.Delivered, mem.All())
	}
	// Output:
	// filter             received=4 delivered=2 filtered=1 dropped=1
	// filter/map         received=2 delivered=2 filtered=0 dropped=0
	// filter/map/memory  received=2 delivered=2 filtered=0 dropped=0
	// unbalanced stages: 0
	// recorded: 2 [A B]
}

// counting is a custom stage: it implements Sink, and reports its counters
// with a Counters so that Walk and Pipeline.Stats list it.
type counting[T any] struct {
	next     pipeline.Sink[T]
	counters pipeline.Counters
}

func (c *counting[T]) Send(ctx context.Context, v T) error {
	c.counters.AddReceived(1)
	if err := c.next.Send(ctx, v); err != nil {
		c.counters.AddFailed(1)
		return err
	}
	c.counters.AddDelivered(1)
	return nil
}

func (c *counting[T]) Close(ctx context.Context) error { return pipeline.SafeClose(ctx, c.next) }
func (c *counting[T]) Stats() pipeline.Stats           { return c.counters.Stats("counting") }
func (c *counting[T]) Children() []pipeline.Child      { return []pipeline.Child{{Sink: c.next}} }

func ExampleCounters() {
	ctx := context.Background()
	var mem memory.Sink[int]
	mem.FailNext(1, errors.New("disk full"))
	stage := &counting[int]{next: &mem}

	for v := range 3 {
		if err := stage.Send(ctx, v); err != nil {
			fmt.Printf("Send(%d): %v\n", v, err)
		}
	}
	for _, st := range pipeline.Walk(stage) {
		fmt.Printf("%s: received=%d delivered=%d failed=%d balanced=%v\n",
			st.Path, st.Received, st.Delivered, st.Failed, st.Balanced())
	}
	// Output:
	// Send(0): disk full
	// counting: received=3 delivered=2 failed=1 balanced=true
	// counting/memory: received=3 delivered=2 failed=1 balanced=true
}

// SafeSend turns a panic in a sink into a *PanicError.
func ExampleSafeSend() {
	bad := pipeline.SinkFunc[int](func(context.Context, int) error {
		panic("nil map write")
	})
	err := pipeline.SafeSend(context.Background(), bad, 1)

	var pe *pipeline.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value)
	fmt.Println(err)
	// Output:
	// true nil map write
	// pipeline: sink panicked: nil map write
}
