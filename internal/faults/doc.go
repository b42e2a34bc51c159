// Package faults provides sinks and writers that misbehave on purpose:
// slow, blocked until released, failing, short-writing, panicking, hanging
// in Close. Every package's tests use them to prove what spillway promises
// when things go wrong.
//
// Every type is safe for concurrent use. None of them sleeps: a "slow" or
// "blocked" fault waits on a channel the test controls, so tests stay
// deterministic and can run inside testing/synctest bubbles.
package faults
