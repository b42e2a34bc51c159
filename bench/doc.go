// Package bench holds spillway's benchmarks: what the hot path costs a
// producer, how fast events reach a file, and what the design buys over the
// seed ported as is. It has no API; nothing imports it. Its test files are
// the benchmarks, and bench/run.sh runs them all and writes RESULTS.md.
//
// The libraries an adopter would pick instead (zap, zerolog, log/slog) are
// measured in the nested module bench/peers, so that spillway never depends
// on them; run.sh runs both in one go, so that ratios compare figures from
// the same run.
//
// # Send latency
//
// BenchmarkSend measures the producer's side of a JSON-lines sink
// (jsonl.Sink: a queue in front of a line writer). Its sub-benchmarks are
// named shape=S/strategy=K/producers=P:
//
//   - shape=burst: P producers send as fast as they can into a sink over a
//     file; b.N is the total number of events (run.sh uses 1M).
//   - shape=paced: each producer sends one event, then spins until a random
//     5-50 µs have passed, so the drain goes idle between events, as in a
//     real server. ns/op is then mostly the pacing: read the percentiles.
//     These runs also measure the delivery delay: the time from Send
//     returning to the write(2) of the event's line returning.
//   - shape=full: the writer is stalled inside Write and the queue is full,
//     so every Send takes the full-queue path: a drop, an immediate drop
//     once a BlockFor sender has given up, or a synchronous write to the
//     fallback. Block is left out: its Send waits until its context ends.
//
// Strategies are drop, block, block_for (BlockFor 1ms) and fallback (a
// synchronous jsonl.Writer on a second file), all with the default
// capacity, batch size and MaxDelay; naive_drop is the seed's sink ported
// as is (see Sustained below) with its try-send. Run with -cpu 1,2.
//
// Every Send is timed on its own with the runtime's monotonic clock, into a
// slice allocated before the timer starts, so that measuring allocates
// nothing. The metrics are p50-ns, p99-ns, p999-ns, max-ns and mean-ns of
// those samples, dropped/op (the share of Sends that returned an error)
// and, for paced runs, the same five of the delivery delay (delay-p50-ns
// and so on). BenchmarkClockFloor times an empty interval the same way:
// every sample includes that much clock overhead.
//
// # Throughput
//
// BenchmarkSustained writes b.N events (event=typical or fat) from P
// producers into a real file in a temporary directory, under the Block
// strategy so that every event is written, and stops the clock once Close
// has returned: ns/op is the end-to-end cost of one event, events/s and
// MB/s the sustained rate. sink=spillway runs with sync=never and
// sync=batch (an fsync after every batch the drain writes, that is group
// commit); sink=naive is the baseline: the seed's design ported as is, a
// bounded channel of events drained by one goroutine that encodes each
// event with encoding/json and writes and flushes it on its own.
//
// # Encoding
//
// BenchmarkEncode compares CallEvent.AppendJSON, encoding/json on the
// seed's struct (the naive port's encoder) and json.Marshal of a CallEvent
// (which calls its MarshalJSON, then validates and re-escapes the result).
package bench
