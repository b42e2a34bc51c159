// Package jsonl writes values as JSON lines (one JSON object a line), the
// format of the audit trail, and reads them back.
//
// # Writing
//
// A [Writer] is synchronous: Send has written the line when it returns. It
// encodes a value with its AppendJSON method when it has one (as
// event.CallEvent does, with no allocation), and with encoding/json
// otherwise, and writes every batch of lines with one Write call. It is the
// right fallback target for a queue.
//
// A [Sink] is what a server puts on its hot path: a [pipeline.Queue] in
// front of a Writer, so that Send returns in nanoseconds while one drain
// goroutine writes whole batches. It has the queue's options (capacity,
// strategy, fallback, hooks) and counters. [Open] appends to a file it
// owns, [New] writes to any io.Writer, [Stdout] and [Stderr] to the
// process's streams:
//
//	overflow, err := jsonl.OpenWriter[event.CallEvent]("overflow.jsonl", nil)
//	...
//	audit, err := jsonl.Open("audit.jsonl", &jsonl.Options[event.CallEvent]{
//		Queue: pipeline.QueueOptions[event.CallEvent]{
//			Strategy: strategy.Fallback,
//			Fallback: overflow,
//		},
//	})
//	...
//	defer audit.Close(ctx)
//
// # Files and crashes
//
// [Open] and [OpenWriter] open with O_APPEND|O_CREATE and mode 0600, and
// never truncate. A line is written whole or, if the write fails part way,
// the fragment is ended by a newline before anything else is written, so
// a file never holds part of a line followed by another line. A process
// killed in the middle of a write leaves at most one torn last line; the
// next Open starts its first line on a fresh line. A [SyncPolicy] chooses
// how durable a written line is: [SyncNever] (the default), [SyncEveryBatch]
// or [SyncInterval].
//
// # Reading
//
// [Read] and [Reader] decode a file line by line, with the line number in
// every error ([*LineError]); a lenient Reader skips bad lines and counts
// them. A torn last line is reported as [ErrTornLine], a corrupt line
// elsewhere with its decoding error.
package jsonl
