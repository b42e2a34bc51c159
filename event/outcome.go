package event

import (
	"slices"
	"strconv"
)

// OutcomeKind says which of the six ways a tool call ended an [Outcome]
// records. Its String method returns the wire name (the value of the
// outcome's "kind" key).
type OutcomeKind uint8

// The outcome kinds, in the order the schema declares them. The zero
// OutcomeKind is OutcomeSuccess.
const (
	OutcomeSuccess          OutcomeKind = iota // "success"
	OutcomeExecutionFailed                     // "execution_failed"
	OutcomeInvalidArgs                         // "invalid_args"
	OutcomeCapabilityDenied                    // "capability_denied"
	OutcomeRateLimited                         // "rate_limited"
	OutcomeToolNotFound                        // "tool_not_found"
)

var outcomeKindNames = [...]string{
	OutcomeSuccess:          "success",
	OutcomeExecutionFailed:  "execution_failed",
	OutcomeInvalidArgs:      "invalid_args",
	OutcomeCapabilityDenied: "capability_denied",
	OutcomeRateLimited:      "rate_limited",
	OutcomeToolNotFound:     "tool_not_found",
}

// String returns the snake_case wire name of k, such as "execution_failed",
// or "OutcomeKind(N)" for a value that is not one of the declared kinds.
func (k OutcomeKind) String() string {
	if int(k) < len(outcomeKindNames) {
		return outcomeKindNames[k]
	}
	return "OutcomeKind(" + strconv.Itoa(int(k)) + ")"
}

// parseOutcomeKind returns the kind whose wire name is name.
func parseOutcomeKind(name []byte) (OutcomeKind, bool) {
	for k, n := range outcomeKindNames {
		if string(name) == n {
			return OutcomeKind(k), true
		}
	}
	return 0, false
}

// An Outcome records how a tool call ended. It is a tagged union: its
// [Outcome.Kind] says which variant it is, and only that variant's data
// is meaningful (the other accessors return zero values).
//
// Outcomes are built with [Success], [ExecutionFailed], [InvalidArgs],
// [CapabilityDenied], [RateLimited] and [ToolNotFound]; the fields are
// unexported so that no Outcome holds data its kind cannot carry on the
// wire. The zero Outcome is Success(). Use [Outcome.Equal] to compare two
// Outcomes (github.com/google/go-cmp uses it automatically).
//
// An Outcome is an immutable value, safe for concurrent use.
type Outcome struct {
	kind          OutcomeKind
	retryable     bool     // ExecutionFailed
	hasRetryAfter bool     // RateLimited
	text          string   // ExecutionFailed: code; InvalidArgs: message
	missing       []string // CapabilityDenied
	retryAfterMS  uint64   // RateLimited, when hasRetryAfter
}

// Success returns the outcome of a call that completed normally.
// Its wire form is {"kind":"success"}.
func Success() Outcome { return Outcome{kind: OutcomeSuccess} }

// ExecutionFailed returns the outcome of a call whose tool ran and failed
// with the error code code; retryable says whether the caller may retry.
// Its wire form is {"kind":"execution_failed","code":...,"retryable":...}.
func ExecutionFailed(code string, retryable bool) Outcome {
	return Outcome{kind: OutcomeExecutionFailed, text: code, retryable: retryable}
}

// InvalidArgs returns the outcome of a call rejected because its arguments
// were invalid; message says why.
// Its wire form is {"kind":"invalid_args","message":...}.
func InvalidArgs(message string) Outcome {
	return Outcome{kind: OutcomeInvalidArgs, text: message}
}

// CapabilityDenied returns the outcome of a call refused because the caller
// lacked the capabilities listed in missing. The Outcome retains missing:
// the caller must not modify the slice afterwards. A nil slice is written
// as [].
// Its wire form is {"kind":"capability_denied","missing":[...]}.
func CapabilityDenied(missing []string) Outcome {
	return Outcome{kind: OutcomeCapabilityDenied, missing: missing}
}

// RateLimited returns the outcome of a call refused by a rate limit.
// If ok is true, retryAfterMS is the number of milliseconds after which
// the caller may retry; if ok is false the delay is unknown, and
// retryAfterMS is ignored. Its wire form is
// {"kind":"rate_limited","retry_after_ms":N}, with null for an unknown delay.
//
// The arguments mirror [Outcome.RetryAfterMS], so
// RateLimited(o.RetryAfterMS()) copies o's delay.
func RateLimited(retryAfterMS uint64, ok bool) Outcome {
	if !ok {
		retryAfterMS = 0
	}
	return Outcome{kind: OutcomeRateLimited, retryAfterMS: retryAfterMS, hasRetryAfter: ok}
}

// ToolNotFound returns the outcome of a call that named no known tool.
// Its wire form is {"kind":"tool_not_found"}.
func ToolNotFound() Outcome { return Outcome{kind: OutcomeToolNotFound} }

// Kind returns which variant o is.
func (o Outcome) Kind() OutcomeKind { return o.kind }

// Code returns the error code of an ExecutionFailed outcome, and "" for
// any other kind.
func (o Outcome) Code() string {
	if o.kind != OutcomeExecutionFailed {
		return ""
	}
	return o.text
}

// Retryable reports whether an ExecutionFailed outcome may be retried.
// It returns false for any other kind.
func (o Outcome) Retryable() bool { return o.kind == OutcomeExecutionFailed && o.retryable }

// Message returns the message of an InvalidArgs outcome, and "" for any
// other kind.
func (o Outcome) Message() string {
	if o.kind != OutcomeInvalidArgs {
		return ""
	}
	return o.text
}

// Missing returns the capabilities a CapabilityDenied outcome lacked, and
// nil for any other kind. The slice is shared with o: do not modify it.
func (o Outcome) Missing() []string {
	if o.kind != OutcomeCapabilityDenied {
		return nil
	}
	return o.missing
}

// RetryAfterMS returns the retry delay in milliseconds of a RateLimited
// outcome and true, or 0 and false if the delay is unknown or o is of
// another kind.
func (o Outcome) RetryAfterMS() (ms uint64, ok bool) {
	if o.kind != OutcomeRateLimited || !o.hasRetryAfter {
		return 0, false
	}
	return o.retryAfterMS, true
}

// Equal reports whether o and p are the same outcome: the same kind and
// the same data for that kind. A nil and an empty Missing list are equal,
// as they have the same wire form.
func (o Outcome) Equal(p Outcome) bool {
	if o.kind != p.kind {
		return false
	}
	switch o.kind {
	case OutcomeExecutionFailed:
		return o.text == p.text && o.retryable == p.retryable
	case OutcomeInvalidArgs:
		return o.text == p.text
	case OutcomeCapabilityDenied:
		return slices.Equal(o.missing, p.missing)
	case OutcomeRateLimited:
		return o.hasRetryAfter == p.hasRetryAfter && o.retryAfterMS == p.retryAfterMS
	}
	return true
}

// String returns o's wire form, for debugging and test failure messages.
func (o Outcome) String() string { return string(appendOutcome(nil, &o)) }

// MarshalJSON returns o's wire form, as it appears under the "outcome" key
// of a [CallEvent]. It never fails.
func (o Outcome) MarshalJSON() ([]byte, error) {
	return appendOutcome(make([]byte, 0, 64), &o), nil
}

// UnmarshalJSON decodes an outcome's wire form into o, with the rules of
// [CallEvent.UnmarshalJSON]. On error o is left unchanged.
func (o *Outcome) UnmarshalJSON(data []byte) error {
	var v Outcome
	if err := decodeWhole(data, func(d *decoder) error {
		return d.outcome(&v, nil, 1)
	}); err != nil {
		return err
	}
	*o = v
	return nil
}
