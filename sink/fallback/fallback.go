// Package fallback provides [Sink], a stage that tries a list of sinks in
// order, a primary and its fallbacks, until one accepts the value: an audit
// file, then a second file, then standard error.
//
// # Tiers
//
// Send hands a value to the first tier; if it refuses, to the next; and so
// on. The first tier that accepts ends the Send, which returns nil. Which
// errors fall through is [Options.ShouldFallback]'s choice (by default
// every error, [pipeline.ErrQueueFull] and [pipeline.ErrClosed] among
// them); an error it declines ends the Send there. When no tier accepts,
// Send returns every tier's error, joined with [errors.Join], each wrapped
// with the tier's index and name. A value goes to one tier at a time and
// is never offered to a tier twice.
//
// # A hung primary
//
// Tiers are called synchronously: a primary that hangs instead of failing
// holds the Send, and no fallback ever fires. Put the primary behind a
// [pipeline.Queue] with strategy.BlockFor(d): while the primary hangs its
// queue fills, and then a Send waits at most d before the queue refuses the
// value with ErrQueueFull, which falls through to the next tier. (Later
// Sends do not even wait, while the primary stays stuck.)
//
// A queue as a tier takes responsibility for the values it accepts: a
// delivery that fails later, on its drain goroutine, never comes back to
// the fallback Sink. Give that queue its own QueueOptions.Fallback (which
// may itself be a fallback Sink of synchronous writers) so such values are
// not lost either.
//
// # Panics
//
// A tier that panics in Send, SendBatch or Close is recovered: the panic
// becomes a [*pipeline.PanicError], which is that tier's error for the
// value, reaches [Options.OnError] and falls through to the next tier.
//
// # Stats
//
// A fallback Sink counts each value once: Delivered when the first tier
// took it, FellBack when a later tier did, Failed when none did, Dropped
// for a Send after Close. Each tier counts its own results, and appears
// under the fallback Sink in [pipeline.Walk] on the edge "[i]", so that
// paths read "fallback[0]/queue".
package fallback

import (
	"context"
	"errors"
	"fmt"

	"github.com/spillway-go/spillway/internal/gate"
	"github.com/spillway-go/spillway/pipeline"
)

var (
	_ pipeline.Sink[int]        = (*Sink[int])(nil)
	_ pipeline.BatchSender[int] = (*Sink[int])(nil)
	_ pipeline.StatsReporter    = (*Sink[int])(nil)
	_ pipeline.Parent           = (*Sink[int])(nil)
)

// Options configures a [Sink]. The zero value, like a nil *Options, means
// the defaults; each field's comment gives its default.
type Options[T any] struct {
	// Name names the stage in Stats. Default "fallback".
	Name string

	// ShouldFallback reports whether a value that a tier refused with err
	// goes on to the next tier. It gets the tier's error as returned (a
	// panic as a *pipeline.PanicError) and must be safe for concurrent
	// use. Default: every error falls through.
	ShouldFallback func(err error) bool

	// OnError, if set, is called with every value a tier refused, the
	// tier's index and its error (not wrapped), whether or not a later
	// tier then takes the value. It runs on the sender's goroutine, once
	// per value and tier; it must be fast and must not call back into the
	// fallback Sink.
	OnError func(v T, tier int, err error)
}

// A Sink hands each value to the first of its tiers that accepts it. See
// the package documentation for its semantics.
//
// A Sink is safe for concurrent use. It owns its tiers and closes them.
type Sink[T any] struct {
	name           string
	tiers          []tier[T]
	shouldFallback func(error) bool
	onError        func(T, int, error)
	gate           *gate.Gate
	counters       pipeline.Counters
}

type tier[T any] struct {
	sink  pipeline.Sink[T]
	label string // "[i] name", for errors
}

// New returns a fallback Sink over tiers, the primary first, configured by
// opts (nil means the defaults). It copies the slice. No tiers, or a nil
// one, is an error.
func New[T any](tiers []pipeline.Sink[T], opts *Options[T]) (*Sink[T], error) {
	if len(tiers) == 0 {
		return nil, errors.New("fallback: New: no tiers")
	}
	var o Options[T]
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = "fallback"
	}
	s := &Sink[T]{
		name:           o.Name,
		tiers:          make([]tier[T], len(tiers)),
		shouldFallback: o.ShouldFallback,
		onError:        o.OnError,
		gate:           gate.New(),
	}
	for i, t := range tiers {
		if t == nil {
			return nil, fmt.Errorf("fallback: New: tier [%d] is nil", i)
		}
		s.tiers[i] = tier[T]{sink: t, label: label(i, t)}
	}
	return s, nil
}

// label names tier i in errors: its index, and its stats name if it
// reports stats.
func label(i int, s any) string {
	if r, ok := s.(pipeline.StatsReporter); ok {
		return fmt.Sprintf("[%d] %s", i, r.Stats().Name)
	}
	return fmt.Sprintf("[%d]", i)
}

// A failure is one tier's refusal of a value or a batch.
type failure struct {
	tier int
	err  error
}

// Send hands v to each tier in turn until one accepts it, and returns nil
// then. Otherwise it returns the joined errors of the tiers that refused v.
// After Close it returns [pipeline.ErrClosed] and counts v as dropped.
func (s *Sink[T]) Send(ctx context.Context, v T) error {
	s.counters.AddReceived(1)
	if !s.gate.Enter() {
		s.counters.AddDropped(1)
		return pipeline.ErrClosed
	}
	defer s.gate.Leave()

	var buf [4]failure // failures stay on the stack unless Send fails
	fails := buf[:0]
	for i := range s.tiers {
		err := pipeline.SafeSend(ctx, s.tiers[i].sink, v)
		if err == nil {
			if i == 0 {
				s.counters.AddDelivered(1)
			} else {
				s.counters.AddFellBack(1)
			}
			return nil
		}
		if s.onError != nil {
			s.onError(v, i, err)
		}
		fails = append(fails, failure{i, err})
		if !s.falls(err) {
			break
		}
	}
	s.counters.AddFailed(1)
	return s.join(fails)
}

func (s *Sink[T]) falls(err error) bool {
	return s.shouldFallback == nil || s.shouldFallback(err)
}

// join wraps each failure with its tier's index and name and joins them.
func (s *Sink[T]) join(fails []failure) error {
	errs := make([]error, len(fails))
	for i, f := range fails {
		errs[i] = fmt.Errorf("fallback: %s: %w", s.tiers[f.tier].label, f.err)
	}
	return errors.Join(errs...)
}

// SendBatch hands vs to the first tier with pipeline.SafeSendBatch (one
// SendBatch for a [pipeline.BatchSender], one Send per value otherwise),
// the part it refused to the next tier, and so on; each value a tier
// refused reaches OnError. It returns how many leading values of vs some
// tier accepted: len(vs) and nil, unless the last tier, or an error that
// ShouldFallback declined, left a suffix that no tier took; err then joins
// the tiers' errors and that suffix counts as failed. After Close it
// returns 0 and [pipeline.ErrClosed], counting vs as dropped. It does not
// retain vs.
func (s *Sink[T]) SendBatch(ctx context.Context, vs []T) (int, error) {
	s.counters.AddReceived(uint64(len(vs)))
	if !s.gate.Enter() {
		s.counters.AddDropped(uint64(len(vs)))
		return 0, pipeline.ErrClosed
	}
	defer s.gate.Leave()
	if len(vs) == 0 {
		return 0, nil
	}

	var buf [4]failure
	fails := buf[:0]
	off := 0 // vs[:off] were taken
	for i := range s.tiers {
		n, err := pipeline.SafeSendBatch(ctx, s.tiers[i].sink, vs[off:]) // err != nil if it took less than all
		if i == 0 {
			s.counters.AddDelivered(uint64(n))
		} else {
			s.counters.AddFellBack(uint64(n))
		}
		off += n
		if off == len(vs) {
			return off, nil
		}
		if s.onError != nil {
			for _, v := range vs[off:] {
				s.onError(v, i, err)
			}
		}
		fails = append(fails, failure{i, err})
		if !s.falls(err) {
			break
		}
	}
	s.counters.AddFailed(uint64(len(vs) - off))
	return off, s.join(fails)
}

// Close stops accepting values (a Send that starts after Close returns
// [pipeline.ErrClosed]), waits for the Sends in progress to finish, then
// closes the tiers in order, the primary first, and returns their errors
// joined, each wrapped with the tier's index and name. A primary queue
// thus drains before its fallbacks close (into its own
// QueueOptions.Fallback, if a delivery fails: it owns that one).
//
// If ctx ends while Sends are still in progress, Close closes the tiers
// anyway, with that ctx, and its error wraps ctx.Err(). Each tier bounds
// its own Close by ctx.
//
// Close is idempotent as its tiers' Close is: calling it again closes them
// again, which returns the result of their first Close, or finishes the
// work that an ended ctx cut short.
func (s *Sink[T]) Close(ctx context.Context) error {
	var errs []error
	if err := s.gate.Shut(ctx); err != nil {
		errs = append(errs, fmt.Errorf("fallback: close: waiting for %d Sends in progress: %w", s.gate.InFlight(), err))
	}
	for i := range s.tiers {
		t := &s.tiers[i]
		if err := pipeline.SafeClose(ctx, t.sink); err != nil {
			errs = append(errs, fmt.Errorf("fallback: close %s: %w", t.label, err))
		}
	}
	return errors.Join(errs...)
}

// Stats returns the fallback Sink's counters: one per value, by which tier
// took it.
func (s *Sink[T]) Stats() pipeline.Stats { return s.counters.Stats(s.name) }

// Children returns the tiers, each on the edge "[i]".
func (s *Sink[T]) Children() []pipeline.Child {
	cs := make([]pipeline.Child, len(s.tiers))
	for i, t := range s.tiers {
		cs[i] = pipeline.Child{Edge: fmt.Sprintf("[%d]", i), Sink: t.sink}
	}
	return cs
}
