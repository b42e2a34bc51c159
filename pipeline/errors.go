package pipeline

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by Send on a sink that has been closed. The value
	// counts as dropped.
	ErrClosed = errors.New("pipeline: closed")

	// ErrQueueFull is returned by Send on a full queue whose strategy gave up
	// on the value: at once under strategy.Drop, after the wait under
	// strategy.BlockFor. The value counts as dropped.
	ErrQueueFull = errors.New("pipeline: queue full")
)

// A PanicError is the error a stage boundary (a queue's drain, a fanout, a
// fallback) makes of a panic recovered from a sink it called. The value that
// was being sent counts as failed.
type PanicError struct {
	// Value is what the sink panicked with.
	Value any
	// Stack is the goroutine's stack trace at the panic.
	Stack []byte
}

// Error reports the panic value; the stack is left to those who ask for it.
func (e *PanicError) Error() string {
	return fmt.Sprintf("pipeline: sink panicked: %v", e.Value)
}

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// A ValueError is an error that a value causes by itself (it does not
// encode, it is too large), as opposed to a failure of the sink or of its
// medium (a full disk, a server that does not answer). A BatchSender that
// stops at a value for such a reason returns its index as n and an error
// that wraps a *ValueError; its caller may then offer the values after it
// again. A queue's drain does: one bad value costs no other. For any other
// error the caller treats every value from n on as failed.
type ValueError struct {
	Err error
}

// Error returns the cause's message.
func (e *ValueError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *ValueError) Unwrap() error { return e.Err }

// IsValueError reports whether err wraps a [*ValueError].
func IsValueError(err error) bool {
	var v *ValueError
	return errors.As(err, &v)
}

var errShortBatch = errors.New("pipeline: SendBatch took fewer values than it was given and returned no error")
