// Package peers measures spillway against what an adopter would use
// instead to write the same audit events to a file: zap, zerolog and
// log/slog. It lives in a module of its own, so that spillway never
// depends on its peers, and has no API: its test files are the
// benchmarks, run by bench/run.sh together with package bench.
//
// BenchmarkPeers/event=E/sink=S/producers=P logs b.N copies of one event
// (event=typical or fat, the same fixtures as package bench) from P
// producers into a file in a temporary directory, and stops the clock once
// everything is flushed and the file closed: ns/op is the cost of one
// event end to end, and written/op the share of events that reached the
// file. The sinks:
//
//   - spillway: jsonl.Open under the Block strategy, so that no event is
//     lost, with the default capacity, batch size and MaxDelay.
//   - zap_fields: a zap.Logger over a JSON encoder and a
//     zapcore.BufferedWriteSyncer (its defaults: 256 KiB, flushed every
//     30s), each field passed as a zap.Field.
//   - zap_marshaler: the same logger, the event passed as one
//     zapcore.ObjectMarshaler inlined into the entry.
//   - zerolog_diode: a zerolog.Logger over diode.NewWriter as zerolog's
//     documentation shows it (1000 slots, polled every 10ms). A diode drops
//     the oldest events when its reader falls behind: see written/op.
//   - zerolog_bufio: a zerolog.Logger over zerolog.SyncWriter of a 256 KiB
//     bufio.Writer, writing synchronously.
//   - slog_bufio: a slog.JSONHandler over a 256 KiB bufio.Writer.
//
// Every sink writes exactly the event's fields, as spillway's wire format
// does (TestPeersWriteSameFields checks it): the libraries' own time,
// level and message keys are turned off (zap's EncoderConfig keys left
// empty, zerolog's Log with no message, slog's built-in attributes
// removed by ReplaceAttr).
package peers
