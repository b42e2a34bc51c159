package kafka_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/kafka"
	"github.com/spillway-go/spillway/strategy"
)

func TestNewRejectsBadOptions(t *testing.T) {
	c := newCluster(t)
	cl := newClient(t, c)

	tests := []struct {
		name   string
		client *kgo.Client
		give   *kafka.Options[int]
		want   string
	}{
		{"nil client", nil, &kafka.Options[int]{Topic: "a"}, "client is nil"},
		{"nil options", cl, nil, "Topic is required"},
		{"no topic", cl, &kafka.Options[int]{}, "Topic is empty"},
		{"negative MaxAttempts", cl, &kafka.Options[int]{Topic: "a", MaxAttempts: -1}, "MaxAttempts -1"},
		{"negative Backoff", cl, &kafka.Options[int]{Topic: "a", Backoff: -time.Second}, "Backoff -1s"},
		{"negative PerCallTimeout", cl, &kafka.Options[int]{Topic: "a", PerCallTimeout: -time.Second}, "PerCallTimeout -1s"},
		{"leader acks", newClient(t, c, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite()),
			&kafka.Options[int]{Topic: "a"}, "RequiredAcks"},
		{"not idempotent", newClient(t, c, kgo.DisableIdempotentWrite()), &kafka.Options[int]{Topic: "a"}, "DisableIdempotentWrite"},
		{"transactional", newClient(t, c, kgo.TransactionalID("tx")), &kafka.Options[int]{Topic: "a"}, "TransactionalID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := kafka.New(tt.client, tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%+v) = %v, %v; want an error containing %q", tt.give, s, err, tt.want)
			}
		})
	}
}

// TestDeliversAndConsumesBack sends events through a queue into the sink
// and consumes them back: every one, in order, byte for byte the encoding
// of the event, keyed by its call ID.
func TestDeliversAndConsumesBack(t *testing.T) {
	c := newCluster(t)
	topic := newTopic(t, c)
	sink, err := kafka.New(newClient(t, c), &kafka.Options[event.CallEvent]{Topic: topic, Key: kafka.CallID})
	if err != nil {
		t.Fatal(err)
	}
	q, err := pipeline.NewQueue[event.CallEvent](sink, &pipeline.QueueOptions[event.CallEvent]{Capacity: 2048, Strategy: strategy.Block})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1500
	for i := range n {
		if err := q.Send(t.Context(), callEvent(i)); err != nil {
			t.Fatalf("Send(event %d) = %v; want nil", i, err)
		}
	}
	if err := q.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}

	recs := consume(t, c, topic)
	if len(recs) != n {
		t.Fatalf("topic holds %d records; want %d", len(recs), n)
	}
	for i, r := range recs {
		e := callEvent(i)
		if got, want := string(r.Value), string(e.AppendJSON(nil)); got != want {
			t.Fatalf("record %d = %s; want %s", i, got, want)
		}
		if got, want := string(r.Key), e.CallID(); got != want {
			t.Fatalf("record %d has key %q; want %q", i, got, want)
		}
	}
	if diff := cmp.Diff(pipeline.Stats{Name: "kafka", Received: n, Delivered: n}, sink.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// TestPermanentErrors injects produce errors that retrying cannot fix: each
// fails at once, with its own error. The sink would wait an hour before a
// second attempt, so a sink that retried would end with the test's context
// instead.
func TestPermanentErrors(t *testing.T) {
	all := []error{kafka.ErrNoTopic, kafka.ErrTooLarge, kafka.ErrDenied, kafka.ErrRejected, kafka.ErrUnacknowledged}
	tests := []struct {
		name   string
		inject *kerr.Error // answer to the first produce request; nil: none
		topic  string      // "": a topic that exists
		want   error
	}{
		{"message too large", kerr.MessageTooLarge, "", kafka.ErrTooLarge},
		{"topic authorization failed", kerr.TopicAuthorizationFailed, "", kafka.ErrDenied},
		{"invalid record", kerr.InvalidRecord, "", kafka.ErrRejected},
		{"no such topic", nil, "no-such-topic", kafka.ErrNoTopic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			topic := tt.topic
			if topic == "" {
				topic = newTopic(t, c)
			}
			if tt.inject != nil {
				c.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
					return produceError(req, tt.inject.Code), nil, true
				})
			}
			sink, err := kafka.New(newClient(t, c), &kafka.Options[string]{
				Topic:          topic,
				MaxAttempts:    10,
				Backoff:        time.Hour,
				PerCallTimeout: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close(t.Context())
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()

			give := []string{"a", "b", "c"}
			n, err := sink.SendBatch(ctx, give)
			if n != 0 || !errors.Is(err, tt.want) {
				t.Fatalf("SendBatch(%d values) = %d, %v; want 0, %v", len(give), n, err, tt.want)
			}
			for _, other := range all {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("SendBatch error %v is also %v; want only %v", err, other, tt.want)
				}
			}
			if st := sink.Stats(); st.Failed != 3 {
				t.Errorf("Stats().Failed = %d; want 3", st.Failed)
			}
		})
	}
}

// TestRetriedErrors injects errors the client or the sink retries: the
// batch is delivered, each record once.
func TestRetriedErrors(t *testing.T) {
	tests := []struct {
		name     string
		inject   *kerr.Error
		times    int
		retries  int // kgo.RecordRetries: past it the client gives the record back to the sink
		attempts int
		again    bool // whether the sink produces the records again
	}{
		{"client retries a lost leader", kerr.NotLeaderForPartition, 3, -1, 1, false},
		{"client retries a request timeout", kerr.RequestTimedOut, 2, -1, 1, false},
		{"sink produces again what the client gave up on", kerr.NotLeaderForPartition, 3, 0, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			topic := newTopic(t, c)
			var injected atomic.Int32
			c.ControlKey(kmsg.Produce.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if injected.Add(1) > int32(tt.times) {
					return nil, nil, false
				}
				return produceError(req, tt.inject.Code), nil, true
			})
			var produced countProduced
			opts := []kgo.Opt{kgo.WithHooks(&produced)}
			if tt.retries >= 0 {
				opts = append(opts, kgo.RecordRetries(tt.retries))
			}
			sink, err := kafka.New(newClient(t, c, opts...), &kafka.Options[string]{
				Topic:       topic,
				Key:         func(s *string) string { return *s },
				MaxAttempts: tt.attempts,
				Backoff:     time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close(t.Context())

			give := []string{"a", "b", "c"}
			if n, err := sink.SendBatch(t.Context(), give); n != len(give) || err != nil {
				t.Fatalf("SendBatch(%d values) = %d, %v; want %d, nil", len(give), n, err, len(give))
			}
			if got := injected.Load(); got <= int32(tt.times) {
				t.Errorf("%d produce requests; want more than the %d answered with %v", got, tt.times, tt.inject)
			}
			if got := int(produced.Load()); (got > len(give)) != tt.again {
				t.Errorf("sink produced %d records for %d values; want produced again = %v", got, len(give), tt.again)
			}
			var got []string
			for _, r := range consume(t, c, topic) {
				got = append(got, string(r.Key))
			}
			if diff := cmp.Diff(give, got); diff != "" {
				t.Errorf("topic mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// countProduced counts the records handed to a client.
type countProduced struct{ atomic.Int32 }

func (c *countProduced) OnProduceRecordBuffered(*kgo.Record) { c.Add(1) }

// TestDelayedProduce holds the first produce request for several per-call
// timeouts: the sink keeps waiting for the records the client holds instead
// of producing them again, so the topic has each once.
func TestDelayedProduce(t *testing.T) {
	c := newCluster(t)
	topic := newTopic(t, c)
	held, release := holdProduce(c)
	defer release()
	const perCall = 20 * time.Millisecond
	var produced countProduced
	sink, err := kafka.New(newClient(t, c, kgo.WithHooks(&produced)), &kafka.Options[string]{
		Topic: topic, MaxAttempts: 1000, Backoff: time.Millisecond, PerCallTimeout: perCall,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())

	var (
		n       int
		sendErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() { n, sendErr = sink.SendBatch(t.Context(), []string{"a", "b", "c"}) })
	<-held
	start := time.Now()
	waitUntil(t, "several per-call timeouts passed", func() bool { return time.Since(start) > 5*perCall })
	release()
	wg.Wait()

	if n != 3 || sendErr != nil {
		t.Fatalf("SendBatch with a delayed produce = %d, %v; want 3, nil", n, sendErr)
	}
	if got := produced.Load(); got != 3 {
		t.Errorf("sink produced %d records for 3 values; want 3, none again", got)
	}
	var got []string
	for _, r := range consume(t, c, topic) {
		got = append(got, string(r.Value))
	}
	if diff := cmp.Diff([]string{`"a"`, `"b"`, `"c"`}, got); diff != "" {
		t.Errorf("topic mismatch (-want +got):\n%s", diff)
	}
}

// TestUnacknowledged holds a produce request past every attempt: the
// values fail as unacknowledged.
func TestUnacknowledged(t *testing.T) {
	c := newCluster(t)
	topic := newTopic(t, c)
	_, release := holdProduce(c)
	defer release()
	sink, err := kafka.New(newClient(t, c), &kafka.Options[int]{
		Topic: topic, MaxAttempts: 2, Backoff: time.Millisecond, PerCallTimeout: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())

	n, err := sink.SendBatch(t.Context(), []int{1, 2, 3})
	if n != 0 || !errors.Is(err, kafka.ErrUnacknowledged) || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("SendBatch with the produce held = %d, %v; want 0, %v after 2 attempts", n, err, kafka.ErrUnacknowledged)
	}
	if st := sink.Stats(); st.Failed != 3 {
		t.Errorf("Stats().Failed = %d; want 3", st.Failed)
	}
}

// TestHeldProduceDoesNotHoldClose holds a produce request, with a per-call
// timeout of an hour: Close returns by its deadline and cancels the call.
func TestHeldProduceDoesNotHoldClose(t *testing.T) {
	c := newCluster(t)
	topic := newTopic(t, c)
	held, release := holdProduce(c)
	defer release()
	sink, err := kafka.New(newClient(t, c), &kafka.Options[int]{Topic: topic, PerCallTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	var (
		n       int
		sendErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() { n, sendErr = sink.SendBatch(context.Background(), []int{1, 2}) })
	<-held

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := sink.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a produce held = %v; want an error wrapping %v", err, context.DeadlineExceeded)
	}
	wg.Wait()
	if n != 0 || !errors.Is(sendErr, kafka.ErrUnacknowledged) || !errors.Is(sendErr, context.Canceled) {
		t.Errorf("SendBatch canceled by Close = %d, %v; want 0, %v wrapping %v", n, sendErr, kafka.ErrUnacknowledged, context.Canceled)
	}
	if err := sink.Send(t.Context(), 3); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want %v", err, pipeline.ErrClosed)
	}
	if err := sink.Close(t.Context()); err != nil {
		t.Errorf("second Close, nothing in flight = %v; want nil", err)
	}
	if diff := cmp.Diff(pipeline.Stats{Name: "kafka", Received: 3, Failed: 2, Dropped: 1}, sink.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// TestEncodeError fails a value that does not encode, and delivers those
// before it.
func TestEncodeError(t *testing.T) {
	c := newCluster(t)
	topic := newTopic(t, c)
	sink, err := kafka.New(newClient(t, c), &kafka.Options[any]{Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())

	n, err := sink.SendBatch(t.Context(), []any{1, make(chan int), 3})
	if n != 1 || !errors.Is(err, kafka.ErrRejected) {
		t.Fatalf("SendBatch(1, chan, 3) = %d, %v; want 1, %v", n, err, kafka.ErrRejected)
	}
	if got := len(consume(t, c, topic)); got != 1 {
		t.Errorf("topic holds %d records; want 1", got)
	}
}

// TestEmptyKeySendsNoKey: a Key of "" produces a record with a null key,
// as no Key does, not an empty one that every such record would share.
func TestEmptyKeySendsNoKey(t *testing.T) {
	c := newCluster(t)
	topic := newTopic(t, c)
	sink, err := kafka.New(newClient(t, c), &kafka.Options[string]{
		Topic: topic,
		Key:   func(s *string) string { return *s },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())
	if n, err := sink.SendBatch(t.Context(), []string{"", "k"}); n != 2 || err != nil {
		t.Fatalf("SendBatch(\"\", k) = %d, %v; want 2, nil", n, err)
	}
	recs := consume(t, c, topic)
	if len(recs) != 2 {
		t.Fatalf("topic holds %d records; want 2", len(recs))
	}
	if recs[0].Key != nil {
		t.Errorf("record of key \"\" has key %q; want null", recs[0].Key)
	}
	if got := string(recs[1].Key); got != "k" {
		t.Errorf("record of key k has key %q; want %q", got, "k")
	}
}

// TestBatchLargerThanClientBuffer sends a batch ten times the client's
// buffer: the sink hands the client the values it refused for want of room
// as soon as it has room, within one attempt, and delivers every value,
// once and in order.
func TestBatchLargerThanClientBuffer(t *testing.T) {
	c := newCluster(t)
	topic := newTopic(t, c)
	var produced countProduced
	sink, err := kafka.New(newClient(t, c, kgo.MaxBufferedRecords(10), kgo.WithHooks(&produced)), &kafka.Options[int]{
		Topic:       topic,
		MaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close(t.Context())

	give := make([]int, 100)
	for i := range give {
		give[i] = i
	}
	if n, err := sink.SendBatch(t.Context(), give); n != len(give) || err != nil {
		t.Fatalf("SendBatch(%d values, client buffer 10) = %d, %v; want %d, nil", len(give), n, err, len(give))
	}
	if got := int(produced.Load()); got < len(give) {
		t.Errorf("client saw %d records; want at least %d", got, len(give))
	}
	var got []int
	for _, r := range consume(t, c, topic) {
		v, err := strconv.Atoi(string(r.Value))
		if err != nil {
			t.Fatalf("record %q: %v", r.Value, err)
		}
		got = append(got, v)
	}
	if diff := cmp.Diff(give, got); diff != "" {
		t.Errorf("topic mismatch (-want +got):\n%s", diff)
	}
}
