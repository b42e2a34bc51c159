package kafka

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spillway-go/spillway/pipeline"
)

// Errors of a failed delivery. Every error SendBatch returns wraps exactly
// one of them (or [pipeline.ErrClosed]), and also the cause the client
// reported, so errors.Is sees both (a *kerr.Error for the broker's answers).
//
// The broker answered definitely for ErrNoTopic, ErrTooLarge, ErrDenied and
// ErrRejected: retrying cannot help, so the sink fails the value at once.
// ErrUnacknowledged is what remains when the outcome stayed unknown (no
// acknowledgement in time, the client gave up on its own retries) after
// every attempt: the record may or may not be in the topic.
var (
	// ErrNoTopic: the topic does not exist (UNKNOWN_TOPIC_OR_PARTITION
	// after the client's UnknownTopicRetries).
	ErrNoTopic = errors.New("kafka: no such topic")
	// ErrTooLarge: the record exceeds the broker's or the topic's maximum
	// message size.
	ErrTooLarge = errors.New("kafka: record too large")
	// ErrDenied: the client may not produce to the topic.
	ErrDenied = errors.New("kafka: produce not authorized")
	// ErrRejected: the broker refused the record for another reason that
	// retrying cannot fix, or the value does not encode, or the client is
	// closed.
	ErrRejected = errors.New("kafka: rejected")
	// ErrUnacknowledged: no acknowledgement came back after
	// Options.MaxAttempts attempts, or before the caller's context ended.
	ErrUnacknowledged = errors.New("kafka: not acknowledged")
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
	var ke *kerr.Error
	switch {
	case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID):
		return ErrNoTopic
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		return ErrTooLarge
	case errors.Is(err, kerr.TopicAuthorizationFailed),
		errors.Is(err, kerr.ClusterAuthorizationFailed),
		errors.Is(err, kerr.TransactionalIDAuthorizationFailed),
		errors.Is(err, kerr.SaslAuthenticationFailed):
		return ErrDenied
	case errors.Is(err, kgo.ErrClientClosed):
		return ErrRejected
	case errors.As(err, &ke) && !ke.Retriable:
		return ErrRejected
	}
	return nil
}
