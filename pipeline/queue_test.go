package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/strategy"
)

// newQueue builds a queue or fails the test.
func newQueue[T any](t *testing.T, next pipeline.Sink[T], opts *pipeline.QueueOptions[T]) *pipeline.Queue[T] {
	t.Helper()
	q, err := pipeline.NewQueue(next, opts)
	if err != nil {
		t.Fatalf("NewQueue: %v", err)
	}
	return q
}

func mustClose(t *testing.T, s interface{ Close(context.Context) error }) {
	t.Helper()
	if err := s.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
}

func sendAll(t *testing.T, q pipeline.Sink[int], from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := q.Send(t.Context(), i); err != nil {
			t.Fatalf("Send(%d) = %v; want nil", i, err)
		}
	}
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func wantStats(t *testing.T, got, want pipeline.Stats) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
	if !got.Balanced() {
		t.Errorf("Stats %+v do not balance", got)
	}
}

func TestNewQueueRejectsBadOptions(t *testing.T) {
	next := &faults.Sink[int]{}
	tests := []struct {
		name string
		next pipeline.Sink[int]
		give pipeline.QueueOptions[int]
		want string
	}{
		{"nil sink", nil, pipeline.QueueOptions[int]{}, "next sink is nil"},
		{"negative capacity", next, pipeline.QueueOptions[int]{Capacity: -1}, "Capacity -1"},
		{"capacity above max", next, pipeline.QueueOptions[int]{Capacity: pipeline.MaxCapacity + 1}, "above MaxCapacity"},
		{"negative batch", next, pipeline.QueueOptions[int]{MaxBatch: -2}, "MaxBatch -2"},
		{"negative delay", next, pipeline.QueueOptions[int]{MaxDelay: -time.Second}, "MaxDelay -1s"},
		{"zero block duration", next, pipeline.QueueOptions[int]{Strategy: strategy.BlockFor(0)}, "Strategy"},
		{"negative block duration", next, pipeline.QueueOptions[int]{Strategy: strategy.BlockFor(-time.Second)}, "Strategy"},
		{"fallback without sink", next, pipeline.QueueOptions[int]{Strategy: strategy.Fallback}, "needs a Fallback sink"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := pipeline.NewQueue(tt.next, &tt.give)
			if err == nil {
				q.Close(t.Context())
				t.Fatalf("NewQueue(%+v) = nil error; want one containing %q", tt.give, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewQueue error = %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestQueueDefaults(t *testing.T) {
	q := newQueue[int](t, &faults.Sink[int]{}, nil)
	defer mustClose(t, q)
	if got := q.Strategy(); got != strategy.Drop {
		t.Errorf("Strategy() = %v; want drop", got)
	}
	st := q.Stats()
	if st.Name != "queue" || st.Capacity != pipeline.DefaultCapacity {
		t.Errorf("Stats() = %+v; want name queue, capacity %d", st, pipeline.DefaultCapacity)
	}
}

func TestQueueDeliversInOrder(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			var (
				next pipeline.Sink[int]
				got  func() []int
			)
			if batch {
				s := &faults.BatchSink[int]{}
				next, got = s, s.Got
			} else {
				s := &faults.Sink[int]{}
				next, got = s, s.Got
			}
			q := newQueue(t, next, &pipeline.QueueOptions[int]{Capacity: 10000, MaxBatch: 7})
			sendAll(t, q, 0, 5000)
			mustClose(t, q)
			if diff := cmp.Diff(seq(0, 5000), got()); diff != "" {
				t.Errorf("delivered mismatch (-want +got):\n%s", diff)
			}
			wantStats(t, q.Stats(), pipeline.Stats{
				Name: "queue", Received: 5000, Delivered: 5000,
				Capacity: 10000, HighWater: q.Stats().HighWater,
			})
		})
	}
}

// The drain hands a BatchSender everything queued, in chunks of MaxBatch.
func TestQueueHandsOverBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &faults.BatchSink[int]{}
		q := newQueue(t, s, &pipeline.QueueOptions[int]{Capacity: 100, MaxBatch: 4})
		sendAll(t, q, 0, 10) // below a quarter of capacity: no wake-up
		time.Sleep(2 * pipeline.DefaultMaxDelay)
		synctest.Wait()
		if diff := cmp.Diff([]int{4, 4, 2}, s.Batches()); diff != "" {
			t.Errorf("batch sizes mismatch (-want +got):\n%s", diff)
		}
		mustClose(t, q)
	})
}

// A value waits at most about MaxDelay while traffic flows, and a Send
// after a quiet spell wakes the parked drain at once.
func TestQueueDeliveryDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &faults.Sink[int]{}
		q := newQueue(t, s, &pipeline.QueueOptions[int]{MaxDelay: 5 * time.Millisecond})
		start := time.Now()
		sendAll(t, q, 0, 1)
		for s.Len() == 0 {
			time.Sleep(time.Millisecond)
		}
		if d := time.Since(start); d > 5*time.Millisecond {
			t.Errorf("first value delivered after %v; want at most MaxDelay 5ms", d)
		}

		time.Sleep(10 * time.Second) // long enough for the drain to park
		synctest.Wait()
		start = time.Now()
		sendAll(t, q, 1, 2)
		synctest.Wait() // the woken drain runs without time passing
		if got, d := s.Len(), time.Since(start); got != 2 || d != 0 {
			t.Errorf("after a quiet spell: %d values after %v; want 2 after 0s", got, d)
		}
		mustClose(t, q)
	})
}

// blockedQueue returns a queue whose drain is stuck delivering value -1 to
// a gated sink, so its capacity is free and nothing moves until the test
// releases the gate.
func blockedQueue(t *testing.T, opts pipeline.QueueOptions[int]) (*pipeline.Queue[int], *faults.Sink[int]) {
	t.Helper()
	s := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
	q := newQueue(t, s, &opts)
	if err := q.Send(t.Context(), -1); err != nil {
		t.Fatalf("Send(-1) = %v", err)
	}
	<-s.Entered
	return q, s
}

// Seed: drops_counter_increments_when_channel_full, and the overflow
// accounting of the reliability suite: N+k Sends into a stalled queue of
// capacity N drop exactly k, each reported to the hook, none waiting.
func TestQueueDropCountsOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity, extra = 8, 5
		var hooked []int
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{
			Capacity: capacity,
			OnDrop: func(v int, err error) {
				if !errors.Is(err, pipeline.ErrQueueFull) {
					t.Errorf("OnDrop(%d, %v); want ErrQueueFull", v, err)
				}
				hooked = append(hooked, v)
			},
		})
		start := time.Now()
		sendAll(t, q, 0, capacity)
		for i := capacity; i < capacity+extra; i++ {
			if err := q.Send(t.Context(), i); !errors.Is(err, pipeline.ErrQueueFull) {
				t.Errorf("Send(%d) on a full queue = %v; want ErrQueueFull", i, err)
			}
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Sends took %v of fake time; want 0 (Drop never waits)", d)
		}
		if diff := cmp.Diff(seq(capacity, capacity+extra), hooked); diff != "" {
			t.Errorf("OnDrop values mismatch (-want +got):\n%s", diff)
		}
		wantStats(t, q.Stats(), pipeline.Stats{
			Name: "queue", Received: capacity + extra + 1, Dropped: extra,
			InFlight: capacity + 1, Capacity: capacity, HighWater: capacity,
		})

		close(s.Gate)
		mustClose(t, q)
		if diff := cmp.Diff(append([]int{-1}, seq(0, capacity)...), s.Got()); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}
		wantStats(t, q.Stats(), pipeline.Stats{
			Name: "queue", Received: capacity + extra + 1, Delivered: capacity + 1, Dropped: extra,
			Capacity: capacity, HighWater: capacity,
		})
	})
}

// Seed: block_strategy_loses_nothing_under_burst, at the queue level.
func TestQueueBlockWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{Capacity: 2, Strategy: strategy.Block})
		sendAll(t, q, 0, 2)
		done := make(chan error)
		go func() { done <- q.Send(context.Background(), 2) }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Send on a full Block queue returned %v before there was room", err)
		default:
		}
		close(s.Gate)
		if err := <-done; err != nil {
			t.Fatalf("blocked Send = %v; want nil once there is room", err)
		}
		mustClose(t, q)
		if diff := cmp.Diff([]int{-1, 0, 1, 2}, s.Got()); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}
		if st := q.Stats(); st.Dropped != 0 || st.Delivered != 4 {
			t.Errorf("Stats() = %+v; want 4 delivered, 0 dropped", st)
		}
	})
}

func TestQueueBlockLosesNothingUnderBurst(t *testing.T) {
	s := &faults.Sink[int]{}
	q := newQueue(t, s, &pipeline.QueueOptions[int]{Capacity: 4, Strategy: strategy.Block})
	const producers, each = 8, 500
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() { sendAll(t, q, p*each, (p+1)*each) })
	}
	wg.Wait()
	mustClose(t, q)
	got := s.Got()
	slices.Sort(got)
	if diff := cmp.Diff(seq(0, producers*each), got); diff != "" {
		t.Errorf("delivered mismatch (-want +got):\n%s", diff)
	}
	if st := q.Stats(); st.Dropped != 0 || !st.Balanced() {
		t.Errorf("Stats() = %+v; want 0 dropped, balanced", st)
	}
}

// A blocked Send gives up when its context ends; the queue is unchanged and
// still delivers everything it holds.
func TestQueueBlockCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var dropped []int
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{
			Capacity: 2, Strategy: strategy.Block,
			OnDrop: func(v int, err error) { dropped = append(dropped, v) },
		})
		sendAll(t, q, 0, 2)
		before := q.Stats()

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- q.Send(ctx, 99) }()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Send with a canceled ctx = %v; want context.Canceled", err)
		}
		after := q.Stats()
		if after.InFlight != before.InFlight || after.Dropped != 1 {
			t.Errorf("after a canceled Send: %+v; want InFlight %d unchanged, 1 dropped", after, before.InFlight)
		}
		if diff := cmp.Diff([]int{99}, dropped); diff != "" {
			t.Errorf("OnDrop mismatch (-want +got):\n%s", diff)
		}
		close(s.Gate)
		mustClose(t, q)
		if diff := cmp.Diff([]int{-1, 0, 1}, s.Got()); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}
	})
}

// BlockFor waits d for the first Send, then drops at once while the drain
// is stuck, and waits again once the drain has moved.
func TestQueueBlockForCircuit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 50 * time.Millisecond
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{Capacity: 1, Strategy: strategy.BlockFor(d)})
		sendAll(t, q, 0, 1)

		start := time.Now()
		if err := q.Send(t.Context(), 1); !errors.Is(err, pipeline.ErrQueueFull) {
			t.Fatalf("first Send on a stuck queue = %v; want ErrQueueFull", err)
		}
		if waited := time.Since(start); waited != d {
			t.Errorf("first Send waited %v; want %v", waited, d)
		}
		start = time.Now()
		for i := 2; i < 5; i++ {
			if err := q.Send(t.Context(), i); !errors.Is(err, pipeline.ErrQueueFull) {
				t.Fatalf("Send(%d) while stuck = %v; want ErrQueueFull", i, err)
			}
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("Sends while the circuit is open waited %v; want 0", waited)
		}

		s.Gate <- struct{}{} // the drain delivers -1 and takes 0
		<-s.Entered
		synctest.Wait()
		sendAll(t, q, 5, 6) // room again
		start = time.Now()
		if err := q.Send(t.Context(), 6); !errors.Is(err, pipeline.ErrQueueFull) {
			t.Fatalf("Send after the drain moved = %v; want ErrQueueFull after a wait", err)
		}
		if waited := time.Since(start); waited != d {
			t.Errorf("Send after the drain moved waited %v; want %v again", waited, d)
		}

		close(s.Gate)
		mustClose(t, q)
		if diff := cmp.Diff([]int{-1, 0, 5}, s.Got()); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}
		wantStats(t, q.Stats(), pipeline.Stats{
			Name: "queue", Received: 8, Delivered: 3, Dropped: 5, Capacity: 1, HighWater: 1,
		})
	})
}

// A BlockFor Send that finds room within d succeeds.
func TestQueueBlockForSucceedsWhenRoomAppears(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{Capacity: 1, Strategy: strategy.BlockFor(time.Second)})
		sendAll(t, q, 0, 1)
		done := make(chan error)
		go func() { done <- q.Send(t.Context(), 1) }()
		time.Sleep(100 * time.Millisecond)
		close(s.Gate)
		if err := <-done; err != nil {
			t.Fatalf("Send = %v; want nil once room appears within the wait", err)
		}
		mustClose(t, q)
		if diff := cmp.Diff([]int{-1, 0, 1}, s.Got()); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}
	})
}

// Seed: fallback_strategy_routes_overflow.
func TestQueueFallbackTakesOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &faults.Sink[int]{}
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{Capacity: 1, Strategy: strategy.Fallback, Fallback: fb})
		sendAll(t, q, 0, 4)
		if diff := cmp.Diff([]int{1, 2, 3}, fb.Got()); diff != "" {
			t.Errorf("fallback got mismatch (-want +got):\n%s", diff)
		}
		close(s.Gate)
		mustClose(t, q)
		wantStats(t, q.Stats(), pipeline.Stats{
			Name: "queue", Received: 5, Delivered: 2, FellBack: 3, Capacity: 1, HighWater: 1,
		})
		if fb.Closes() != 1 || s.Closes() != 1 {
			t.Errorf("Close closed downstream %d and fallback %d times; want 1 and 1", s.Closes(), fb.Closes())
		}
	})
}

func TestQueueFallbackRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("disk full")
		fb := &faults.Sink[int]{Fail: func(int, int) error { return boom }}
		var hooked []error
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{
			Capacity: 1, Strategy: strategy.Fallback, Fallback: fb,
			OnError: func(_ int, err error) { hooked = append(hooked, err) },
		})
		sendAll(t, q, 0, 1)
		if err := q.Send(t.Context(), 1); !errors.Is(err, boom) || !errors.Is(err, pipeline.ErrQueueFull) {
			t.Errorf("Send with a failing fallback = %v; want it to wrap %v and ErrQueueFull", err, boom)
		}
		if len(hooked) != 1 || !errors.Is(hooked[0], boom) {
			t.Errorf("OnError got %v; want one error wrapping %v", hooked, boom)
		}
		close(s.Gate)
		mustClose(t, q)
		if st := q.Stats(); st.Failed != 1 || !st.Balanced() {
			t.Errorf("Stats() = %+v; want 1 failed, balanced", st)
		}
	})
}

// A failed delivery is reported and handed to the fallback: with a
// fallback, a write error loses nothing.
func TestQueueFailedDeliveryFallsBack(t *testing.T) {
	boom := errors.New("refused")
	for _, withFallback := range []bool{false, true} {
		for _, batch := range []bool{false, true} {
			t.Run(fmt.Sprintf("fallback=%v/batch=%v", withFallback, batch), func(t *testing.T) {
				// Each odd value fails by its own fault, so a batching
				// downstream is offered the values after it again.
				failOdd := func(v, _ int) error {
					if v%2 == 1 {
						return &pipeline.ValueError{Err: boom}
					}
					return nil
				}
				var (
					next pipeline.Sink[int]
					got  func() []int
				)
				if batch {
					s := &faults.BatchSink[int]{Sink: faults.Sink[int]{Fail: failOdd}}
					next, got = s, s.Got
				} else {
					s := &faults.Sink[int]{Fail: failOdd}
					next, got = s, s.Got
				}
				var mu sync.Mutex
				var hooked []int
				opts := pipeline.QueueOptions[int]{
					OnError: func(v int, err error) {
						if !errors.Is(err, boom) {
							t.Errorf("OnError(%d, %v); want %v", v, err, boom)
						}
						mu.Lock()
						hooked = append(hooked, v)
						mu.Unlock()
					},
				}
				fb := &faults.Sink[int]{}
				if withFallback {
					opts.Fallback = fb
				}
				q := newQueue(t, next, &opts)
				sendAll(t, q, 0, 10)
				mustClose(t, q)

				st := q.Stats()
				delivered := got()
				lost := int(st.Failed)
				if withFallback {
					lost = 0
				}
				if len(delivered)+len(fb.Got())+lost != 10 {
					t.Errorf("delivered %v, fallback %v, failed %d; want every value counted once", delivered, fb.Got(), st.Failed)
				}
				// A short batch blames only the value it refused, so
				// batching or not, exactly the odd values fail.
				if diff := cmp.Diff([]int{1, 3, 5, 7, 9}, hooked); diff != "" {
					t.Errorf("OnError values mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff([]int{0, 2, 4, 6, 8}, delivered); diff != "" {
					t.Errorf("delivered mismatch (-want +got):\n%s", diff)
				}
				if withFallback && (st.Failed != 0 || st.FellBack == 0) {
					t.Errorf("Stats() = %+v; want no failure, some fell back", st)
				}
				if !withFallback && st.Failed == 0 {
					t.Errorf("Stats() = %+v; want failures counted", st)
				}
				if !st.Balanced() || st.Received != 10 {
					t.Errorf("Stats() = %+v; want 10 received, balanced", st)
				}
			})
		}
	}
}

// A panic downstream fails that value, as a *PanicError, and the drain
// carries on.
func TestQueueRecoversDownstreamPanic(t *testing.T) {
	s := &faults.Sink[int]{Panic: func(v, _ int) any {
		if v == 3 {
			return "kaboom"
		}
		return nil
	}}
	var perr *pipeline.PanicError
	q := newQueue(t, s, &pipeline.QueueOptions[int]{
		OnError: func(v int, err error) {
			if v != 3 || !errors.As(err, &perr) {
				t.Errorf("OnError(%d, %v); want value 3 with a *PanicError", v, err)
			}
		},
	})
	sendAll(t, q, 0, 6)
	mustClose(t, q)
	if diff := cmp.Diff([]int{0, 1, 2, 4, 5}, s.Got()); diff != "" {
		t.Errorf("delivered mismatch (-want +got):\n%s", diff)
	}
	if perr == nil || perr.Value != "kaboom" || len(perr.Stack) == 0 {
		t.Errorf("PanicError = %+v; want value kaboom and a stack", perr)
	}
	if st := q.Stats(); st.Failed != 1 || st.Delivered != 5 {
		t.Errorf("Stats() = %+v; want 5 delivered, 1 failed", st)
	}
}

// A BatchSender that stops at a value for the value's own fault (a
// pipeline.ValueError) costs the queue that value only: it is blamed
// (reported to OnError and counted failed) and the values after it are
// offered again. Any other failure (the medium, a panic) fails every value
// the call did not take.
func TestQueueShortBatch(t *testing.T) {
	tests := []struct {
		name        string
		fail        func(v, i int) error
		panic       func(v, i int) any
		wantGot     []int
		wantBatches []int
		wantBlamed  []int
	}{
		{
			name: "bad value",
			fail: func(v, _ int) error {
				if v == 4 {
					return &pipeline.ValueError{Err: errors.New("does not encode")}
				}
				return nil
			},
			wantGot:     []int{0, 1, 2, 3, 5, 6, 7, 8, 9},
			wantBatches: []int{10, 5},
			wantBlamed:  []int{4},
		},
		{
			name: "failed medium",
			fail: func(v, _ int) error {
				if v == 4 {
					return errors.New("no space left on device")
				}
				return nil
			},
			wantGot:     []int{0, 1, 2, 3},
			wantBatches: []int{10},
			wantBlamed:  []int{4, 5, 6, 7, 8, 9},
		},
		{
			// A panic takes nothing: the values that reached the sink
			// before it are failed too (and go to the fallback if any:
			// delivery is at least once).
			name:        "panic",
			panic:       faults.PanicAt[int](4, "kaboom"),
			wantGot:     []int{0, 1, 2, 3},
			wantBatches: []int{10},
			wantBlamed:  []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &faults.BatchSink[int]{Sink: faults.Sink[int]{Fail: tt.fail, Panic: tt.panic}}
				var blamed []int
				q := newQueue(t, s, &pipeline.QueueOptions[int]{
					OnError: func(v int, err error) { blamed = append(blamed, v) },
				})
				sendAll(t, q, 0, 10) // below a quarter of capacity: one batch
				mustClose(t, q)
				if diff := cmp.Diff(tt.wantGot, s.Got()); diff != "" {
					t.Errorf("downstream got mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantBatches, s.Batches()); diff != "" {
					t.Errorf("batch sizes mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.wantBlamed, blamed); diff != "" {
					t.Errorf("OnError values mismatch (-want +got):\n%s", diff)
				}
				failed := uint64(len(tt.wantBlamed))
				wantStats(t, q.Stats(), pipeline.Stats{
					Name: "queue", Received: 10, Delivered: 10 - failed, Failed: failed,
					Capacity: pipeline.DefaultCapacity, HighWater: 10,
				})
			})
		})
	}
}

// A hook that panics costs neither the Send that called it nor the drain:
// Send returns its usual error, and every value is still delivered or
// counted.
func TestQueueRecoversHookPanic(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var (
					s    *faults.Sink[int]
					next pipeline.Sink[int]
				)
				if batch {
					b := &faults.BatchSink[int]{}
					s, next = &b.Sink, b
				} else {
					s = &faults.Sink[int]{}
					next = s
				}
				s.Gate, s.Entered = make(chan struct{}), make(chan struct{}, 1)
				s.Fail = func(v, _ int) error {
					if v%2 == 1 {
						return &pipeline.ValueError{Err: errors.New("odd")}
					}
					return nil
				}
				var drops, errs atomic.Int64
				q := newQueue(t, next, &pipeline.QueueOptions[int]{
					Capacity: 4,
					OnDrop:   func(int, error) { drops.Add(1); panic("OnDrop hook") },
					OnError:  func(int, error) { errs.Add(1); panic("OnError hook") },
				})
				sendAll(t, q, -1, 0)
				<-s.Entered // the drain is stuck delivering -1
				sendAll(t, q, 0, 4)
				if err := q.Send(t.Context(), 4); !errors.Is(err, pipeline.ErrQueueFull) {
					t.Errorf("Send(4) on a full queue with a panicking OnDrop = %v; want ErrQueueFull", err)
				}
				close(s.Gate)
				synctest.Wait() // the drain delivers 0..3, blaming 1 and 3
				sendAll(t, q, 5, 7)
				mustClose(t, q)
				if err := q.Send(t.Context(), 7); !errors.Is(err, pipeline.ErrClosed) {
					t.Errorf("Send(7) after Close with a panicking OnDrop = %v; want ErrClosed", err)
				}

				if diff := cmp.Diff([]int{-1, 0, 2, 6}, s.Got()); diff != "" {
					t.Errorf("delivered mismatch (-want +got):\n%s", diff)
				}
				if d, e := drops.Load(), errs.Load(); d != 2 || e != 3 {
					t.Errorf("OnDrop called %d times, OnError %d; want 2 and 3", d, e)
				}
				wantStats(t, q.Stats(), pipeline.Stats{
					Name: "queue", Received: 9, Delivered: 4, Dropped: 2, Failed: 3,
					Capacity: 4, HighWater: 4,
				})
			})
		})
	}
}

func TestQueueSendAfterClose(t *testing.T) {
	var hooked []error
	q := newQueue(t, &faults.Sink[int]{}, &pipeline.QueueOptions[int]{
		OnDrop: func(_ int, err error) { hooked = append(hooked, err) },
	})
	mustClose(t, q)
	if err := q.Send(t.Context(), 1); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want ErrClosed", err)
	}
	if len(hooked) != 1 || !errors.Is(hooked[0], pipeline.ErrClosed) {
		t.Errorf("OnDrop got %v; want [ErrClosed]", hooked)
	}
	wantStats(t, q.Stats(), pipeline.Stats{Name: "queue", Received: 1, Dropped: 1, Capacity: pipeline.DefaultCapacity})
	mustClose(t, q) // idempotent
}

// Seed: dropping_sink_flushes_pending_events. Close waits for a delivery in
// flight and drains everything queued before closing downstream.
func TestQueueCloseDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{Capacity: 100})
		sendAll(t, q, 0, 50)
		closed := make(chan error)
		go func() { closed <- q.Close(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-closed:
			t.Fatalf("Close returned %v while a delivery was in flight", err)
		default:
		}
		if s.Closes() != 0 {
			t.Fatalf("downstream closed while the queue still held values")
		}
		close(s.Gate)
		if err := <-closed; err != nil {
			t.Fatalf("Close = %v; want nil", err)
		}
		if diff := cmp.Diff(append([]int{-1}, seq(0, 50)...), s.Got()); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}
		if s.Closes() != 1 {
			t.Errorf("downstream closed %d times; want 1", s.Closes())
		}
	})
}

// Close with a wedged downstream returns by its deadline, counting exactly
// the values it abandons.
func TestQueueCloseWithHungDownstream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var abandoned atomic.Int64
		s := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		q := newQueue(t, s, &pipeline.QueueOptions[int]{
			Capacity: 100,
			OnDrop:   func(int, error) { abandoned.Add(1) },
		})
		sendAll(t, q, -1, 0)
		<-s.Entered
		sendAll(t, q, 0, 7)

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err := q.Close(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close = %v; want an error wrapping DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("Close returned after %v; want its 1s deadline", waited)
		}
		if !strings.Contains(err.Error(), "7 queued values abandoned, 1 in a delivery") {
			t.Errorf("Close error %q does not give the abandoned counts", err)
		}
		if abandoned.Load() != 7 {
			t.Errorf("OnDrop called %d times; want 7", abandoned.Load())
		}
		// The gated Send saw the drain's context canceled and gave up.
		synctest.Wait()
		wantStats(t, q.Stats(), pipeline.Stats{
			Name: "queue", Received: 8, Dropped: 7, Failed: 1, Capacity: 100, HighWater: 7,
		})
		if err := q.Close(t.Context()); err != nil {
			t.Errorf("second Close = %v; want nil once the drain is done", err)
		}
		if s.Closes() != 1 {
			t.Errorf("downstream closed %d times; want 1", s.Closes())
		}
	})
}

// Close with a ctx that has already ended still closes a queue with
// nothing to deliver: there is nothing to abandon.
func TestQueueCloseIdleWithEndedCtx(t *testing.T) {
	for _, sent := range []int{0, 3} {
		t.Run(fmt.Sprintf("sent=%d", sent), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, fb := &faults.Sink[int]{}, &faults.Sink[int]{}
				q := newQueue(t, s, &pipeline.QueueOptions[int]{Fallback: fb})
				sendAll(t, q, 0, sent)
				time.Sleep(2 * pipeline.DefaultMaxDelay) // the drain's poll comes due
				synctest.Wait()
				if got := s.Len(); got != sent {
					t.Fatalf("downstream has %d values before Close; want %d", got, sent)
				}

				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				for i := range 2 {
					if err := q.Close(ctx); err != nil {
						t.Errorf("Close #%d of an idle queue with an ended ctx = %v; want nil", i+1, err)
					}
				}
				if s.Closes() != 1 || fb.Closes() != 1 {
					t.Errorf("downstream closed %d times, fallback %d; want 1 and 1", s.Closes(), fb.Closes())
				}
				wantStats(t, q.Stats(), pipeline.Stats{
					Name: "queue", Received: uint64(sent), Delivered: uint64(sent),
					Capacity: pipeline.DefaultCapacity, HighWater: sent,
				})
			})
		})
	}
}

// A Close whose ctx ends while the downstream is closing leaves it open; a
// later Close closes it.
func TestQueueSecondCloseFinishesClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &faults.Sink[int]{CloseGate: make(chan struct{})}
		q := newQueue(t, s, nil)
		sendAll(t, q, 0, 3)

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if err := q.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close with the downstream's Close stuck = %v; want DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("Close returned after %v; want its 1s deadline", waited)
		}
		if s.Closes() != 0 {
			t.Fatalf("downstream closed %d times while its Close was stuck; want 0", s.Closes())
		}
		if diff := cmp.Diff([]int{0, 1, 2}, s.Got()); diff != "" {
			t.Errorf("delivered mismatch (-want +got):\n%s", diff)
		}

		closed := make(chan error, 1)
		go func() { closed <- q.Close(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-closed:
			t.Fatalf("second Close returned %v before the downstream's Close could finish", err)
		default:
		}
		close(s.CloseGate)
		if err := <-closed; err != nil {
			t.Errorf("second Close = %v; want nil", err)
		}
		if s.Closes() != 1 {
			t.Errorf("downstream closed %d times; want 1", s.Closes())
		}
		mustClose(t, q)
		if s.Closes() != 1 {
			t.Errorf("downstream closed %d times after a third Close; want 1", s.Closes())
		}
	})
}

// Close waits for a Send handing a value to the fallback under
// strategy.Fallback, and closes neither sink under it; a Close whose ctx
// ends first says so and leaves both open.
func TestQueueCloseWaitsForFallbackSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &faults.Sink[int]{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		release := sync.OnceFunc(func() { close(fb.Gate) })
		defer release() // a failed check must not leave Send(1) stuck in the bubble
		q, s := blockedQueue(t, pipeline.QueueOptions[int]{Capacity: 1, Strategy: strategy.Fallback, Fallback: fb})
		sendAll(t, q, 0, 1) // the queue is full
		sent := make(chan error, 1)
		go func() { sent <- q.Send(context.Background(), 1) }()
		<-fb.Entered // Send(1) is in the fallback
		close(s.Gate)
		synctest.Wait() // the drain delivers -1 and 0
		if diff := cmp.Diff([]int{-1, 0}, s.Got()); diff != "" {
			t.Fatalf("delivered mismatch (-want +got):\n%s", diff)
		}

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if err := q.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close with a fallback Send in progress = %v; want DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("Close returned after %v; want its 1s deadline", waited)
		}
		if s.Closes() != 0 || fb.Closes() != 0 {
			t.Errorf("downstream closed %d times, fallback %d, with a fallback Send in progress; want 0 and 0", s.Closes(), fb.Closes())
		}

		closed := make(chan error, 1)
		go func() { closed <- q.Close(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-closed:
			t.Fatalf("Close returned %v with a fallback Send in progress", err)
		default:
		}
		if fb.Closes() != 0 {
			t.Fatalf("fallback closed under a Send in progress")
		}
		release()
		if err := <-sent; err != nil {
			t.Errorf("Send(1) to the fallback = %v; want nil, the fallback still open", err)
		}
		if err := <-closed; err != nil {
			t.Errorf("Close = %v; want nil once the fallback Send is done", err)
		}
		if diff := cmp.Diff([]int{1}, fb.Got()); diff != "" {
			t.Errorf("fallback got mismatch (-want +got):\n%s", diff)
		}
		if s.Closes() != 1 || fb.Closes() != 1 {
			t.Errorf("downstream closed %d times, fallback %d; want 1 and 1", s.Closes(), fb.Closes())
		}
		wantStats(t, q.Stats(), pipeline.Stats{
			Name: "queue", Received: 3, Delivered: 2, FellBack: 1, Capacity: 1, HighWater: 1,
		})
	})
}

// Close racing many senders: every Send returns nil or ErrClosed, and every
// value is counted exactly once.
func TestQueueCloseRacesSenders(t *testing.T) {
	for _, strat := range []strategy.Strategy{strategy.Drop, strategy.Block, strategy.BlockFor(time.Millisecond)} {
		t.Run(strat.String(), func(t *testing.T) {
			s := &faults.BatchSink[int]{}
			q := newQueue(t, s, &pipeline.QueueOptions[int]{Capacity: 16, Strategy: strat})
			const producers, each = 8, 2000
			var accepted, refused atomic.Uint64
			var wg sync.WaitGroup
			for p := range producers {
				wg.Go(func() {
					for i := range each {
						switch err := q.Send(context.Background(), p*each+i); {
						case err == nil:
							accepted.Add(1)
						case errors.Is(err, pipeline.ErrClosed), errors.Is(err, pipeline.ErrQueueFull):
							refused.Add(1)
						default:
							t.Errorf("Send = %v; want nil, ErrClosed or ErrQueueFull", err)
						}
					}
				})
			}
			for q.Stats().Received < producers*each/4 {
				runtime.Gosched()
			}
			mustClose(t, q)
			wg.Wait()
			st := q.Stats()
			if st.Received != producers*each || !st.Balanced() {
				t.Errorf("Stats() = %+v; want %d received, balanced", st, producers*each)
			}
			if st.Delivered != accepted.Load() || uint64(s.Len()) != accepted.Load() {
				t.Errorf("delivered %d, sink has %d; want %d (the Sends that returned nil)", st.Delivered, s.Len(), accepted.Load())
			}
			if st.Dropped != refused.Load() {
				t.Errorf("dropped %d; want %d (the Sends that returned an error)", st.Dropped, refused.Load())
			}
		})
	}
}

// Many producers under Drop: the identity holds and the counts match what
// the producers and the sink saw.
func TestQueueAccountingUnderLoad(t *testing.T) {
	s := &faults.BatchSink[int]{}
	q := newQueue(t, s, &pipeline.QueueOptions[int]{Capacity: 64, MaxBatch: 16})
	const producers, each = 8, 5000
	var accepted atomic.Uint64
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				if q.Send(context.Background(), p*each+i) == nil {
					accepted.Add(1)
				}
				if i%100 == 0 {
					if st := q.Stats(); st.HighWater > 64 || st.InFlight > st.Received {
						t.Errorf("Stats() = %+v mid-run; want HighWater <= 64, InFlight <= Received", st)
					}
				}
			}
		})
	}
	wg.Wait()
	mustClose(t, q)
	st := q.Stats()
	if st.Received != producers*each || st.Delivered != accepted.Load() || !st.Balanced() {
		t.Errorf("Stats() = %+v; want %d received, %d delivered, balanced", st, producers*each, accepted.Load())
	}
	// FIFO per producer: each producer's values arrive in the order sent.
	last := make(map[int]int)
	for _, v := range s.Got() {
		p := v / each
		if prev, ok := last[p]; ok && v <= prev {
			t.Fatalf("producer %d: %d delivered after %d", p, v, prev)
		}
		last[p] = v
	}
}

func TestQueueChildren(t *testing.T) {
	next, fb := &faults.Sink[int]{}, &faults.Sink[int]{}
	q := newQueue(t, next, &pipeline.QueueOptions[int]{Fallback: fb})
	defer mustClose(t, q)
	got := q.Children()
	if len(got) != 2 || got[0].Sink != pipeline.Sink[int](next) || got[1].Sink != pipeline.Sink[int](fb) || got[1].Edge != "[fallback]" {
		t.Errorf("Children() = %+v; want downstream then fallback on edge [fallback]", got)
	}
}
