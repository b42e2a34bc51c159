package faults

import "sync/atomic"

// FailFirst returns a Fail function for a [Sink] or a [Writer] (T is
// []byte) that fails the first k calls with err and lets every later one
// through: a medium that recovers.
func FailFirst[T any](k int, err error) func(v T, i int) error {
	return func(_ T, i int) error {
		if i < k {
			return err
		}
		return nil
	}
}

// FailEvery returns a Fail function that fails every nth call with err
// (the calls with index n-1, 2n-1, ...): a medium that fails now and then.
// An n below 1 fails nothing.
func FailEvery[T any](n int, err error) func(v T, i int) error {
	return func(_ T, i int) error {
		if n > 0 && i%n == n-1 {
			return err
		}
		return nil
	}
}

// PanicAt returns a Panic function that panics with p on the call with
// index i, and only on that one.
func PanicAt[T any](i int, p any) func(v T, j int) any {
	return func(_ T, j int) any {
		if j == i {
			return p
		}
		return nil
	}
}

// PanicOn returns a Panic function that panics with p whenever the value
// is target, however often it is offered.
func PanicOn[T comparable](target T, p any) func(v T, i int) any {
	return func(v T, _ int) any {
		if v == target {
			return p
		}
		return nil
	}
}

// Toggle is a switch that a test flips while a fault is in use:
// [FailWhileOn] returns a Fail function that fails while the switch is on.
// The zero value is off. A Toggle is safe for concurrent use.
type Toggle struct{ on atomic.Bool }

// Set turns the switch on or off.
func (t *Toggle) Set(on bool) { t.on.Store(on) }

// On reports whether the switch is on.
func (t *Toggle) On() bool { return t.on.Load() }

// FailWhileOn returns a Fail function that fails every call with err while
// t is on.
func FailWhileOn[T any](t *Toggle, err error) func(v T, i int) error {
	return func(T, int) error {
		if t.On() {
			return err
		}
		return nil
	}
}
