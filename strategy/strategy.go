// Package strategy defines [Strategy], what a bounded queue does with a
// value when it is full.
//
// A Strategy is a small comparable value. It carries no behaviour of its own:
// the queue stage in package pipeline reads it. It can come from a flag:
// [Parse] reads the text that [Strategy.String] writes, and Strategy
// implements [encoding.TextMarshaler] and [encoding.TextUnmarshaler], so
// flag.TextVar accepts it.
package strategy

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind names the family a [Strategy] belongs to.
type Kind uint8

// The kinds of strategy. The zero Kind is KindDrop.
const (
	// KindDrop refuses the value at once.
	KindDrop Kind = iota
	// KindBlock waits for room until the sender's context ends.
	KindBlock
	// KindBlockFor waits for room at most a fixed duration, then drops.
	KindBlockFor
	// KindFallback hands the value to a fallback sink instead.
	KindFallback
)

// String returns the kind's name: "drop", "block", "block_for" or
// "fallback". A BlockFor strategy's text form, which [Parse] reads, is
// "block:DURATION" (see [Strategy.String]).
func (k Kind) String() string {
	switch k {
	case KindDrop:
		return "drop"
	case KindBlock:
		return "block"
	case KindBlockFor:
		return "block_for"
	case KindFallback:
		return "fallback"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Strategy says what a full queue does with one more value. The zero value
// is [Drop]. Strategies are comparable with ==; two BlockFor strategies are
// equal when their durations are.
type Strategy struct {
	kind    Kind
	timeout time.Duration
}

var (
	// Drop refuses a value at once when the queue is full: Send returns
	// pipeline.ErrQueueFull and the value counts as dropped. It is the
	// default: it protects the producer, at the price of losing records
	// under sustained overload.
	Drop = Strategy{kind: KindDrop}

	// Block makes Send wait for room. It gives up only when the sender's
	// context ends, returning ctx.Err(); the value then counts as dropped.
	// It is the strategy for compliance adopters who may not lose a record:
	// producers slow down under backpressure instead.
	Block = Strategy{kind: KindBlock}

	// Fallback hands a value that finds the queue full synchronously to the
	// queue's fallback sink, which must be configured. A fallback should be
	// synchronous (a line writer to a second file or stderr), never another
	// queue.
	Fallback = Strategy{kind: KindFallback}
)

// BlockFor returns the strategy that waits at most d for room, then drops.
// While downstream stays stuck (the queue's drain has not moved since a
// sender last gave up), later Sends drop at once instead of each waiting d.
// A d that is not positive makes a strategy that [Strategy.Validate]
// rejects.
func BlockFor(d time.Duration) Strategy {
	return Strategy{kind: KindBlockFor, timeout: d}
}

// Kind returns the strategy's kind.
func (s Strategy) Kind() Kind { return s.kind }

// Timeout returns how long a BlockFor strategy waits for room, and 0 for
// every other kind.
func (s Strategy) Timeout() time.Duration { return s.timeout }

// Validate reports whether s is usable: a BlockFor duration must be
// positive, and the kind must be one of the four.
func (s Strategy) Validate() error {
	switch s.kind {
	case KindDrop, KindBlock, KindFallback:
		return nil
	case KindBlockFor:
		if s.timeout <= 0 {
			return fmt.Errorf("strategy: block duration %v is not positive", s.timeout)
		}
		return nil
	}
	return fmt.Errorf("strategy: unknown kind %d", uint8(s.kind))
}

// String returns the text form that [Parse] reads back: "drop", "block",
// "block:50ms" or "fallback".
func (s Strategy) String() string {
	if s.kind == KindBlockFor {
		return "block:" + s.timeout.String()
	}
	return s.kind.String()
}

// MarshalText implements [encoding.TextMarshaler].
func (s Strategy) MarshalText() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [Parse].
func (s *Strategy) UnmarshalText(text []byte) error {
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// errSyntax is wrapped by the errors of Parse for text that is not in one
// of the forms it reads (not for a BlockFor duration that is not positive).
var errSyntax = errors.New("want drop, block, block:DURATION or fallback")

// Parse reads a strategy from text: "drop", "block", "block:DURATION" (a
// positive [time.ParseDuration] duration, as in "block:50ms") or "fallback".
// Names are case-sensitive and surrounding space is not trimmed. An error
// quotes the text it could not read.
func Parse(text string) (Strategy, error) {
	switch text {
	case "drop":
		return Drop, nil
	case "block":
		return Block, nil
	case "fallback":
		return Fallback, nil
	}
	if rest, ok := strings.CutPrefix(text, "block:"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return Strategy{}, fmt.Errorf("strategy: parse %q: bad duration %q: %w", text, rest, errSyntax)
		}
		if d <= 0 {
			return Strategy{}, fmt.Errorf("strategy: parse %q: duration %v is not positive", text, d)
		}
		return BlockFor(d), nil
	}
	return Strategy{}, fmt.Errorf("strategy: parse %q: %w", text, errSyntax)
}
