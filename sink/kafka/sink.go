package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

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

// Options configures a [Sink]. The zero value is not valid: Topic is
// required. Every other field's comment gives its default.
type Options[T any] struct {
	// Name names the stage in Stats. Default "kafka".
	Name string

	// Topic is the topic every record is produced to. Required.
	Topic string

	// Key returns the key of the record for *v. Records with the same key
	// go to the same partition, and a consumer deduplicates by it; ""
	// sends no key (a null key, not an empty one). [CallID] is the key of
	// an event.CallEvent. Default: no key.
	Key func(v *T) string

	// MaxAttempts bounds how long the sink tries a value whose outcome
	// stays unknown: it waits at most MaxAttempts times PerCallTimeout for
	// a record the client still holds, and produces again, at most that
	// many times in all, a record the client gave up on. Then the value
	// fails with ErrUnacknowledged. Default DefaultMaxAttempts; negative is
	// an error.
	MaxAttempts int

	// Backoff is the wait before the second attempt; it doubles before
	// each later one, up to PerCallTimeout, with random jitter of up to
	// half. Default DefaultBackoff; negative is an error.
	Backoff time.Duration

	// PerCallTimeout bounds one attempt: producing a batch and waiting for
	// the broker to acknowledge it. Default DefaultPerCallTimeout; negative
	// is an error.
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

// A Sink produces each value it is sent as one JSON record to a Kafka
// topic, and reports it delivered only once the broker has acknowledged it
// with acks=all. It is synchronous: Send and SendBatch return when the
// broker has answered or the sink has given up. Use it behind a
// [pipeline.Queue], whose drain hands it batches, so a producer never waits
// on the network (see the package example).
//
// A Sink is safe for concurrent use. It does not own the client: close the
// client after the sink.
type Sink[T any] struct {
	name     string
	client   *kgo.Client
	topic    string
	key      func(*T) string
	policy   retry.Policy
	counters pipeline.Counters
	gate     *gate.Gate
}

// New returns a Sink that produces to opts.Topic through client. The
// client must require acknowledgement from all in-sync replicas and write
// idempotently (franz-go's defaults: kgo.RequiredAcks(kgo.AllISRAcks()),
// no kgo.DisableIdempotentWrite) and must not be transactional; otherwise,
// or for nil opts, an empty Topic or a negative option, New returns an
// error that names it. New does not talk to the broker.
func New[T any](client *kgo.Client, opts *Options[T]) (*Sink[T], error) {
	if client == nil {
		return nil, errors.New("kafka: New: client is nil")
	}
	if opts == nil {
		return nil, errors.New("kafka: New: Options are nil; Topic is required")
	}
	o := *opts
	if o.Topic == "" {
		return nil, errors.New("kafka: New: Topic is empty")
	}
	policy, err := retry.Policy{
		MaxAttempts:    o.MaxAttempts,
		Backoff:        o.Backoff,
		PerCallTimeout: o.PerCallTimeout,
	}.Resolve("kafka: New", defaults)
	if err != nil {
		return nil, err
	}
	if err := checkClient(client); err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = "kafka"
	}
	return &Sink[T]{
		name:   o.Name,
		client: client,
		topic:  o.Topic,
		key:    o.Key,
		policy: policy,
		gate:   gate.New(),
	}, nil
}

func checkClient(client *kgo.Client) error {
	if acks := client.OptValue(kgo.RequiredAcks); acks != kgo.AllISRAcks() {
		return errors.New("kafka: New: the client's RequiredAcks must be kgo.AllISRAcks()")
	}
	if disabled, _ := client.OptValue(kgo.DisableIdempotentWrite).(bool); disabled {
		return errors.New("kafka: New: the client must write idempotently: remove kgo.DisableIdempotentWrite")
	}
	if vs := client.OptValues(kgo.TransactionalID); len(vs) == 2 && vs[1] == true {
		return errors.New("kafka: New: the client must not be transactional: remove kgo.TransactionalID")
	}
	return nil
}

// Send produces v and waits for the broker to acknowledge it, as
// [Sink.SendBatch] does for one value.
func (s *Sink[T]) Send(ctx context.Context, v T) error {
	_, err := s.SendBatch(ctx, []T{v})
	return err
}

// SendBatch produces every value of vs without waiting between them, then
// waits for the acknowledgements, and returns how many leading values the
// broker acknowledged.
//
// While the client holds a record whose outcome is unknown (a request that
// timed out, a broker that does not answer), it retries it on its own,
// idempotently: the broker writes it once. The sink waits for it up to
// MaxAttempts times PerCallTimeout, and produces again, after a backoff, a
// record the client gave up on, up to MaxAttempts times in all. Then the
// value fails with [ErrUnacknowledged]. A value the broker refused for good
// fails at once, with [ErrNoTopic], [ErrTooLarge], [ErrDenied] or
// [ErrRejected]. When n < len(vs), err says why vs[n] failed.
//
// n stops at the first value not acknowledged, even when later ones were. A
// caller that routes vs[n:] elsewhere (a queue's fallback) may so hold a
// value that the topic also has, and a record produced again after the
// client gave up on it may be in the topic twice: delivery is at least
// once, and a consumer deduplicates by the key.
//
// ctx bounds the whole call; the values not acknowledged when it ends fail
// with ErrUnacknowledged wrapping its cause, and the client drops those it
// has not sent yet. After Close, SendBatch returns 0 and
// [pipeline.ErrClosed].
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

	n, err := s.produce(ctx, vs)
	s.counters.AddDelivered(uint64(n))
	s.counters.AddFailed(uint64(len(vs) - n))
	return n, err
}

// The state of one value of a batch.
type state uint8

const (
	toProduce   state = iota // not with the client: produce it
	outstanding              // with the client: wait for its promise
	acked                    // acknowledged by the broker
	failed                   // refused for good
)

// A result is what the client's promise says of value i.
type result struct {
	i   int
	err error
}

// A batch is the state of one SendBatch across its attempts.
type batch struct {
	keys, values [][]byte
	state        []state
	results      chan result // buffered for every value, so a promise never blocks
	outstanding  int         // values before limit in state outstanding
	refused      []int       // values the client refused for want of room, since the last send
	progressed   bool        // a value was acknowledged since the last send
	first        int         // every value before first is acknowledged
	limit        int         // the first value that failed for good, or len(vs)
	limitErr     error       // why limit failed; nil if limit == len(vs)
	last         error       // the last error that left an outcome unknown
}

// produce encodes vs and produces them until every one is acknowledged,
// one fails for good, or the attempts run out.
func (s *Sink[T]) produce(ctx context.Context, vs []T) (int, error) {
	b := s.encode(vs)
	// The records live as long as this call: when it returns, the client
	// drops those it has not sent, and settles the others when the broker
	// answers, into b.results, which nobody reads any more.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for attempt := 1; ; attempt++ {
		s.send(rctx, b)
		s.await(ctx, rctx, b)
		if b.first == b.limit {
			return b.limit, b.limitErr
		}
		if attempt == s.policy.MaxAttempts || ctx.Err() != nil {
			return b.first, retry.GaveUp(ctx, ErrUnacknowledged, attempt, b.last)
		}
		b.pause(ctx, s.policy.Delay(attempt+1))
		if b.first == b.limit {
			return b.limit, b.limitErr
		}
	}
}

// encode makes one record value (and key) per value, up to the first that
// does not encode.
func (s *Sink[T]) encode(vs []T) *batch {
	// One buffer for the batch, and values that slice it: the client keeps
	// a record's value until its promise, and the buffer is never reused.
	buf := make([]byte, 0, 256*len(vs))
	ends := make([]int, 0, len(vs))
	b := &batch{limit: len(vs)}
	for i := range vs {
		var err error
		if buf, err = jsonenc.Append(buf, &vs[i]); err != nil {
			b.limit, b.limitErr = i, &pipeline.ValueError{Err: fmt.Errorf("%w: %w", ErrRejected, err)}
			break
		}
		ends = append(ends, len(buf))
	}
	b.values = make([][]byte, b.limit)
	b.keys = make([][]byte, b.limit)
	start := 0
	for i := range b.values {
		b.values[i] = buf[start:ends[i]:ends[i]]
		if s.key != nil {
			if k := s.key(&vs[i]); k != "" {
				b.keys[i] = []byte(k)
			}
		}
		start = ends[i]
	}
	b.state = make([]state, b.limit)
	b.results = make(chan result, b.limit)
	return b
}

// send hands the client every value of b it does not hold yet. It never
// blocks: with the client's buffer full, the record fails with
// kgo.ErrMaxBuffered, and await hands it over again once there is room.
func (s *Sink[T]) send(ctx context.Context, b *batch) {
	b.refused, b.progressed = b.refused[:0], false
	for i := b.first; i < b.limit; i++ {
		if b.state[i] == toProduce {
			s.produce1(ctx, b, i)
		}
	}
}

// produce1 hands value i to the client.
func (s *Sink[T]) produce1(ctx context.Context, b *batch, i int) {
	b.state[i] = outstanding
	b.outstanding++
	r := &kgo.Record{Topic: s.topic, Key: b.keys[i], Value: b.values[i]}
	s.client.TryProduce(ctx, r, func(_ *kgo.Record, err error) {
		b.results <- result{i, err}
	})
}

// await settles the results that come back within PerCallTimeout, and
// returns early once no value before the limit is outstanding. When the
// client has settled every value it took, and acknowledged some, it has
// room again: await hands it, within the attempt, the values it refused
// for want of room, so that a batch larger than the client's buffer does
// not use up an attempt for each bufferful.
func (s *Sink[T]) await(ctx, rctx context.Context, b *batch) {
	t := time.NewTimer(s.policy.PerCallTimeout)
	defer t.Stop()
	for {
		if b.outstanding == 0 {
			if len(b.refused) == 0 || !b.progressed {
				return
			}
			slices.Sort(b.refused) // in order, as send hands them over
			for _, i := range b.refused {
				if i < b.limit && b.state[i] == toProduce {
					s.produce1(rctx, b, i)
				}
			}
			b.refused, b.progressed = b.refused[:0], false
			continue
		}
		select {
		case r := <-b.results:
			b.settle(r)
		case <-t.C:
			b.last = errAckTimeout
			return
		case <-ctx.Done():
			return
		}
	}
}

// pause waits d before the next attempt, settling the results that come
// back meanwhile, and returns early once every value before the limit is
// acknowledged.
func (b *batch) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for b.first < b.limit {
		select {
		case r := <-b.results:
			b.settle(r)
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// settle records the result of value r.i.
func (b *batch) settle(r result) {
	if r.i >= b.limit || b.state[r.i] != outstanding {
		return // past a value that failed for good: no longer wanted
	}
	b.outstanding--
	if r.err == nil {
		b.state[r.i] = acked
		b.progressed = true
		for b.first < b.limit && b.state[b.first] == acked {
			b.first++
		}
		return
	}
	if perm := permanent(r.err); perm != nil {
		b.state[r.i] = failed
		b.failAt(r.i, perm)
	} else {
		b.state[r.i] = toProduce
		b.last = r.err
		if errors.Is(r.err, kgo.ErrMaxBuffered) {
			b.refused = append(b.refused, r.i)
		}
	}
}

// failAt records that value i failed for good with err.
func (b *batch) failAt(i int, err error) {
	if i >= b.limit {
		return
	}
	for j := i; j < b.limit; j++ {
		if b.state[j] == outstanding {
			b.outstanding--
		}
	}
	b.limit, b.limitErr = i, err
}

// Close refuses new values and waits for the calls in progress to finish.
// If ctx ends first, it cancels them (their values fail with
// [ErrUnacknowledged], and the client drops those it has not sent) and
// returns an error that wraps ctx.Err(). The sink holds nothing between
// calls, so there is nothing else to flush. Close leaves the client open.
// Close is idempotent.
func (s *Sink[T]) Close(ctx context.Context) error {
	inflight := s.gate.InFlight()
	if err := s.gate.Shut(ctx); err != nil {
		return fmt.Errorf("kafka: sink %q: close: %d calls in progress canceled: %w", s.name, inflight, err)
	}
	return nil
}

// Stats returns the sink's counters: a value is delivered once the broker
// acknowledged it, failed otherwise.
func (s *Sink[T]) Stats() pipeline.Stats { return s.counters.Stats(s.name) }
