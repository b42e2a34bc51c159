package jsonl

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/strategy"
)

// Options configures a [Sink]. The zero value, like a nil *Options, means
// the defaults. T is the sink's element type, so a fallback sink of another
// type does not compile.
type Options[T any] struct {
	// Queue configures the queue in front of the line writer: capacity,
	// strategy, fallback, batch size, hooks. Its Name defaults to "jsonl".
	// The fallback should be synchronous: a [Writer] from [OpenWriter], or
	// [NewWriter] on os.Stderr.
	Queue pipeline.QueueOptions[T]

	// Sync says when the line writer syncs what it wrote. Default
	// [SyncNever].
	Sync SyncPolicy
}

// A Sink is the JSON-lines audit sink: a [pipeline.Queue] in front of a
// [Writer]. Send queues a value and returns at once (or as the queue's
// strategy says when it is full); the queue's one drain goroutine hands
// the writer everything queued, which writes it as whole lines with one
// Write call a batch. A value the writer could not write (an encoding
// error, a write error) goes to the queue's OnError hook and its fallback.
//
// A Sink has the queue's semantics and Stats (named "jsonl" by default);
// its Children are the writer and the fallback, so [pipeline.Walk] shows
// the tree as "jsonl", "jsonl/writer" and "jsonl[fallback]/...".
//
// A Sink is safe for concurrent use. It must be closed: Close delivers
// what is queued and closes the writer, and the file for [Open].
type Sink[T any] struct {
	q *pipeline.Queue[T]
}

var (
	_ pipeline.Sink[int]     = (*Sink[int])(nil)
	_ pipeline.StatsReporter = (*Sink[int])(nil)
	_ pipeline.Parent        = (*Sink[int])(nil)
)

// New returns a Sink that writes lines to w, which it does not own: Close
// does not close w. Unlike [Open], New does not look for a torn last line
// in what w already holds. A nil opts means the defaults; an invalid
// option is an error that names it.
func New[T any](w io.Writer, opts *Options[T]) (*Sink[T], error) {
	return newOn(w, opts, "New")
}

// Open returns a Sink that appends lines to the file at path, as
// [OpenWriter] opens it: created with mode [FileMode] if missing, never
// truncated, a torn last line ended before the first new line. The Sink
// owns the file: Close closes it. An invalid option is an error that names
// it, and then the file is neither created nor changed.
func Open[T any](path string, opts *Options[T]) (*Sink[T], error) {
	var o Options[T]
	if opts != nil {
		o = *opts
	}
	wopts := &WriterOptions{Sync: o.Sync}
	if err := o.validate("Open"); err != nil {
		return nil, err
	}
	f, torn, created, err := openAppend(path, wopts, "Open")
	if err != nil {
		return nil, err
	}
	wr, err := newWriter[T](f, f, wopts, "Open")
	if err != nil {
		discard(f, path, created)
		return nil, err
	}
	wr.torn = torn
	s, err := newSink(wr, &o)
	if err != nil {
		discard(f, path, created)
		return nil, err
	}
	return s, nil
}

// Stdout returns a Sink that writes lines to os.Stdout, which it never
// closes.
func Stdout[T any](opts *Options[T]) (*Sink[T], error) { return newOn(os.Stdout, opts, "Stdout") }

// Stderr returns a Sink that writes lines to os.Stderr, which it never
// closes.
func Stderr[T any](opts *Options[T]) (*Sink[T], error) { return newOn(os.Stderr, opts, "Stderr") }

// newOn is New, naming fn in its errors.
func newOn[T any](w io.Writer, opts *Options[T], fn string) (*Sink[T], error) {
	var o Options[T]
	if opts != nil {
		o = *opts
	}
	if err := o.validate(fn); err != nil {
		return nil, err
	}
	wr, err := newWriter[T](w, nil, &WriterOptions{Sync: o.Sync}, fn)
	if err != nil {
		return nil, err
	}
	return newSink(wr, &o)
}

func newSink[T any](w *Writer[T], o *Options[T]) (*Sink[T], error) {
	qo := o.Queue
	if qo.Name == "" {
		qo.Name = "jsonl"
	}
	q, err := pipeline.NewQueue[T](w, &qo)
	if err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
	}
	return &Sink[T]{q: q}, nil
}

// validate checks the queue options, naming fn in its error. Open calls it
// before it opens the file, so that it changes nothing on a bad
// configuration.
func (o *Options[T]) validate(fn string) error {
	if err := o.Queue.Validate(); err != nil {
		return fmt.Errorf("jsonl: %s: %w", fn, err)
	}
	return nil
}

// Send queues v for the writer, or does what the queue's strategy says
// when the queue is full (see [pipeline.Queue.Send]).
func (s *Sink[T]) Send(ctx context.Context, v T) error { return s.q.Send(ctx, v) }

// Close stops accepting values, writes everything queued, then closes the
// writer (syncing it unless the policy is [SyncNever], and closing the file
// for [Open]) and the fallback. If ctx ends first, it returns an error that
// wraps ctx.Err() and says how many values were abandoned (see
// [pipeline.Queue.Close]). Close is idempotent.
func (s *Sink[T]) Close(ctx context.Context) error { return s.q.Close(ctx) }

// Strategy returns the queue's strategy: what Send does when the queue is
// full.
func (s *Sink[T]) Strategy() strategy.Strategy { return s.q.Strategy() }

// Stats returns the queue's counters.
func (s *Sink[T]) Stats() pipeline.Stats { return s.q.Stats() }

// Children returns the writer and, if there is one, the fallback.
func (s *Sink[T]) Children() []pipeline.Child { return s.q.Children() }
