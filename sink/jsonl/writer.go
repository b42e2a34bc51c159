package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spillway-go/spillway/internal/jsonenc"
	"github.com/spillway-go/spillway/pipeline"
)

// A SyncPolicy says when a [Writer] asks the operating system to make the
// lines it wrote durable, by calling the Sync method of its io.Writer (as
// [os.File.Sync] does, with fsync). The zero value is [SyncNever].
// Policies are comparable with ==.
type SyncPolicy struct {
	kind     syncKind
	interval time.Duration
}

type syncKind uint8

const (
	syncNever syncKind = iota
	syncBatch
	syncInterval
)

var (
	// SyncNever leaves durability to the operating system: a line is in
	// the file once written, and reaches the disk when the kernel flushes
	// it. It survives a crash of the process, not of the machine. It is
	// the default.
	SyncNever = SyncPolicy{}

	// SyncEveryBatch syncs after every write: when Send or SendBatch
	// returns nil, the lines are on the disk. Behind a queue the writer
	// gets whole batches, so the cost (about 140 µs a sync) is paid once
	// per batch, not per line.
	SyncEveryBatch = SyncPolicy{kind: syncBatch}
)

// SyncInterval returns the policy that syncs at most once every d: after a
// write when at least d has passed since the last sync, and at Close. Lines
// written since the last sync wait for the next write after d, or for
// Close; the policy starts no timer of its own. A d that is not positive
// makes a policy that [NewWriter] rejects.
func SyncInterval(d time.Duration) SyncPolicy {
	return SyncPolicy{kind: syncInterval, interval: d}
}

// String returns "never", "batch" or "interval:D".
func (p SyncPolicy) String() string {
	switch p.kind {
	case syncBatch:
		return "batch"
	case syncInterval:
		return "interval:" + p.interval.String()
	}
	return "never"
}

func (p SyncPolicy) syncs() bool { return p.kind != syncNever }

// WriterOptions configures a [Writer]. The zero value, like a nil
// *WriterOptions, means the defaults.
type WriterOptions struct {
	// Name names the writer in Stats. Default "writer".
	Name string

	// Sync says when the writer syncs what it wrote. Default SyncNever. Any
	// other policy needs an io.Writer with a Sync() error method, such as
	// an *os.File.
	Sync SyncPolicy
}

// A syncer is what a sync policy needs from the io.Writer.
type syncer interface{ Sync() error }

// A Writer is the synchronous JSON-lines sink: each value it is given
// becomes one line of JSON, written to an [io.Writer] before Send returns.
// It is the line writer under a [Sink], and the right fallback target for a
// queue, which should never fall back on another queue.
//
// A value encodes with its AppendJSON(dst []byte) []byte method when *T
// has one (event.CallEvent does), and with encoding/json otherwise (one
// line, HTML characters left unescaped).
//
// Every call writes whole lines with one Write call on the io.Writer, from
// a buffer the Writer reuses: a batch of lines for SendBatch, one line for
// Send. No two calls interleave, so lines from concurrent senders never
// mix. The medium never holds a fragment of a line followed by another
// line: if a write error leaves part of a line written (a short write, a
// full disk), the next write begins with a newline that ends the fragment,
// which stays in the medium as one corrupt line for a [Reader] to report;
// the value it belonged to is counted as failed and reported to the
// caller, never as written.
//
// Make a Writer with [NewWriter] or [OpenWriter]; the zero Writer is not
// usable. A Writer is safe for concurrent use. It reports its counters with Stats
// (Received, Delivered for lines written, Failed, Dropped for Sends after
// Close or whose context ended while waiting for another write to finish).
type Writer[T any] struct {
	name   string
	w      io.Writer
	syncer syncer    // nil under SyncNever
	closer io.Closer // non-nil when the Writer owns w
	policy SyncPolicy

	// sem is a one-slot lock guarding the fields below it; a channel, so
	// that a sender waiting for another's write can give up when its
	// context ends, and Close cannot hang on a wedged write.
	sem      chan struct{}
	buf      []byte // reused encoding buffer
	ends     []int  // offsets in buf just past each line's newline
	one      []T    // Send's value, so that encoding it does not allocate
	torn     bool   // the medium ends in a fragment of a line
	dirty    bool   // written since the last sync
	lastSync time.Time
	done     bool // Close has run
	closeErr error

	closed   atomic.Bool
	counters pipeline.Counters
}

var (
	_ pipeline.Sink[int]        = (*Writer[int])(nil)
	_ pipeline.BatchSender[int] = (*Writer[int])(nil)
	_ pipeline.StatsReporter    = (*Writer[int])(nil)
)

// maxRetained is the largest encoding buffer a Writer keeps between calls;
// a larger one, grown by an unusually big batch, is left to the collector.
const maxRetained = 4 << 20

// NewWriter returns a Writer that writes lines to w. The Writer does not
// own w: Close syncs it when the policy says so, but does not close it.
// A nil opts means the defaults. NewWriter returns an error naming the
// option when opts is invalid.
func NewWriter[T any](w io.Writer, opts *WriterOptions) (*Writer[T], error) {
	return newWriter[T](w, nil, opts, "NewWriter")
}

func newWriter[T any](w io.Writer, closer io.Closer, opts *WriterOptions, fn string) (*Writer[T], error) {
	if w == nil {
		return nil, fmt.Errorf("jsonl: %s: io.Writer is nil", fn)
	}
	var o WriterOptions
	if opts != nil {
		o = *opts
	}
	if err := o.validate(fn); err != nil {
		return nil, err
	}
	s, ok := w.(syncer)
	if o.Sync.syncs() && !ok {
		return nil, fmt.Errorf("jsonl: %s: Sync %v needs an io.Writer with a Sync method, and %T has none", fn, o.Sync, w)
	}
	if !o.Sync.syncs() {
		s = nil
	}
	if o.Name == "" {
		o.Name = "writer"
	}
	return &Writer[T]{
		name:     o.Name,
		w:        w,
		syncer:   s,
		closer:   closer,
		policy:   o.Sync,
		sem:      make(chan struct{}, 1),
		one:      make([]T, 1),
		lastSync: time.Now(),
	}, nil
}

func (o *WriterOptions) validate(fn string) error {
	if o.Sync.kind == syncInterval && o.Sync.interval <= 0 {
		return fmt.Errorf("jsonl: %s: Sync interval %v is not positive", fn, o.Sync.interval)
	}
	return nil
}

// Send writes v as one line. It returns nil once the line is written (and
// synced, under [SyncEveryBatch]). A value that fails to encode writes
// nothing and returns the encoder's error; a write error returns an error
// wrapping it, and v counts as failed even if part of its line reached the
// medium. While another call is writing, Send waits for it, or until ctx
// ends (v then counts as dropped and Send returns ctx.Err()). After Close,
// Send returns [pipeline.ErrClosed].
func (w *Writer[T]) Send(ctx context.Context, v T) error {
	w.counters.AddReceived(1)
	if err := w.acquire(ctx, 1); err != nil {
		return err
	}
	defer w.release()
	w.one[0] = v
	_, err := w.writeLocked(w.one)
	var zero T
	w.one[0] = zero // keep nothing of v
	return err
}

// SendBatch writes vs as len(vs) lines with one Write call, and returns how
// many leading values n it wrote, as [pipeline.BatchSender] says: when
// n < len(vs), err says why and vs[n:] were not written, so the caller can
// route them elsewhere.
//
//   - A value that fails to encode ends the batch there: the lines of the
//     values before it are written, n is its index, and err wraps the
//     encoder's error in a [*pipeline.ValueError]. The values after it are
//     not written either; a queue offers them again.
//   - A write error (a short write, a full disk) makes n the number of
//     lines the medium took whole. A line cut short is not counted: its
//     value is in vs[n:], and its fragment is ended by a newline before
//     the next line is written.
//   - Under [SyncEveryBatch], or [SyncInterval] when a sync is due, a
//     failed sync fails the whole batch (n == 0): its lines were written
//     but may not be durable, and handing them on again (to a fallback)
//     risks a duplicate rather than a lost record.
//
// Every value of vs[n:] counts as failed, or as dropped when SendBatch
// returns ctx.Err() or [pipeline.ErrClosed] without writing.
func (w *Writer[T]) SendBatch(ctx context.Context, vs []T) (int, error) {
	w.counters.AddReceived(uint64(len(vs)))
	if err := w.acquire(ctx, len(vs)); err != nil {
		return 0, err
	}
	defer w.release()
	return w.writeLocked(vs)
}

// acquire takes the lock for a call sending n values, or counts them as
// dropped and says why not.
func (w *Writer[T]) acquire(ctx context.Context, n int) error {
	if w.closed.Load() {
		w.counters.AddDropped(uint64(n))
		return pipeline.ErrClosed
	}
	if err := w.lock(ctx); err != nil {
		w.counters.AddDropped(uint64(n))
		return err
	}
	if w.done {
		w.release()
		w.counters.AddDropped(uint64(n))
		return pipeline.ErrClosed
	}
	return nil
}

// lock takes the lock, preferring it over an ended ctx when both are ready.
func (w *Writer[T]) lock(ctx context.Context) error {
	select {
	case w.sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case w.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer[T]) release() { <-w.sem }

// writeLocked encodes vs into the buffer, writes the whole lines with one
// Write, syncs per the policy and counts the outcome of every value.
func (w *Writer[T]) writeLocked(vs []T) (n int, err error) {
	buf, ends := w.buf[:0], w.ends[:0]
	if w.torn {
		buf = append(buf, '\n')
	}
	prefix := len(buf)
	var encErr error
	for i := range vs {
		start := len(buf)
		buf, encErr = jsonenc.Append(buf, &vs[i])
		if encErr == nil && bytes.IndexByte(buf[start:], '\n') >= 0 {
			// A broken AppendJSON; never let it split a record in two.
			buf, encErr = buf[:start], fmt.Errorf("encode %T: output contains a newline", vs[i])
		}
		if encErr != nil {
			// The value's own fault: a queue offers the values after it
			// again.
			encErr = &pipeline.ValueError{Err: fmt.Errorf("jsonl: %w", encErr)}
			break
		}
		buf = append(buf, '\n')
		ends = append(ends, len(buf))
	}
	defer func() {
		if cap(buf) > maxRetained {
			buf = nil
		}
		w.buf, w.ends = buf[:0], ends[:0]
		w.counters.AddDelivered(uint64(n))
		w.counters.AddFailed(uint64(len(vs) - n))
	}()

	if len(ends) > 0 {
		k, werr := w.w.Write(buf)
		k = min(max(k, 0), len(buf))
		switch {
		case k == len(buf):
			werr = nil // every byte taken: the lines are written
		case werr == nil:
			werr = io.ErrShortWrite
		}
		if k > 0 {
			w.dirty = true
			// The medium now ends where the write stopped: at the end of
			// a line (or of the newline ending an old fragment), or in the
			// middle of one.
			w.torn = k != prefix && !containsInt(ends, k)
		}
		if werr != nil {
			for n < len(ends) && ends[n] <= k {
				n++
			}
			return n, fmt.Errorf("jsonl: write: %w", werr)
		}
		if serr := w.maybeSync(false); serr != nil {
			return 0, serr
		}
		n = len(ends)
	}
	if encErr != nil {
		return n, encErr
	}
	return len(vs), nil
}

func containsInt(sorted []int, k int) bool {
	for _, e := range sorted {
		if e >= k {
			return e == k
		}
	}
	return false
}

// maybeSync syncs the medium if the policy says it is due, or if force is
// set and anything was written since the last sync.
func (w *Writer[T]) maybeSync(force bool) error {
	if w.syncer == nil || !w.dirty {
		return nil
	}
	if !force && w.policy.kind == syncInterval && time.Since(w.lastSync) < w.policy.interval {
		return nil
	}
	err := w.syncer.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		// A pipe, a terminal or a socket: nothing to make durable.
		err = nil
	}
	if err != nil {
		return fmt.Errorf("jsonl: sync: %w", err)
	}
	w.dirty = false
	w.lastSync = time.Now()
	return nil
}

// Close stops accepting values (later Sends return [pipeline.ErrClosed]),
// waits for a write in progress, syncs what was written unless the policy
// is [SyncNever], and closes the io.Writer if the Writer owns it (one from
// [OpenWriter] or [Open], never one given to [NewWriter], [Stdout] or
// [Stderr]). If ctx ends while a write is in progress, Close returns an
// error wrapping ctx.Err() without syncing or closing; a later Close may
// finish the job. Close is idempotent: once it has run, it returns the
// same result.
func (w *Writer[T]) Close(ctx context.Context) error {
	w.closed.Store(true)
	if err := w.lock(ctx); err != nil {
		return fmt.Errorf("jsonl: close: waiting for a write in progress: %w", err)
	}
	defer w.release()
	if w.done {
		return w.closeErr
	}
	w.done = true
	err := w.maybeSync(true)
	if w.closer != nil {
		if cerr := w.closer.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("jsonl: close: %w", cerr))
		}
	}
	w.buf, w.ends = nil, nil
	w.closeErr = err
	return err
}

// Stats returns the writer's counters, named by WriterOptions.Name.
func (w *Writer[T]) Stats() pipeline.Stats { return w.counters.Stats(w.name) }
