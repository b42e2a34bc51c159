//go:build !race

package pipeline_test

import (
	"context"
	"testing"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
)

func TestQueueSendDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	v := bigValue{ID: "01J000000000000000000000TEST", Tool: "ref:echo.say", Caps: []string{"read"}}

	t.Run("room", func(t *testing.T) {
		// Room for every Send of AllocsPerRun (runs+1), even if the drain
		// never runs.
		q := newQueue(t, pipeline.Discard[bigValue](), &pipeline.QueueOptions[bigValue]{Capacity: 1 << 14})
		defer mustClose(t, q)
		if a := testing.AllocsPerRun(10000, func() { q.Send(ctx, v) }); a != 0 {
			t.Errorf("Send into a queue with room: %v allocs; want 0", a)
		}
	})
	t.Run("drop when full", func(t *testing.T) {
		s := &faults.Sink[bigValue]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		q := newQueue(t, s, &pipeline.QueueOptions[bigValue]{Capacity: 4})
		q.Send(ctx, v)
		<-s.Entered
		for range 4 {
			q.Send(ctx, v)
		}
		if a := testing.AllocsPerRun(10000, func() { q.Send(ctx, v) }); a != 0 {
			t.Errorf("Drop Send into a full queue: %v allocs; want 0", a)
		}
		close(s.Gate)
		mustClose(t, q)
	})
}
