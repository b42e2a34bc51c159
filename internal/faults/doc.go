// Package faults provides sinks and writers that misbehave on purpose:
// slow, blocked until released, failing, short-writing, panicking, hanging
// in Close. Every package's tests use them to prove what spillway promises
// when things go wrong.
//
// [Sink] and [BatchSink] misbehave as sinks; [Writer] misbehaves as the
// io.Writer under a line writer, down to the errors an *os.File returns on
// a full disk. [FailFirst], [FailEvery], [FailWhileOn] (with a [Toggle])
// and [PanicAt] build the common Fail and Panic functions.
//
// Every type is safe for concurrent use. None of them sleeps unless told
// to: a "slow" or "blocked" fault waits on a channel the test controls (a
// Gate), so tests stay deterministic. The Delay fields sleep, and are for
// testing/synctest bubbles only, where time is fake.
package faults
