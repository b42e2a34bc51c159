package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spillway-go/spillway/strategy"
)

// idlePolls is how many empty polls in a row the drain makes before it
// parks until a producer wakes it. With the default MaxDelay it parks after
// about 50ms without traffic.
const idlePolls = 100

// A Queue is a bounded queue in front of a downstream sink, with one drain
// goroutine that delivers values in the order they were accepted. What Send
// does when the queue is full is the queue's [strategy.Strategy]:
//
//   - strategy.Drop returns [ErrQueueFull] at once and counts the value as
//     dropped.
//   - strategy.Block waits for room until ctx ends, then returns ctx.Err()
//     and counts the value as dropped.
//   - strategy.BlockFor(d) waits at most d, then returns ErrQueueFull. While
//     the drain has not moved since a sender last gave up, later senders
//     give up at once instead of each waiting d.
//   - strategy.Fallback hands the value synchronously to
//     QueueOptions.Fallback; Send returns the fallback's result.
//
// A value whose delivery downstream fails (an error, or a panic recovered
// into a [*PanicError]) goes to QueueOptions.OnError and then to the
// fallback sink when one is configured, under every strategy.
//
// Send on a queue with room takes one short-lived mutex that the drain
// never holds while it delivers; a Drop Send on a full queue refuses
// without taking it. Neither allocates, and neither makes a system call
// unless it wakes the drain (waking a thread may take one). Producers wake
// the drain only when the queue is a quarter full, or on the first Send
// after a quiet spell has parked it; while traffic flows the drain polls
// every QueueOptions.MaxDelay instead. So a value waits up to about
// MaxDelay before delivery starts, and a producer almost never pays for
// waking another goroutine.
//
// A Queue is safe for concurrent use. It owns its downstream and fallback
// sinks and closes them.
type Queue[T any] struct {
	name     string
	next     Sink[T]
	batch    bool // next is a BatchSender
	fallback Sink[T]
	strat    strategy.Strategy
	capacity int
	maxBatch int
	maxDelay time.Duration
	wakeAt   int // queue length at which a producer wakes the drain
	onDrop   func(T, error)
	onError  func(T, error)
	dropFast bool // the strategy is Drop: a full queue refuses without the lock

	// fastDropped counts the Drop Sends refused without the lock (see
	// isFull), each one value received and dropped. Every such Send writes
	// it, so it has a cache line of its own.
	_           [64]byte
	fastDropped atomic.Uint64
	_           [56]byte

	// isFull is set while the queue holds capacity values, so that a Drop
	// Send refuses without taking mu.
	isFull atomic.Bool

	mu        sync.Mutex
	buf       []T           // values waiting for the drain; cap(buf) == capacity
	closed    bool          // no Send is accepted any more
	room      chan struct{} // closed and replaced when the drain makes room
	waiting   bool          // some sender waits on room
	inWrite   int           // values the drain has taken and not yet accounted for
	pending   int           // values whose Send waits for room or for the fallback
	progress  uint64        // deliveries the drain has finished (the BlockFor circuit)
	stuckAt   uint64        // progress+1 when a BlockFor sender gave up; 0 when the drain moved since
	highWater int
	received  uint64
	delivered uint64
	dropped   uint64
	failed    uint64
	fellBack  uint64

	asleep      atomic.Bool   // the drain is parked until woken
	wake        chan struct{} // buffered(1): a nudge to the drain
	stop        chan struct{} // closed by the first Close
	done        chan struct{} // closed when the drain returns
	cancelDrain context.CancelFunc

	noPending chan struct{} // closed when pending reaches 0, if Close waits for it; guarded by mu
	life      passLifecycle // closes the downstream and the fallback
}

// NewQueue returns a Queue that delivers to next, configured by opts (nil
// means the defaults), and starts its drain goroutine. The goroutine ends
// when Close has drained the queue. A nil next or an invalid option is an
// error that names it.
func NewQueue[T any](next Sink[T], opts *QueueOptions[T]) (*Queue[T], error) {
	if next == nil {
		return nil, errors.New("pipeline: NewQueue: next sink is nil")
	}
	var o QueueOptions[T]
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = "queue"
	}
	if o.Capacity == 0 {
		o.Capacity = DefaultCapacity
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = o.Capacity
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	q := &Queue[T]{
		name:     o.Name,
		next:     next,
		fallback: o.Fallback,
		life:     newPassLifecycle(),
		strat:    o.Strategy,
		capacity: o.Capacity,
		maxBatch: o.MaxBatch,
		maxDelay: o.MaxDelay,
		wakeAt:   max(1, o.Capacity/4),
		onDrop:   o.OnDrop,
		onError:  o.OnError,
		dropFast: o.Strategy.Kind() == strategy.KindDrop,
		buf:      make([]T, 0, o.Capacity),
		room:     make(chan struct{}),
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	_, q.batch = next.(BatchSender[T])
	ctx, cancel := context.WithCancel(context.Background())
	q.cancelDrain = cancel
	go q.drain(ctx)
	return q, nil
}

// Send enqueues v, or does what the queue's strategy says when it is full.
// It returns nil when the queue took v (or, under strategy.Fallback, the
// fallback did); [ErrQueueFull], ctx.Err() or the fallback's error
// otherwise; [ErrClosed] after Close. ctx bounds the wait for room and,
// under strategy.Fallback, the fallback's Send: delivery downstream happens
// later, under the queue's own context.
func (q *Queue[T]) Send(ctx context.Context, v T) error {
	if q.dropFast && q.isFull.Load() {
		q.fastDropped.Add(1)
		return q.drop(v, ErrQueueFull)
	}
	q.mu.Lock()
	q.received++
	if q.closed {
		q.dropped++
		q.mu.Unlock()
		return q.drop(v, ErrClosed)
	}
	if n := len(q.buf); n < q.capacity {
		q.buf = append(q.buf, v)
		if n >= q.highWater {
			q.highWater = n + 1
		}
		if n+1 == q.capacity {
			q.isFull.Store(true)
		}
		q.mu.Unlock()
		if n+1 >= q.wakeAt || q.asleep.Load() {
			q.nudge()
		}
		return nil
	}
	return q.full(ctx, v) // unlocks q.mu
}

// full handles a Send that found the queue full. It is called with q.mu
// held and unlocks it.
func (q *Queue[T]) full(ctx context.Context, v T) error {
	switch q.strat.Kind() {
	case strategy.KindBlock:
		return q.block(ctx, v, nil)
	case strategy.KindBlockFor:
		if q.stuckAt == q.progress+1 {
			// The drain has not moved since a sender last gave up.
			q.dropped++
			q.mu.Unlock()
			return q.drop(v, ErrQueueFull)
		}
		t := time.NewTimer(q.strat.Timeout())
		defer t.Stop()
		return q.block(ctx, v, t.C)
	case strategy.KindFallback:
		q.pending++
		q.mu.Unlock()
		q.nudge()
		err := SafeSend(ctx, q.fallback, v)
		q.mu.Lock()
		q.leavePending()
		if err == nil {
			q.fellBack++
		} else {
			q.failed++
		}
		q.mu.Unlock()
		if err != nil {
			err = fmt.Errorf("pipeline: queue %q: %w, and the fallback refused: %w", q.name, ErrQueueFull, err)
			q.hook(q.onError, v, err)
		}
		return err
	default:
		q.dropped++
		q.mu.Unlock()
		q.nudge()
		return q.drop(v, ErrQueueFull)
	}
}

// block waits for room for v until ctx ends or expire fires. It is called
// with q.mu held and the queue full, and unlocks it.
func (q *Queue[T]) block(ctx context.Context, v T, expire <-chan time.Time) error {
	for {
		room := q.room
		q.waiting = true
		q.pending++
		q.mu.Unlock()
		q.nudge()

		var err error
		select {
		case <-room:
		case <-ctx.Done():
			err = ctx.Err()
		case <-expire:
			err = ErrQueueFull
		}

		q.mu.Lock()
		q.leavePending()
		switch {
		case q.closed:
			q.dropped++
			q.mu.Unlock()
			return q.drop(v, ErrClosed)
		case len(q.buf) < q.capacity:
			// Room appeared, perhaps just as the wait ended: take it.
			q.buf = append(q.buf, v)
			q.highWater = max(q.highWater, len(q.buf))
			q.mu.Unlock()
			return nil
		case err != nil:
			if err == ErrQueueFull {
				q.stuckAt = q.progress + 1
			}
			q.dropped++
			q.mu.Unlock()
			return q.drop(v, err)
		}
	}
}

// drop reports v to the OnDrop hook and returns err.
func (q *Queue[T]) drop(v T, err error) error {
	q.hook(q.onDrop, v, err)
	return err
}

// hook calls h, if set, with v and err. A panic in h is recovered and
// dropped: a hook that panics must not take the drain goroutine, and the
// process, down with it.
func (q *Queue[T]) hook(h func(T, error), v T, err error) {
	if h != nil {
		defer func() { _ = recover() }()
		h(v, err)
	}
}

// nudge wakes the drain if it is not already due to wake.
func (q *Queue[T]) nudge() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// drain is the queue's one consumer. It takes everything queued at once,
// delivers it in batches of at most maxBatch, and sleeps when the queue is
// empty: on a timer of maxDelay while traffic flows, parked after idlePolls
// empty polls. It returns when the queue is closed and empty.
func (q *Queue[T]) drain(ctx context.Context) {
	defer close(q.done)
	spare := make([]T, 0, q.capacity)
	timer := time.NewTimer(q.maxDelay)
	defer timer.Stop()
	idle := 0
	for {
		q.mu.Lock()
		batch := q.buf
		q.buf = spare
		q.isFull.Store(false)
		q.inWrite = len(batch)
		closed := q.closed
		if len(batch) > 0 && q.waiting {
			close(q.room)
			q.room = make(chan struct{})
			q.waiting = false
		}
		q.mu.Unlock()

		if len(batch) > 0 {
			q.deliver(ctx, batch)
			clear(batch) // drop references the values held
			spare = batch[:0]
			idle = 0
			continue
		}
		spare = batch
		if closed {
			return
		}
		if idle < idlePolls {
			idle++
			timer.Reset(q.maxDelay)
			select {
			case <-timer.C:
			case <-q.wake:
				idle = 0
			case <-q.stop:
			}
			continue
		}
		q.park()
		idle = 0
	}
}

// park sleeps until a producer or Close wakes the drain. Producers enqueue
// under the mutex that the check below takes, and load asleep after they
// unlock it, so a value enqueued while the drain parks always wakes it:
// either the check sees the value or the producer sees asleep.
func (q *Queue[T]) park() {
	q.asleep.Store(true)
	defer q.asleep.Store(false)
	q.mu.Lock()
	ready := len(q.buf) > 0 || q.closed
	q.mu.Unlock()
	if ready {
		return
	}
	select {
	case <-q.wake:
	case <-q.stop:
	}
}

// deliver hands batch downstream in chunks of at most maxBatch and accounts
// for every value: delivered, fell back, or failed.
func (q *Queue[T]) deliver(ctx context.Context, batch []T) {
	for len(batch) > 0 {
		chunk := batch[:min(len(batch), q.maxBatch)]
		batch = batch[len(chunk):]

		var delivered, fellBack, failed uint64
		account := func(v T, err error) {
			switch {
			case err == nil:
				delivered++
			case q.reroute(ctx, v, err):
				fellBack++
			default:
				failed++
			}
		}
		if q.batch {
			for rest := chunk; len(rest) > 0; {
				n, err := SafeSendBatch(ctx, q.next, rest)
				delivered += uint64(n)
				rest = rest[n:]
				switch {
				case len(rest) == 0:
				case IsValueError(err) && ctx.Err() == nil:
					// The value at n failed by itself: the values after
					// it are offered again, so one bad value costs no
					// other.
					account(rest[0], err)
					rest = rest[1:]
				default:
					// The sink or its medium failed (or panicked, or a
					// Close gave up on the drain): every value left
					// fails with it, and goes to the fallback if any.
					for i := range rest {
						account(rest[i], err)
					}
					rest = nil
				}
			}
		} else {
			for i := range chunk {
				account(chunk[i], SafeSend(ctx, q.next, chunk[i]))
			}
		}

		q.mu.Lock()
		q.delivered += delivered
		q.fellBack += fellBack
		q.failed += failed
		q.inWrite -= len(chunk)
		q.progress++
		q.mu.Unlock()
	}
}

// reroute handles a value whose delivery failed with err: it reports it to
// OnError and offers it to the fallback, and says whether the fallback took
// it.
func (q *Queue[T]) reroute(ctx context.Context, v T, err error) bool {
	err = fmt.Errorf("pipeline: queue %q: deliver: %w", q.name, err)
	q.hook(q.onError, v, err)
	if q.fallback == nil {
		return false
	}
	if ferr := SafeSend(ctx, q.fallback, v); ferr != nil {
		q.hook(q.onError, v, fmt.Errorf("pipeline: queue %q: fallback: %w", q.name, ferr))
		return false
	}
	return true
}

// Close stops accepting values (later Sends return [ErrClosed] and count as
// dropped), waits for the drain to deliver everything queued, then closes
// the downstream sink and the fallback.
//
// If ctx ends first, Close cancels the context of the delivery in progress,
// counts the values still queued as dropped (reporting each to OnDrop), and
// returns an error that wraps ctx.Err() and says how many values it
// abandoned and how many were in a delivery that had not returned; those are
// accounted for when it returns. Close then leaves the downstream and the
// fallback open, since the drain may still be using them; a later Close
// waits again and closes them once the drain is done.
//
// Close is idempotent and safe to call concurrently with Send.
func (q *Queue[T]) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.stop)
		close(q.room) // blocked senders see closed and give up
		q.waiting = false
		q.isFull.Store(false) // later Sends take the lock and see closed
	}
	q.mu.Unlock()

	select {
	case <-q.done:
	case <-ctx.Done():
		if err := q.abandon(ctx); err != nil {
			return err
		}
	}
	if err := q.waitPending(ctx); err != nil {
		return err
	}
	q.cancelDrain() // the drain is done: release its context
	return q.life.close(ctx, func(ctx context.Context) error {
		return errors.Join(q.closeSink(ctx, q.next), q.closeSink(ctx, q.fallback))
	})
}

// leavePending ends a Send's wait for room or for the fallback; q.mu is
// held.
func (q *Queue[T]) leavePending() {
	q.pending--
	if q.pending == 0 && q.noPending != nil {
		close(q.noPending)
		q.noPending = nil
	}
}

// waitPending waits, within ctx, for the Sends still handing a value to
// the fallback (or waking from a wait for room), so that Close does not
// close the fallback under them.
func (q *Queue[T]) waitPending(ctx context.Context) error {
	q.mu.Lock()
	if q.pending == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.noPending == nil {
		q.noPending = make(chan struct{})
	}
	wait, n := q.noPending, q.pending
	q.mu.Unlock()
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pipeline: queue %q: close: waiting for %d Sends to the fallback: %w", q.name, n, ctx.Err())
	}
}

// abandon gives up on a drain that did not finish before ctx ended, and
// returns the error Close reports. If the drain has nothing left to do
// (nothing queued, nothing being delivered), it waits for the drain to
// return instead, which it does at once, and returns nil: a Close with an
// ended ctx still closes an idle queue.
func (q *Queue[T]) abandon(ctx context.Context) error {
	// Take what is queued before canceling the delivery in progress: once
	// canceled, the drain would take the queued values itself and fail them.
	q.mu.Lock()
	if len(q.buf) == 0 && q.inWrite == 0 {
		q.mu.Unlock()
		<-q.done
		return nil
	}
	abandoned := q.buf
	q.buf = nil
	q.dropped += uint64(len(abandoned))
	inWrite := q.inWrite
	q.mu.Unlock()
	q.cancelDrain()
	err := fmt.Errorf("pipeline: queue %q: close: %d queued values abandoned, %d in a delivery that has not returned: %w",
		q.name, len(abandoned), inWrite, ctx.Err())
	for _, v := range abandoned {
		q.hook(q.onDrop, v, err)
	}
	return err
}

func (q *Queue[T]) closeSink(ctx context.Context, s Sink[T]) error {
	if s == nil {
		return nil
	}
	if err := SafeClose(ctx, s); err != nil {
		return fmt.Errorf("pipeline: queue %q: close downstream: %w", q.name, err)
	}
	return nil
}

// Stats returns the queue's counters, read together under the queue's
// lock, so the accounting identity holds in every snapshot, not only at
// quiescent moments. InFlight counts the values queued, those the drain is
// delivering, and those whose Send is waiting for room or for the fallback.
func (q *Queue[T]) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	fast := q.fastDropped.Load()
	return Stats{
		Name:      q.name,
		Received:  q.received + fast,
		Delivered: q.delivered,
		Dropped:   q.dropped + fast,
		Failed:    q.failed,
		FellBack:  q.fellBack,
		InFlight:  uint64(len(q.buf) + q.inWrite + q.pending),
		Capacity:  q.capacity,
		HighWater: q.highWater,
	}
}

// Strategy returns the queue's strategy.
func (q *Queue[T]) Strategy() strategy.Strategy { return q.strat }

// Children returns the downstream sink and, if there is one, the fallback,
// on the edge "[fallback]".
func (q *Queue[T]) Children() []Child {
	if q.fallback == nil {
		return []Child{{Sink: q.next}}
	}
	return []Child{{Sink: q.next}, {Edge: "[fallback]", Sink: q.fallback}}
}
