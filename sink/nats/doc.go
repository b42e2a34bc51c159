// Package nats provides [Sink], a sink that publishes each value as one JSON
// message to a NATS JetStream stream, so that the audit trails of many
// servers reach one durable, replicated log.
//
// # Shape
//
// A Sink is synchronous: Send and SendBatch return once the server has
// acknowledged the values or the sink has given up on them. Put it behind a
// [pipeline.Queue]: the producer's Send then only enqueues, never waits on
// the network, and the queue's drain hands the sink batches, which it
// publishes without waiting between messages and then waits for once. Give
// the queue a Fallback (a local JSON-lines file) and a value the sink could
// not deliver is written there instead of lost:
//
//	nc, _ := nats.Connect(url)
//	sink, _ := natssink.New(nc, &natssink.Options[event.CallEvent]{
//		Subject: "audit.calls",
//		Key:     natssink.CallID,
//	})
//	q, _ := pipeline.NewQueue[event.CallEvent](sink, &pipeline.QueueOptions[event.CallEvent]{
//		Fallback: localFile,
//	})
//	defer nc.Close() // after the queue, which closes the sink
//	defer q.Close(ctx)
//
// Each value is encoded as the JSON-lines sink encodes it: through its
// AppendJSON method when it has one (event.CallEvent does), else through
// encoding/json without HTML escaping.
//
// # Delivery
//
// A value is delivered when the server acknowledged it (a JetStream
// PubAck), and only then. An outcome that stays unknown, because no
// acknowledgement came within Options.PerCallTimeout or the connection was
// lost, is retried with backoff up to Options.MaxAttempts, then reported
// as [ErrUnacknowledged]: the queue counts the value, passes it to its
// OnError hook and to its Fallback. Errors that retrying cannot fix fail at
// once and distinctly: [ErrNoStream], [ErrStreamFull], [ErrTooLarge],
// [ErrDenied], [ErrRejected].
//
// A retried value keeps its message ID, [Options.Key] of the value (the
// call ID of an event.CallEvent, with [CallID]), sent in the Nats-Msg-Id
// header, so the stream stores it once within its duplicate window (two
// minutes by default). Delivery is at least once all the same: a value
// reported failed may have been stored (its acknowledgement was lost), and
// a batch whose acknowledgements come back out of order reports only its
// acknowledged prefix, so the queue also hands the acknowledged values
// after the first gap to its fallback. Readers of the stream and of the
// fallback deduplicate by the key.
//
// # Bounds
//
// Every call is bounded by its context and by MaxAttempts attempts of at
// most PerCallTimeout each, with the backoff between them. Close refuses
// new values, waits for the calls in progress, and if its context ends
// first cancels them and returns: a server that does not answer cannot
// hold a queue's drain, or Close, past their deadlines. One wait is the
// client's own: a publish that finds the connection's socket full (a
// server that stopped reading, after megabytes) writes synchronously, for
// up to the connection's nats.FlusherTimeout (a minute by default); set it
// no longer than PerCallTimeout to bound that too.
package nats
