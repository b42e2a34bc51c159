// Package pipelinetest checks that a [pipeline.Sink] keeps the contract every
// sink shares, as testing/slogtest does for slog handlers. Every sink in this
// repository passes [Run]; an adopter's custom stage should too:
//
//	func TestConformance(t *testing.T) {
//		pipelinetest.Run(t, pipelinetest.Harness[int]{
//			New: func(t *testing.T) (pipeline.Sink[int], func() []int) {
//				var mem memory.Sink[int]
//				s, err := mystage.New(&mem)
//				if err != nil {
//					t.Fatal(err)
//				}
//				return s, mem.All
//			},
//			Value: func(i int) int { return i },
//		})
//	}
//
// Run with -race: one of the checks races many Sends against Close.
package pipelinetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spillway-go/spillway/pipeline"
)

// closeTimeout bounds every Close the checks make, so a sink that hangs
// fails its check instead of stalling the test binary.
const closeTimeout = time.Minute

// Sizes of the checks.
const (
	serialSends = 20
	batchSize   = 16
	senders     = 8
	sendsEach   = 64
)

// Harness describes the sink under test to [Run].
type Harness[T any] struct {
	// New returns a new, open sink, ready for a check, and optionally a
	// function that returns the values the sink has delivered so far (read
	// from a memory sink behind it, for example), or nil if it cannot tell.
	// Run calls New once for each check, with the check's t, and closes
	// the sink itself; use t.Cleanup to release anything else. Required.
	//
	// Run expects a healthy sink: every value it sends to an open sink is
	// accepted (Send returns nil), unless MayRefuse is set, and every value
	// accepted is delivered once Close returns. A stage that filters must
	// keep every value Value returns; a stage that transforms values must
	// have its delivered function map them back, so that they compare
	// equal with reflect.DeepEqual to those sent.
	New func(t *testing.T) (s pipeline.Sink[T], delivered func() []T)

	// MayRefuse says that the sink may refuse values while it is open, as
	// a queue with a small capacity under strategy.Drop does when its
	// drain lags. Run then lets a Send or SendBatch on an open sink fail
	// with any error but [pipeline.ErrClosed], and checks that what was
	// accepted was delivered.
	MayRefuse bool

	// Value returns the i-th value to send, i counting from 0. Values for
	// different i should differ, so a check can tell a value delivered
	// twice from two values delivered once. Default: the zero T for every
	// i.
	Value func(i int) T
}

// Run runs every check on the sinks that h makes, each as a subtest of t:
//
//   - Close is idempotent: a second Close, or several racing, return the
//     result of the first, and a healthy sink closes with nil.
//   - Send after Close returns an error for which errors.Is(err,
//     pipeline.ErrClosed) holds, delivers nothing, and counts the value as
//     dropped if the sink is a [pipeline.StatsReporter]; SendBatch after
//     Close likewise, for a [pipeline.BatchSender].
//   - Sends from many goroutines racing one Close finish, every value that
//     was accepted is delivered exactly once, and the accounting holds.
//   - After Close, every stage that [pipeline.Walk] lists is balanced with
//     nothing in flight, and the first one (where Send enters) received
//     every value sent.
//   - SendBatch, for a [pipeline.BatchSender], keeps the prefix contract,
//     takes a whole batch (unless [Harness].MayRefuse), and does not retain
//     the slice it was given.
//
// Run does not start checks in parallel, and leaves leak detection to the
// caller (go.uber.org/goleak in TestMain).
func Run[T any](t *testing.T, h Harness[T]) {
	t.Helper()
	if h.New == nil {
		t.Fatal("pipelinetest: Harness.New is nil")
	}
	if h.Value == nil {
		h.Value = func(int) T { var zero T; return zero }
	}
	c := &checker[T]{h: h}
	t.Run("CloseIdempotent", c.closeIdempotent)
	t.Run("SendAfterClose", c.sendAfterClose)
	t.Run("ConcurrentSendClose", c.concurrentSendClose)
	t.Run("Accounting", c.accounting)
	t.Run("SendBatch", c.sendBatch)
}

type checker[T any] struct {
	h Harness[T]
}

// subject is one sink made by the harness, with what was sent to it.
type subject[T any] struct {
	sink      pipeline.Sink[T]
	delivered func() []T
}

func (c *checker[T]) open(t *testing.T) *subject[T] {
	t.Helper()
	s, delivered := c.h.New(t)
	if s == nil {
		t.Fatal("Harness.New returned a nil sink")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = s.Close(ctx)
	})
	return &subject[T]{sink: s, delivered: delivered}
}

func closeSink[T any](s pipeline.Sink[T]) error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return s.Close(ctx)
}

// sendAll sends the values for indices [from, to) from one goroutine and
// returns those accepted. It fails t if a value is refused, unless the
// harness allows it, or if none is accepted.
func (c *checker[T]) sendAll(t *testing.T, s pipeline.Sink[T], from, to int) []T {
	t.Helper()
	var accepted []T
	for i := from; i < to; i++ {
		v := c.h.Value(i)
		err := s.Send(t.Context(), v)
		switch {
		case err == nil:
			accepted = append(accepted, v)
		case !c.h.MayRefuse || errors.Is(err, pipeline.ErrClosed):
			t.Fatalf("Send(Value(%d)) on an open sink = %v; want nil", i, err)
		default:
			t.Logf("Send(Value(%d)) on an open sink = %v; allowed by MayRefuse", i, err)
		}
	}
	if len(accepted) == 0 {
		t.Fatalf("open sink refused all %d values", to-from)
	}
	return accepted
}

func (c *checker[T]) closeIdempotent(t *testing.T) {
	s := c.open(t)
	c.sendAll(t, s.sink, 0, 3)

	const closers = 4
	errs := make([]error, closers)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = closeSink(s.sink) })
	}
	wg.Wait()
	again := closeSink(s.sink)

	if errs[0] != nil {
		t.Errorf("Close = %v; want nil for a healthy sink", errs[0])
	}
	for i, err := range append(errs[1:], again) {
		if !sameError(err, errs[0]) {
			t.Errorf("Close #%d = %v; want %v, the result of the first", i+2, err, errs[0])
		}
	}
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a == b || a.Error() == b.Error()
}

func (c *checker[T]) sendAfterClose(t *testing.T) {
	s := c.open(t)
	c.sendAll(t, s.sink, 0, 3)
	if err := closeSink(s.sink); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	before := c.snapshot(s)
	var deliveredBefore []T
	if s.delivered != nil {
		deliveredBefore = s.delivered()
	}

	if err := s.sink.Send(t.Context(), c.h.Value(3)); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want an error wrapping %v", err, pipeline.ErrClosed)
	}
	refused := uint64(1)
	if b, ok := s.sink.(pipeline.BatchSender[T]); ok {
		vs := []T{c.h.Value(4), c.h.Value(5)}
		n, err := b.SendBatch(t.Context(), vs)
		if n != 0 || !errors.Is(err, pipeline.ErrClosed) {
			t.Errorf("SendBatch(%d values) after Close = %d, %v; want 0 and an error wrapping %v",
				len(vs), n, err, pipeline.ErrClosed)
		}
		refused += uint64(len(vs))
	}

	if before != nil {
		after := c.snapshot(s)
		if got, want := after.Received, before.Received+refused; got != want {
			t.Errorf("after %d values sent after Close, Received = %d; want %d", refused, got, want)
		}
		if got, want := after.Dropped, before.Dropped+refused; got != want {
			t.Errorf("after %d values sent after Close, Dropped = %d; want %d", refused, got, want)
		}
	}
	if s.delivered != nil {
		if got := s.delivered(); len(got) != len(deliveredBefore) {
			t.Errorf("after Close, %d values delivered; want %d: a Send after Close delivered its value",
				len(got), len(deliveredBefore))
		}
	}
}

// snapshot returns the counters of the stage Send enters, or nil if no
// stage of the sink reports them.
func (c *checker[T]) snapshot(s *subject[T]) *pipeline.StageStats {
	snap := pipeline.Walk(s.sink)
	if len(snap) == 0 {
		return nil
	}
	return &snap[0]
}

func (c *checker[T]) concurrentSendClose(t *testing.T) {
	s := c.open(t)

	type result struct {
		v   T
		err error
	}
	results := make([][]result, senders)
	// The sender that makes the middle Send closes the sink, while the
	// others keep sending.
	start := make(chan struct{})
	var (
		sent     atomic.Int64
		closeErr error
		wg       sync.WaitGroup
	)
	for g := range senders {
		wg.Go(func() {
			<-start
			for k := range sendsEach {
				v := c.h.Value(g*sendsEach + k)
				err := s.sink.Send(t.Context(), v)
				results[g] = append(results[g], result{v, err})
				if sent.Add(1) == senders*sendsEach/2 {
					closeErr = closeSink(s.sink)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if closeErr != nil {
		t.Errorf("Close racing Sends = %v; want nil", closeErr)
	}
	if err := closeSink(s.sink); !sameError(err, closeErr) {
		t.Errorf("second Close = %v; want %v, the result of the first", err, closeErr)
	}

	var accepted []T
	refused := 0
	for _, rs := range results {
		for _, r := range rs {
			if r.err == nil {
				accepted = append(accepted, r.v)
			} else {
				refused++
			}
		}
	}
	t.Logf("%d values accepted, %d refused", len(accepted), refused)

	c.checkBalanced(t, s, senders*sendsEach)
	if s.delivered != nil {
		checkDelivered(t, accepted, s.delivered())
	}
}

func (c *checker[T]) accounting(t *testing.T) {
	s := c.open(t)
	sent := c.sendAll(t, s.sink, 0, serialSends)
	if err := closeSink(s.sink); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	c.checkBalanced(t, s, serialSends)
	if s.delivered != nil {
		checkDelivered(t, sent, s.delivered())
	}
}

// checkBalanced checks a closed sink's counters: every stage balanced with
// nothing in flight, every stage named, and the first stage having received
// sends values.
func (c *checker[T]) checkBalanced(t *testing.T, s *subject[T], sends int) {
	t.Helper()
	snap := pipeline.Walk(s.sink)
	for _, st := range snap {
		if st.Name == "" {
			t.Errorf("stage at %q reports an empty Name", st.Path)
		}
		if !st.Balanced() {
			t.Errorf("stage %q after Close is not balanced: %+v", st.Path, st.Stats)
		}
		if st.InFlight != 0 {
			t.Errorf("stage %q after Close has InFlight = %d; want 0", st.Path, st.InFlight)
		}
	}
	if len(snap) > 0 {
		if got := snap[0].Received; got != uint64(sends) {
			t.Errorf("stage %q Received = %d after %d Sends; want %d", snap[0].Path, got, sends, sends)
		}
	}
}

// checkDelivered checks that got holds every value of want exactly once and
// nothing else, in any order.
func checkDelivered[T any](t *testing.T, want, got []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d values delivered; want the %d accepted", len(got), len(want))
	}
	used := make([]bool, len(want))
	for _, g := range got {
		found := false
		for j, w := range want {
			if !used[j] && reflect.DeepEqual(g, w) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("delivered %s, which was not accepted or was delivered twice", describe(g))
		}
	}
	for j, u := range used {
		if !u {
			t.Errorf("accepted %s, which was not delivered", describe(want[j]))
		}
	}
}

func describe(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func (c *checker[T]) sendBatch(t *testing.T) {
	s := c.open(t)
	b, ok := s.sink.(pipeline.BatchSender[T])
	if !ok {
		t.Skip("sink is not a pipeline.BatchSender")
	}

	if n, err := b.SendBatch(t.Context(), nil); n != 0 {
		t.Errorf("SendBatch(nil) = %d, %v; want 0", n, err)
	}

	sent := make([]T, batchSize)
	vs := make([]T, batchSize)
	for i := range vs {
		sent[i] = c.h.Value(i)
		vs[i] = c.h.Value(i)
	}
	n, err := b.SendBatch(t.Context(), vs)
	switch {
	case n < 0 || n > len(vs):
		t.Fatalf("SendBatch(%d values) = %d, %v; want n in [0, %d]", len(vs), n, err, len(vs))
	case n < len(vs) && err == nil:
		t.Errorf("SendBatch(%d values) = %d, nil; want an error when n < len(vs)", len(vs), n)
	case errors.Is(err, pipeline.ErrClosed):
		t.Errorf("SendBatch(%d values) on an open sink = %d, %v; want no %v", len(vs), n, err, pipeline.ErrClosed)
	case c.h.MayRefuse:
		t.Logf("SendBatch(%d values) on an open sink = %d, %v; allowed by MayRefuse", len(vs), n, err)
	case n != len(vs) || err != nil:
		t.Errorf("SendBatch(%d values) on an open sink = %d, %v; want %d, nil", len(vs), n, err, len(vs))
	}
	n = max(0, min(n, len(vs)))

	// The caller owns vs again: overwrite it, as a queue's drain would.
	for i := range vs {
		vs[i] = c.h.Value(batchSize + i)
	}

	if err := closeSink(s.sink); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	c.checkBalanced(t, s, batchSize)
	if s.delivered != nil {
		checkDelivered(t, sent[:n], s.delivered())
	}
}
