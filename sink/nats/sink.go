package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/internal/gate"
	"github.com/spillway-go/spillway/internal/jsonenc"
	"github.com/spillway-go/spillway/internal/retry"
	"github.com/spillway-go/spillway/pipeline"
)

var (
	_ pipeline.Sink[int]        = (*Sink[int])(nil)
	_ pipeline.BatchSender[int] = (*Sink[int])(nil)
	_ pipeline.StatsReporter    = (*Sink[int])(nil)
)

// Defaults of [Options].
const (
	DefaultMaxAttempts    = 3
	DefaultBackoff        = 100 * time.Millisecond
	DefaultPerCallTimeout = 5 * time.Second
)

// Options configures a [Sink]. The zero value is not valid: Subject is
// required. Every other field's comment gives its default.
type Options[T any] struct {
	// Name names the stage in Stats. Default "nats".
	Name string

	// Subject is the subject every value is published to. A JetStream
	// stream must take it. Required.
	Subject string

	// Key returns the ID of the message for *v, sent in the Nats-Msg-Id
	// header: within the stream's duplicate window the server stores one
	// message per ID, so a value published again after an unknown outcome
	// is stored once. It must be unique per value and the same for every
	// attempt at it; "" sends no ID. [CallID] is the key of an
	// event.CallEvent. Default: no ID, and no deduplication.
	Key func(v *T) string

	// MaxAttempts is how many times the sink publishes a value whose
	// outcome stays unknown (no acknowledgement, a lost connection) before
	// it reports ErrUnacknowledged. Default DefaultMaxAttempts; negative is
	// an error.
	MaxAttempts int

	// Backoff is the wait before the second attempt; it doubles before
	// each later one, up to PerCallTimeout, with random jitter of up to
	// half. Default DefaultBackoff; negative is an error.
	Backoff time.Duration

	// PerCallTimeout bounds one attempt: publishing a batch and waiting
	// for the server to acknowledge it. Default DefaultPerCallTimeout;
	// negative is an error.
	PerCallTimeout time.Duration
}

// defaults fills in the retry fields of [Options] left zero.
var defaults = retry.Policy{
	MaxAttempts:    DefaultMaxAttempts,
	Backoff:        DefaultBackoff,
	PerCallTimeout: DefaultPerCallTimeout,
}

// CallID is the [Options.Key] of an event.CallEvent: its call ID.
func CallID(e *event.CallEvent) string { return e.CallID() }

// A Sink publishes each value it is sent as one JSON message to a JetStream
// subject, and reports it delivered only once the server has acknowledged
// it: stored, or recognized as a duplicate. It is synchronous: Send and
// SendBatch return when the server has answered or the sink has given up.
// Use it behind a [pipeline.Queue], whose drain hands it batches, so a
// producer never waits on the network (see the package example).
//
// A Sink is safe for concurrent use. It does not own the connection: close
// the connection after the sink.
type Sink[T any] struct {
	name     string
	nc       *nats.Conn
	js       jetstream.JetStream
	subject  string
	key      func(*T) string
	policy   retry.Policy
	counters pipeline.Counters
	gate     *gate.Gate
}

// New returns a Sink that publishes to opts.Subject over nc. nil opts, an
// empty Subject or a negative option is an error that names it. New does
// not talk to the server: a subject no stream takes is reported by the
// first Send, as [ErrNoStream].
func New[T any](nc *nats.Conn, opts *Options[T]) (*Sink[T], error) {
	if nc == nil {
		return nil, errors.New("nats: New: connection is nil")
	}
	if opts == nil {
		return nil, errors.New("nats: New: Options are nil; Subject is required")
	}
	o := *opts
	if o.Subject == "" {
		return nil, errors.New("nats: New: Subject is empty")
	}
	policy, err := retry.Policy{
		MaxAttempts:    o.MaxAttempts,
		Backoff:        o.Backoff,
		PerCallTimeout: o.PerCallTimeout,
	}.Resolve("nats: New", defaults)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = "nats"
	}
	// The sink's own JetStream context: its acknowledgements time out with
	// the attempt that waits for them, so none is kept past it.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(policy.PerCallTimeout))
	if err != nil {
		return nil, fmt.Errorf("nats: New: %w", err)
	}
	s := &Sink[T]{
		name:    o.Name,
		nc:      nc,
		js:      js,
		subject: o.Subject,
		key:     o.Key,
		policy:  policy,
	}
	// The JetStream context's subscription for acknowledgements lives as
	// long as the connection. Releasing it in Close (CleanupPublisher)
	// races with the client's own start-up of it in nats.go v1.55.0 and
	// can leave a goroutine blocked forever.
	s.gate = gate.New()
	return s, nil
}

// Send publishes v and waits for the server to acknowledge it, as
// [Sink.SendBatch] does for one value.
func (s *Sink[T]) Send(ctx context.Context, v T) error {
	_, err := s.SendBatch(ctx, []T{v})
	return err
}

// SendBatch publishes every value of vs without waiting between them, then
// waits for the acknowledgements, and returns how many leading values the
// server acknowledged.
//
// A value whose outcome is unknown (no acknowledgement within
// PerCallTimeout, a lost connection) is published again with the same
// message ID, after a backoff, up to MaxAttempts times in all; then it
// fails with [ErrUnacknowledged]. A value the server refused for good fails
// at once, with [ErrNoStream], [ErrStreamFull], [ErrTooLarge], [ErrDenied]
// or [ErrRejected]. When n < len(vs), err says why vs[n] failed.
//
// Acknowledgements may come back out of order: n stops at the first value
// not acknowledged, even when later ones were. A caller that routes vs[n:]
// elsewhere (a queue's fallback) may so hold a value that the stream also
// has: delivery is at least once, and a consumer deduplicates by the key.
// While no attempt is repeated, the stream stores the values in order.
//
// ctx bounds the whole call; the values not acknowledged when it ends fail
// with ErrUnacknowledged wrapping its cause. After Close, SendBatch returns
// 0 and [pipeline.ErrClosed].
func (s *Sink[T]) SendBatch(ctx context.Context, vs []T) (int, error) {
	if len(vs) == 0 {
		return 0, nil
	}
	s.counters.AddReceived(uint64(len(vs)))
	if !s.gate.Enter() {
		s.counters.AddDropped(uint64(len(vs)))
		return 0, pipeline.ErrClosed
	}
	defer s.gate.Leave()
	ctx, release := s.gate.Bind(ctx)
	defer release()

	n, err := s.publish(ctx, vs)
	s.counters.AddDelivered(uint64(n))
	s.counters.AddFailed(uint64(len(vs) - n))
	return n, err
}

// publish encodes vs and publishes them until every one is acknowledged,
// one fails for good, or the attempts run out.
func (s *Sink[T]) publish(ctx context.Context, vs []T) (int, error) {
	msgs, limit, limitErr := s.encode(vs)
	b := batch{msgs: msgs, limit: limit, limitErr: limitErr, acked: make([]bool, limit),
		futures: make([]jetstream.PubAckFuture, limit)}
	var last error
	for attempt := 1; ; attempt++ {
		if err := s.attempt(ctx, &b); err != nil {
			last = err
		}
		if b.first == b.limit {
			return b.limit, b.limitErr
		}
		if attempt == s.policy.MaxAttempts || ctx.Err() != nil {
			return b.first, retry.GaveUp(ctx, ErrUnacknowledged, attempt, last)
		}
		if !sleep(ctx, s.policy.Delay(attempt+1)) {
			return b.first, retry.GaveUp(ctx, ErrUnacknowledged, attempt, last)
		}
	}
}

// A batch is the state of one SendBatch across its attempts.
type batch struct {
	msgs     []*nats.Msg
	futures  []jetstream.PubAckFuture // of the current attempt; nil if not published in it
	acked    []bool
	first    int   // every value before first is acknowledged
	limit    int   // the first value that failed for good, or len(msgs)
	limitErr error // why limit failed; nil if limit == len(msgs)
}

// failAt records that value i failed for good with err.
func (b *batch) failAt(i int, err error) {
	if i < b.limit {
		b.limit, b.limitErr = i, err
	}
}

// encode makes one message per value, up to the first that does not encode.
func (s *Sink[T]) encode(vs []T) (msgs []*nats.Msg, limit int, err error) {
	// One buffer for the batch, and messages that slice it: the client
	// copies Data when it publishes.
	buf := make([]byte, 0, 256*len(vs))
	ends := make([]int, 0, len(vs))
	limit = len(vs)
	for i := range vs {
		if buf, err = jsonenc.Append(buf, &vs[i]); err != nil {
			limit, err = i, &pipeline.ValueError{Err: fmt.Errorf("%w: %w", ErrRejected, err)}
			break
		}
		ends = append(ends, len(buf))
	}
	msgs = make([]*nats.Msg, limit)
	start := 0
	for i := range msgs {
		m := &nats.Msg{Subject: s.subject, Data: buf[start:ends[i]:ends[i]]}
		if s.key != nil {
			if id := s.key(&vs[i]); id != "" {
				m.Header = nats.Header{jetstream.MsgIDHeader: []string{id}}
			}
		}
		msgs[i] = m
		start = ends[i]
	}
	return msgs, limit, err
}

// attempt publishes the values of b not yet acknowledged and waits at most
// PerCallTimeout for their acknowledgements. It returns the last error that
// leaves an outcome unknown.
func (s *Sink[T]) attempt(ctx context.Context, b *batch) error {
	ctx, cancel := context.WithTimeout(ctx, s.policy.PerCallTimeout)
	defer cancel()

	var last error
	clear(b.futures)
	lastBefore := s.nc.LastError() // a denial counts only if it is news
	for i := b.first; i < b.limit; i++ {
		if b.acked[i] {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		// While 4000 acknowledgements are pending, the client stalls for
		// at most 200ms, then fails with ErrTooManyStalledMsgs: this
		// attempt then waits for what it published, and the next one
		// publishes the rest.
		f, err := s.js.PublishMsgAsync(b.msgs[i])
		if err != nil {
			if perm := permanent(err); perm != nil {
				b.failAt(i, perm)
				break
			}
			last = err
			break // the connection refuses: wait for what was published
		}
		b.futures[i] = f
	}

	timedOut := false
	for i := b.first; i < b.limit; i++ {
		f := b.futures[i]
		if f == nil {
			continue
		}
		if timedOut {
			// Collect what has come back already, without waiting.
			select {
			case <-f.Ok():
				b.acked[i] = true
			case err := <-f.Err():
				last = s.settle(b, i, err, last)
			default:
			}
			continue
		}
		select {
		case <-f.Ok():
			b.acked[i] = true
		case err := <-f.Err():
			last = s.settle(b, i, err, last)
		case <-ctx.Done():
			timedOut = true
			last = errAckTimeout
		}
	}
	for b.first < b.limit && b.acked[b.first] {
		b.first++
	}
	if b.first < b.limit && last != nil {
		// A publish the server denies is dropped without an answer: tell
		// it from a lost acknowledgement before trying again.
		if denied := deniedByServer(s.nc, s.subject, lastBefore); denied != nil {
			b.failAt(b.first, fmt.Errorf("%w: %w", ErrDenied, denied))
		}
	}
	return last
}

// settle records the error err of value i: a failure for good, or an
// outcome still unknown, which becomes the last such error.
func (s *Sink[T]) settle(b *batch, i int, err, last error) error {
	if perm := permanent(err); perm != nil {
		b.failAt(i, perm)
		return last
	}
	return err
}

// Close refuses new values and waits for the calls in progress to finish.
// If ctx ends first, it cancels them (their values fail with
// [ErrUnacknowledged]) and returns an error that wraps ctx.Err(). The sink
// holds nothing between calls, so there is nothing else to flush. Close
// leaves the connection open, and with it the subscription on which the
// sink received acknowledgements; closing the connection releases both.
// Close is idempotent.
func (s *Sink[T]) Close(ctx context.Context) error {
	inflight := s.gate.InFlight()
	if err := s.gate.Shut(ctx); err != nil {
		return fmt.Errorf("nats: sink %q: close: %d calls in progress canceled: %w", s.name, inflight, err)
	}
	return nil
}

// Stats returns the sink's counters: a value is delivered once the server
// acknowledged it, failed otherwise.
func (s *Sink[T]) Stats() pipeline.Stats { return s.counters.Stats(s.name) }

// sleep waits d, or until ctx ends; it reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
