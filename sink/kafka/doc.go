// Package kafka provides [Sink], a sink that produces each value as one JSON
// record to a Kafka topic through a franz-go client, so that the audit
// trails of many servers reach one durable, replicated log.
//
// # Shape
//
// A Sink is synchronous: Send and SendBatch return once the broker has
// acknowledged the records or the sink has given up on them. Put it behind
// a [pipeline.Queue]: the producer's Send then only enqueues, never waits
// on the network, and the queue's drain hands the sink batches, which it
// produces without waiting between records and then waits for once. Give
// the queue a Fallback (a local JSON-lines file) and a value the sink could
// not deliver is written there instead of lost:
//
//	client, _ := kgo.NewClient(kgo.SeedBrokers(brokers...)) // acks=all, idempotent: the defaults
//	sink, _ := kafka.New(client, &kafka.Options[event.CallEvent]{
//		Topic: "audit-calls",
//		Key:   kafka.CallID,
//	})
//	q, _ := pipeline.NewQueue[event.CallEvent](sink, &pipeline.QueueOptions[event.CallEvent]{
//		Fallback: localFile,
//	})
//	defer client.Close() // after the queue, which closes the sink
//	defer q.Close(ctx)
//
// Each value is encoded as the JSON-lines sink encodes it: through its
// AppendJSON method when it has one (event.CallEvent does), else through
// encoding/json without HTML escaping. The record key is [Options.Key] of
// the value (the call ID of an event.CallEvent, with [CallID]).
//
// # Delivery
//
// A record is delivered when the broker acknowledged it with acks=all, and
// only then: [New] refuses a client configured otherwise. An outcome that
// stays unknown is first the client's business: with idempotent writes it
// retries a record it holds on its own and the broker writes it once. The
// sink waits for it, within Options.MaxAttempts times
// Options.PerCallTimeout, produces again (with backoff) a record the client
// gave up on, and then reports [ErrUnacknowledged]: the queue counts the
// value, passes it to its OnError hook and to its Fallback. Errors that
// retrying cannot fix fail at once and distinctly: [ErrNoTopic],
// [ErrTooLarge], [ErrDenied], [ErrRejected].
//
// Delivery is at least once: a value reported failed may have been written
// (its acknowledgement came too late), a record produced again after the
// client gave up on it may be written twice, and a batch acknowledged out
// of order reports only its acknowledged prefix, so the queue also hands
// the acknowledged values after the first gap to its fallback. Consumers of
// the topic and of the fallback deduplicate by the key.
//
// # Bounds
//
// Every call is bounded by its context and by MaxAttempts attempts of at
// most PerCallTimeout each, with the backoff between them; the sink never
// blocks on the client's buffer. Close refuses new values, waits for the
// calls in progress, and if its context ends first cancels them and
// returns: a broker that holds a produce request cannot hold a queue's
// drain, or Close, past their deadlines.
package kafka
