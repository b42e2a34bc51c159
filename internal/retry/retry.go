// Package retry holds what the network sinks share about retrying a value
// whose outcome is unknown: a [Policy] (how many attempts, how long each may
// take, how long to wait between them) and the error of a value given up on
// ([GaveUp]). Each sink keeps its own options, defaults and error sentinels,
// and builds a Policy from them.
package retry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// A Policy bounds the attempts at one value: the caller makes at most
// MaxAttempts, bounds each by PerCallTimeout, and waits [Policy.Delay]
// between them. The zero value sets no bound at all; a caller makes its
// Policy with [Policy.Resolve], which fills in its defaults. A Policy is a
// plain value, safe to copy and to use concurrently.
type Policy struct {
	// MaxAttempts is how many attempts a value gets in all.
	MaxAttempts int
	// Backoff is the wait before the second attempt; it doubles before
	// each later one, up to PerCallTimeout (see [Policy.Delay]).
	Backoff time.Duration
	// PerCallTimeout bounds one attempt.
	PerCallTimeout time.Duration
}

// Resolve returns p with each zero field replaced by that of defaults. A
// negative field is an error that names it after prefix, as in
// "kafka: New: MaxAttempts -1 is negative"; the fields are checked in the
// order MaxAttempts, Backoff, PerCallTimeout, and the first negative one is
// reported.
func (p Policy) Resolve(prefix string, defaults Policy) (Policy, error) {
	switch {
	case p.MaxAttempts < 0:
		return Policy{}, fmt.Errorf("%s: MaxAttempts %d is negative", prefix, p.MaxAttempts)
	case p.Backoff < 0:
		return Policy{}, fmt.Errorf("%s: Backoff %v is negative", prefix, p.Backoff)
	case p.PerCallTimeout < 0:
		return Policy{}, fmt.Errorf("%s: PerCallTimeout %v is negative", prefix, p.PerCallTimeout)
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = defaults.MaxAttempts
	}
	if p.Backoff == 0 {
		p.Backoff = defaults.Backoff
	}
	if p.PerCallTimeout == 0 {
		p.PerCallTimeout = defaults.PerCallTimeout
	}
	return p, nil
}

// Delay returns the wait before the given attempt (2 or more; before an
// earlier one it is as before the second): Backoff, doubled for each
// attempt after the second, up to the larger of Backoff and
// PerCallTimeout, then reduced by a random jitter of up to half, so that
// many sinks retrying after the same outage do not retry in step. It never
// overflows, however large attempt is.
func (p Policy) Delay(attempt int) time.Duration {
	return jitter(p.backoff(attempt))
}

// backoff returns the wait before attempt, before jitter.
func (p Policy) backoff(attempt int) time.Duration {
	limit := max(p.Backoff, p.PerCallTimeout)
	d := p.Backoff
	for range attempt - 2 {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return d
}

// jitter returns a duration in [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// GaveUp returns the error of a value whose outcome stayed unknown after
// attempts attempts: if ctx has ended, sentinel wrapping the cause of its
// end ("<sentinel>: <cause>"); otherwise sentinel wrapping last, the last
// error that left the outcome unknown ("<sentinel> after 3 attempts:
// <last>"). errors.Is sees sentinel and the cause or last.
func GaveUp(ctx context.Context, sentinel error, attempts int, last error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", sentinel, context.Cause(ctx))
	}
	return fmt.Errorf("%w after %d attempts: %w", sentinel, attempts, last)
}
