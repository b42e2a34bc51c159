package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
)

var (
	// ErrTornLine is the error of a last line that has no newline and does
	// not decode: the tail of a write cut short by a crash. A [Reader]
	// reports it wrapped in a [*LineError], so errors.Is finds it and
	// errors.As finds the line number. A corrupt line anywhere else is
	// reported with its decoding error instead.
	ErrTornLine = errors.New("jsonl: torn last line")

	// ErrLineTooLong is the error of a line longer than
	// ReadOptions.MaxLineSize, wrapped in a [*LineError].
	ErrLineTooLong = errors.New("jsonl: line too long")
)

// A LineError is an error about one line of the input: it did not decode,
// it was torn or too long, or reading it failed.
type LineError struct {
	// Line is the line's number, counted from 1.
	Line int
	// Err is what went wrong: [ErrTornLine], [ErrLineTooLong], the
	// decoding error, or the read error.
	Err error
}

// Error returns "jsonl: line N: " and the error. It never quotes the line:
// audit records stay out of error messages.
func (e *LineError) Error() string {
	return "jsonl: line " + strconv.Itoa(e.Line) + ": " + strings.TrimPrefix(e.Err.Error(), "jsonl: ")
}

// Unwrap returns e.Err.
func (e *LineError) Unwrap() error { return e.Err }

// DefaultMaxLineSize is the longest line a [Reader] decodes when
// ReadOptions.MaxLineSize is not set: 16 MiB.
const DefaultMaxLineSize = 16 << 20

// ReadOptions configures a [Reader]. The zero value, like a nil
// *ReadOptions, means the defaults.
type ReadOptions struct {
	// Lenient makes the Reader skip the lines it cannot decode (corrupt,
	// torn or too long) instead of yielding their errors, and count them:
	// see [Reader.Skipped]. An error reading the input still ends the
	// sequence with that error. Default false: every bad line is yielded
	// as an error, and the sequence goes on after it.
	Lenient bool

	// MaxLineSize is the longest line, in bytes without its newline, that
	// the Reader decodes; a longer line is an [ErrLineTooLong] error, and
	// reading goes on at the next line. Default (and for values below 1)
	// DefaultMaxLineSize.
	MaxLineSize int
}

// A Reader decodes the values of a JSON-lines input, one a line, as a
// [Writer] writes them: with T's UnmarshalJSON method when it has one
// (event.CallEvent's is strict), through encoding/json. Blank lines are
// skipped. Lines have no length limit short of ReadOptions.MaxLineSize.
//
// A Reader is a type, not only an iterator, so that it can report what a
// lenient read skipped once the loop is over, as bufio.Scanner reports Err.
// For a strict read, [Read] is shorter.
//
// A last line without a newline is decoded like any other when it is a
// whole value (a crash can stop a write just before the newline); when it
// is not, the Reader reports [ErrTornLine] rather than its decoding error,
// so that a crash's torn tail is told apart from corruption.
//
// A Reader is not safe for concurrent use.
type Reader[T any] struct {
	br      *bufio.Reader
	max     int
	lenient bool
	line    int
	skipped int
	buf     []byte
}

// NewReader returns a Reader of the lines of r. A nil opts means the
// defaults.
func NewReader[T any](r io.Reader, opts *ReadOptions) *Reader[T] {
	var o ReadOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxLineSize < 1 {
		o.MaxLineSize = DefaultMaxLineSize
	}
	return &Reader[T]{
		br:      bufio.NewReaderSize(r, 64<<10),
		max:     o.MaxLineSize,
		lenient: o.Lenient,
	}
}

// Read returns the values of the lines of r, each with a nil error, and
// every bad line as a zero T with a [*LineError]. The sequence goes on
// after a bad line, and ends after an error reading r. It is
// NewReader[T](r, opts).All().
func Read[T any](r io.Reader, opts *ReadOptions) iter.Seq2[T, error] {
	return NewReader[T](r, opts).All()
}

// All returns the values of the remaining lines, each with a nil error.
// A line that does not decode is yielded as a zero T with a [*LineError]
// holding its number, unless the Reader is lenient, which skips and counts
// it; the sequence goes on after it. An error reading the input is yielded
// as a *LineError wrapping it, and ends the sequence.
func (r *Reader[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			line, n, terminated, tooLong, err := r.readLine()
			if n == 0 && err != nil {
				if err != io.EOF {
					yield(zero, &LineError{Line: r.line + 1, Err: fmt.Errorf("jsonl: read: %w", err)})
				}
				return
			}
			r.line++
			if err != nil && err != io.EOF {
				yield(zero, &LineError{Line: r.line, Err: fmt.Errorf("jsonl: read: %w", err)})
				return
			}
			var lineErr error
			switch {
			case tooLong:
				lineErr = fmt.Errorf("%w (longer than %d bytes)", ErrLineTooLong, r.max)
			case len(bytes.TrimSpace(line)) == 0:
				// A blank line: nothing to decode.
			default:
				var v T
				if derr := json.Unmarshal(line, &v); derr != nil {
					lineErr = derr
					if !terminated {
						lineErr = ErrTornLine
					}
				} else if !yield(v, nil) {
					return
				}
			}
			if lineErr != nil {
				if r.lenient {
					r.skipped++
				} else if !yield(zero, &LineError{Line: r.line, Err: lineErr}) {
					return
				}
			}
			if !terminated {
				return
			}
		}
	}
}

// Skipped returns how many bad lines a lenient Reader has skipped.
func (r *Reader[T]) Skipped() int { return r.skipped }

// Line returns the number of lines read so far: the number of the last
// line yielded or skipped.
func (r *Reader[T]) Line() int { return r.line }

// readLine reads the next line, returning it without its newline, how many
// bytes it took from the input, whether a newline ended it, whether it was
// longer than the limit (then line is empty), and the error that ended it
// early (io.EOF for a last line without a newline).
func (r *Reader[T]) readLine() (line []byte, n int, terminated, tooLong bool, err error) {
	r.buf = r.buf[:0]
	for first := true; ; first = false {
		frag, err := r.br.ReadSlice('\n')
		n += len(frag)
		if err == nil {
			frag = frag[:len(frag)-1]
		}
		if !tooLong {
			if first && err == nil {
				line = frag // the common case: the whole line in one slice, no copy
			} else {
				r.buf = append(r.buf, frag...)
				line = r.buf
			}
			if len(line) > r.max {
				tooLong, line, r.buf = true, nil, r.buf[:0]
			}
		}
		switch {
		case err == nil:
			return line, n, true, tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, n, false, tooLong, err
		}
	}
}
