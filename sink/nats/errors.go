package nats

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/spillway-go/spillway/pipeline"
)

// Errors of a failed delivery. Every error SendBatch returns wraps exactly
// one of them (or [pipeline.ErrClosed]), and also the cause the client
// reported, so errors.Is sees both.
//
// The server answered definitely for ErrNoStream, ErrStreamFull,
// ErrTooLarge, ErrDenied and ErrRejected: retrying cannot help, so the sink
// fails the value at once. ErrUnacknowledged is what remains when the
// outcome stayed unknown (no acknowledgement in time, a lost connection)
// after every attempt: the value may or may not be in the stream.
var (
	// ErrNoStream: no stream takes the subject (no responders), or
	// JetStream is not enabled on the server or the account.
	ErrNoStream = errors.New("nats: no stream for subject")
	// ErrStreamFull: the stream is at its MaxMsgs, MaxBytes or
	// MaxMsgsPerSubject limit and its discard policy is DiscardNew.
	ErrStreamFull = errors.New("nats: stream full")
	// ErrTooLarge: the message exceeds the server's max_payload or the
	// stream's MaxMsgSize.
	ErrTooLarge = errors.New("nats: message too large")
	// ErrDenied: the connection may not publish to the subject.
	ErrDenied = errors.New("nats: publish not authorized")
	// ErrRejected: the server refused the message for another reason (a
	// JetStream API error in the 400 range), or the value does not encode,
	// or the connection is closed.
	ErrRejected = errors.New("nats: rejected")
	// ErrUnacknowledged: no acknowledgement came back after
	// Options.MaxAttempts attempts, or before the caller's context ended.
	ErrUnacknowledged = errors.New("nats: not acknowledged")
)

// errAckTimeout is the cause of an attempt that waited PerCallTimeout for
// acknowledgements that did not come.
var errAckTimeout = errors.New("no acknowledgement within the per-call timeout")

// permanent returns the error to report for cause, wrapping the sentinel
// of its class, if retrying cannot fix it; nil if it can.
func permanent(cause error) error {
	class := classify(cause)
	if class == nil {
		return nil
	}
	err := fmt.Errorf("%w: %w", class, cause)
	if class == ErrTooLarge {
		// The value's own fault: a queue offers the values after it again.
		return &pipeline.ValueError{Err: err}
	}
	return err
}

func classify(err error) error {
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled),
		errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount),
		errors.Is(err, jetstream.ErrStreamNotFound):
		return ErrNoStream
	case errors.Is(err, nats.ErrMaxPayload),
		errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum):
		return ErrTooLarge
	case errors.Is(err, nats.ErrPermissionViolation),
		errors.Is(err, nats.ErrAuthorization):
		return ErrDenied
	case errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, nats.ErrBadSubject):
		return ErrRejected
	case errors.As(err, &apiErr):
		return classifyAPI(apiErr)
	}
	return nil
}

// jsStoreFailed is the error code of a message the stream could not store;
// its description is the store's error.
const jsStoreFailed jetstream.ErrorCode = 10077

func classifyAPI(e *jetstream.APIError) error {
	if e.ErrorCode == jsStoreFailed {
		switch d := e.Description; {
		case strings.HasPrefix(d, "maximum messages"), strings.HasPrefix(d, "maximum bytes"):
			return ErrStreamFull
		case d == "message too large":
			return ErrTooLarge
		}
		return nil // an I/O error on the server: worth another attempt
	}
	if e.Code >= 400 && e.Code < 500 {
		return ErrRejected
	}
	return nil
}

// deniedByServer reports whether the server told nc, since its last error
// was before, that it may not publish to subject. The server says so
// asynchronously and the message is then dropped without an
// acknowledgement, so the sink asks after a timeout. The connection keeps
// its last error until it reconnects: one that was already there when the
// attempt began is old news, and a timeout after it is only a timeout
// (nats.go makes a new error value for each violation the server reports).
func deniedByServer(nc *nats.Conn, subject string, before error) error {
	err := nc.LastError()
	if err != nil && !sameValue(err, before) && errors.Is(err, nats.ErrPermissionViolation) &&
		strings.Contains(err.Error(), `Publish to "`+subject+`"`) {
		return err
	}
	return nil
}

// sameValue reports whether a and b are the same error value, without
// the panic that == makes on an uncomparable dynamic type.
func sameValue(a, b error) bool {
	if a == nil || b == nil || reflect.TypeOf(a) != reflect.TypeOf(b) || !reflect.TypeOf(a).Comparable() {
		return a == nil && b == nil
	}
	return a == b
}
