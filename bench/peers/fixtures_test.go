package peers_test

import (
	"github.com/spillway-go/spillway/bench/internal/events"
	"github.com/spillway-go/spillway/event"
)

// fixture is one event every peer writes: those of package bench's
// benchmarks, from bench/internal/events.
type fixture struct {
	name string
	ev   event.CallEvent
}

func fixtures() []fixture {
	return []fixture{
		{"typical", events.Typical()},
		{"fat", events.Fat()},
	}
}
