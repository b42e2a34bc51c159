package faults

import (
	"bytes"
	"io"
	"io/fs"
	"sync"
	"syscall"
	"time"
)

// DefaultName is the path a [Writer] reports in its errors when its Name is
// empty.
const DefaultName = "faults.Writer"

// Writer is an io.Writer that keeps what it is given in memory, as a file
// would (or passes it on to another io.Writer), and misbehaves as
// configured: slow or blocked until released
// (Gate, Delay), out of space (SetSpace), short-writing (MaxWrite),
// failing (Fail), panicking (Panic), failing to sync (SyncErr).
//
// The zero value is a well-behaved in-memory writer with unlimited space.
// Set the fields before first use; call the methods at any time. A Writer
// is safe for concurrent use: Writes are serialised, each appending whole
// or in part to the contents before the next starts. It must not be copied
// after first use.
//
// Its errors look like those of an [os.File]: a write that fails
// (ENOSPC, or Fail's error unless it is already one) returns an
// [*fs.PathError] with Op "write" and Path Name.
type Writer struct {
	// Name is the path reported in errors. Default DefaultName.
	Name string

	// W, if not nil, receives the bytes each Write takes, instead of the
	// Writer's memory: a real file to misbehave in front of, or a counter
	// for a long run. Bytes and String then return nothing; Len still
	// counts. An error from W is returned as it is.
	W io.Writer

	// Gate, if not nil, makes every Write wait until it can receive from
	// Gate. Closing Gate releases every Write for good; sending on it lets
	// one Write through, which makes a writer as slow as the test wants.
	// A Write waiting on Gate cannot be interrupted: release it before the
	// test ends.
	Gate chan struct{}
	// Entered, if not nil, receives a value (without blocking: it should
	// be buffered) each time a Write starts, before it waits on Gate.
	Entered chan struct{}
	// Delay, if positive, makes every Write sleep that long first, after
	// Gate. Use it only inside a testing/synctest bubble, where time is
	// fake and the sleep costs nothing; elsewhere wait on Gate instead.
	Delay time.Duration

	// Fail, if not nil, is called with the bytes of each Write and its
	// index among all Writes (from 0); a non-nil result fails the Write,
	// which takes nothing. [FailFirst] and [FailEvery] make common ones.
	// An error that is not an *fs.PathError is wrapped in one.
	Fail func(p []byte, i int) error
	// Panic, if not nil, makes a Write panic with the value it returns for
	// (p, i), when that is not nil, before taking anything.
	Panic func(p []byte, i int) any
	// MaxWrite, if positive, is the most bytes one Write takes: a longer p
	// is cut short, and Write returns the count and ShortErr.
	MaxWrite int
	// ShortErr is what a Write cut short by MaxWrite returns. nil breaks
	// the io.Writer contract on purpose (n < len(p) with a nil error), as a
	// buggy writer does.
	ShortErr error
	// SyncErr, if not nil, is what Sync returns.
	SyncErr error

	mu      sync.Mutex
	buf     bytes.Buffer
	writes  int
	syncs   int
	limited bool
	space   int64
	failed  int
	total   int64
}

// Write appends p, or as much of it as the faults allow.
func (w *Writer) Write(p []byte) (int, error) {
	if w.Entered != nil {
		select {
		case w.Entered <- struct{}{}:
		default:
		}
	}
	if w.Gate != nil {
		<-w.Gate
	}
	if w.Delay > 0 {
		time.Sleep(w.Delay)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.writes
	w.writes++
	if w.Panic != nil {
		if v := w.Panic(p, i); v != nil {
			panic(v)
		}
	}
	if w.Fail != nil {
		if err := w.Fail(p, i); err != nil {
			w.failed++
			return 0, w.pathError(err)
		}
	}
	n, err := len(p), error(nil)
	if w.MaxWrite > 0 && n > w.MaxWrite {
		n, err = w.MaxWrite, w.ShortErr
	}
	if w.limited && int64(n) > w.space {
		n, err = int(w.space), w.pathError(syscall.ENOSPC)
	}
	switch {
	case w.W == nil:
		w.buf.Write(p[:n])
	case n > 0:
		k, werr := w.W.Write(p[:n])
		switch {
		case werr != nil:
			n, err = k, werr
		case k < n:
			n, err = k, io.ErrShortWrite
		}
	}
	w.total += int64(n)
	if w.limited {
		w.space -= int64(n)
	}
	if err != nil || n < len(p) {
		w.failed++
	}
	return n, err
}

func (w *Writer) pathError(err error) error {
	if _, ok := err.(*fs.PathError); ok {
		return err
	}
	name := w.Name
	if name == "" {
		name = DefaultName
	}
	return &fs.PathError{Op: "write", Path: name, Err: err}
}

// Sync counts a sync and returns SyncErr. With it a Writer passes for an
// *os.File where a sync policy needs one.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncs++
	return w.SyncErr
}

// SetSpace sets how many more bytes the Writer can take: a Write that does
// not fit takes what does and fails with ENOSPC, as a full disk makes an
// *os.File do. A negative n makes space unlimited again, as in the zero
// Writer.
func (w *Writer) SetSpace(n int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limited, w.space = n >= 0, n
}

// Bytes returns a copy of everything written.
func (w *Writer) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.buf.Bytes())
}

// String returns everything written.
func (w *Writer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// Len returns how many bytes were written.
func (w *Writer) Len() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.total
}

// Writes returns how many Writes were made, failed ones included.
func (w *Writer) Writes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

// Failed returns how many Writes returned an error or were cut short.
func (w *Writer) Failed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// Syncs returns how many times Sync was called.
func (w *Writer) Syncs() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.syncs
}

var _ io.Writer = (*Writer)(nil)

// ErrNoSpace returns the error an *os.File at path returns for a write on
// a full disk: syscall.ENOSPC in an *fs.PathError.
func ErrNoSpace(path string) error {
	return &fs.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
}
