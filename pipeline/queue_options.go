package pipeline

import (
	"fmt"
	"time"

	"github.com/spillway-go/spillway/strategy"
)

// Defaults of [QueueOptions].
const (
	// DefaultCapacity is the number of values a queue holds when
	// QueueOptions.Capacity is zero: the seed's 1024.
	DefaultCapacity = 1024
	// MaxCapacity is the largest QueueOptions.Capacity. A queue allocates
	// two buffers of Capacity values when it is made, so that Send never
	// allocates.
	MaxCapacity = 1 << 24
	// DefaultMaxDelay is how long a value may wait in a queue that is less
	// than a quarter full before the drain picks it up, when
	// QueueOptions.MaxDelay is zero.
	DefaultMaxDelay = 500 * time.Microsecond
)

// QueueOptions configures a [Queue]. The zero value means the defaults; each
// field's comment gives its default. T is the queue's element type, so a
// fallback sink of another type does not compile.
type QueueOptions[T any] struct {
	// Name names the stage in Stats. Default "queue".
	Name string

	// Capacity is the most values the queue holds waiting for the drain.
	// Values the drain has taken and is delivering do not count against it.
	// Default DefaultCapacity; negative, or above MaxCapacity, is an error.
	Capacity int

	// Strategy says what Send does when the queue is full. Default
	// strategy.Drop.
	Strategy strategy.Strategy

	// Fallback receives, synchronously, the values the queue cannot hold
	// under strategy.Fallback, and the values whose delivery downstream
	// failed under every strategy: with a Fallback, a write error loses
	// nothing. It should be synchronous (a jsonl.Writer), never another
	// queue. The queue owns it and closes it after the downstream. Required
	// by strategy.Fallback; optional otherwise.
	Fallback Sink[T]

	// MaxBatch is the most values the drain hands downstream in one call
	// (one SendBatch when the downstream is a BatchSender). Default: the
	// capacity, so the drain hands over everything it took at once;
	// negative is an error.
	MaxBatch int

	// MaxDelay bounds how long a value waits in the queue before the drain
	// looks at it while traffic flows. Producers never wake the drain while
	// the queue is less than a quarter full: the drain polls every MaxDelay
	// instead, which keeps the cost of a wake-up (microseconds) off the
	// producer's path. After a quiet spell the drain parks, and the first
	// Send after it wakes the drain. Default DefaultMaxDelay; negative is an
	// error.
	MaxDelay time.Duration

	// OnDrop, if set, is called with every value the queue drops and the
	// reason (ErrQueueFull, ErrClosed, a context's error, or the error of a
	// Close whose context ended). It runs on the sender's goroutine, or on
	// Close's: it must be fast and must not call back into the queue.
	// Hooks receive the value; errors never embed it.
	OnDrop func(v T, err error)

	// OnError, if set, is called with every value whose delivery failed and
	// the error (from the downstream sink, a recovered panic, or a fallback
	// that refused it), whether or not the fallback then took the value. It
	// runs on the drain goroutine or on the sender's (the Fallback strategy).
	OnError func(v T, err error)
}

// Validate reports whether o is a valid configuration, as [NewQueue] checks
// it: an error names the first bad option.
func (o *QueueOptions[T]) Validate() error {
	switch {
	case o.Capacity < 0:
		return fmt.Errorf("pipeline: NewQueue: Capacity %d is negative", o.Capacity)
	case o.Capacity > MaxCapacity:
		return fmt.Errorf("pipeline: NewQueue: Capacity %d is above MaxCapacity (%d)", o.Capacity, MaxCapacity)
	case o.MaxBatch < 0:
		return fmt.Errorf("pipeline: NewQueue: MaxBatch %d is negative", o.MaxBatch)
	case o.MaxDelay < 0:
		return fmt.Errorf("pipeline: NewQueue: MaxDelay %v is negative", o.MaxDelay)
	}
	if err := o.Strategy.Validate(); err != nil {
		return fmt.Errorf("pipeline: NewQueue: Strategy: %w", err)
	}
	if o.Strategy.Kind() == strategy.KindFallback && o.Fallback == nil {
		return fmt.Errorf("pipeline: NewQueue: Strategy %v needs a Fallback sink", o.Strategy)
	}
	return nil
}
