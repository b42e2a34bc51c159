package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/memory"
)

// panicSink panics in Send, SendBatch or Close with the value set for it,
// when that is not nil.
type panicSink[T any] struct {
	onSend, onClose any
}

func (s panicSink[T]) Send(context.Context, T) error {
	if s.onSend != nil {
		panic(s.onSend)
	}
	return nil
}

func (s panicSink[T]) Close(context.Context) error {
	if s.onClose != nil {
		panic(s.onClose)
	}
	return nil
}

// batchFunc is a BatchSender whose SendBatch is a function.
type batchFunc[T any] struct {
	pipeline.SinkFunc[T]
	sendBatch func(vs []T) (int, error)
}

func (b batchFunc[T]) SendBatch(_ context.Context, vs []T) (int, error) { return b.sendBatch(vs) }

// failAt is a sink (not a BatchSender) that records values and refuses
// the one at index at (counting from 0) with err, or panics with it if it
// is not an error. It is not safe for concurrent use.
type failAt struct {
	at   int
	with any
	seen int
	got  []int
}

func (s *failAt) Send(_ context.Context, v int) error {
	i := s.seen
	s.seen++
	if i == s.at {
		if err, ok := s.with.(error); ok {
			return err
		}
		panic(s.with)
	}
	s.got = append(s.got, v)
	return nil
}

func (s *failAt) Close(context.Context) error { return nil }

var errSafe = errors.New("safe: sentinel")

func TestSafeSend(t *testing.T) {
	tests := []struct {
		name      string
		give      pipeline.Sink[int]
		wantErr   error  // checked with errors.Is
		wantPanic any    // the PanicError's Value, if a panic is expected
		wantMsg   string // the error's text
	}{
		{
			name: "nil",
			give: pipeline.Discard[int](),
		},
		{
			name:    "error passes through",
			give:    pipeline.SinkFunc[int](func(context.Context, int) error { return errSafe }),
			wantErr: errSafe,
			wantMsg: "safe: sentinel",
		},
		{
			name:      "panic with a string",
			give:      panicSink[int]{onSend: "boom"},
			wantPanic: "boom",
			wantMsg:   "pipeline: sink panicked: boom",
		},
		{
			name:      "panic with an error",
			give:      panicSink[int]{onSend: errSafe},
			wantErr:   errSafe,
			wantPanic: errSafe,
			wantMsg:   "pipeline: sink panicked: safe: sentinel",
		},
		{
			name:      "panic with a wrapped error",
			give:      panicSink[int]{onSend: fmt.Errorf("write: %w", errSafe)},
			wantErr:   errSafe,
			wantPanic: "write: safe: sentinel", // compared by text below
			wantMsg:   "pipeline: sink panicked: write: safe: sentinel",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pipeline.SafeSend(t.Context(), tt.give, 1)
			checkSafeErr(t, "SafeSend", err, tt.wantErr, tt.wantPanic, tt.wantMsg)
		})
	}
}

// checkSafeErr checks err against what a Safe* call should have returned.
func checkSafeErr(t *testing.T, call string, err, wantErr error, wantPanic any, wantMsg string) {
	t.Helper()
	if wantMsg == "" {
		if err != nil {
			t.Fatalf("%s = %v; want nil", call, err)
		}
		return
	}
	if err == nil || err.Error() != wantMsg {
		t.Fatalf("%s = %v; want %q", call, err, wantMsg)
	}
	if wantErr != nil && !errors.Is(err, wantErr) {
		t.Errorf("errors.Is(%v, %v) = false; want true", err, wantErr)
	}
	var pe *pipeline.PanicError
	if got := errors.As(err, &pe); got != (wantPanic != nil) {
		t.Fatalf("errors.As(%v, *PanicError) = %v; want %v", err, got, wantPanic != nil)
	}
	if pe == nil {
		return
	}
	if fmt.Sprint(pe.Value) != fmt.Sprint(wantPanic) {
		t.Errorf("PanicError.Value = %v; want %v", pe.Value, wantPanic)
	}
	// The stack is the panicking goroutine's: it shows the sink's frames.
	if !strings.Contains(string(pe.Stack), "pipeline_test.") {
		t.Errorf("PanicError.Stack does not show the panicking sink:\n%s", pe.Stack)
	}
}

func TestPanicErrorUnwrap(t *testing.T) {
	tests := []struct {
		name string
		give any
		want error
	}{
		{name: "error", give: errSafe, want: errSafe},
		{name: "string", give: "boom", want: nil},
		{name: "int", give: 42, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := &pipeline.PanicError{Value: tt.give}
			if got := pe.Unwrap(); got != tt.want {
				t.Errorf("Unwrap() = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestSafeClose(t *testing.T) {
	tests := []struct {
		name      string
		give      pipeline.Sink[int]
		wantErr   error
		wantPanic any
		wantMsg   string
	}{
		{name: "nil", give: new(memory.Sink[int])},
		{name: "panic", give: panicSink[int]{onClose: "close boom"}, wantPanic: "close boom", wantMsg: "pipeline: sink panicked: close boom"},
		{name: "panic with an error", give: panicSink[int]{onClose: errSafe}, wantErr: errSafe, wantPanic: errSafe, wantMsg: "pipeline: sink panicked: safe: sentinel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pipeline.SafeClose(t.Context(), tt.give)
			checkSafeErr(t, "SafeClose", err, tt.wantErr, tt.wantPanic, tt.wantMsg)
		})
	}
}

func TestSafeSendBatchOneAtATime(t *testing.T) {
	tests := []struct {
		name      string
		give      []int
		at        int // index of the value that fails; -1: none
		with      any // the error, or a panic value
		wantN     int
		wantErr   error
		wantPanic any
		wantMsg   string
		want      []int // delivered
	}{
		{name: "all taken", give: []int{1, 2, 3}, at: -1, wantN: 3, want: []int{1, 2, 3}},
		{name: "empty", give: nil, at: -1, wantN: 0},
		{name: "error at first", give: []int{1, 2, 3}, at: 0, with: errSafe, wantN: 0, wantErr: errSafe, wantMsg: "safe: sentinel"},
		{name: "error in the middle", give: []int{1, 2, 3}, at: 2, with: errSafe, wantN: 2, wantErr: errSafe, wantMsg: "safe: sentinel", want: []int{1, 2}},
		{name: "panic in the middle", give: []int{1, 2, 3}, at: 1, with: "boom", wantN: 1, wantPanic: "boom", wantMsg: "pipeline: sink panicked: boom", want: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &failAt{at: tt.at, with: tt.with}
			n, err := pipeline.SafeSendBatch[int](t.Context(), s, tt.give)
			if n != tt.wantN {
				t.Errorf("SafeSendBatch(%v) n = %d; want %d", tt.give, n, tt.wantN)
			}
			checkSafeErr(t, "SafeSendBatch", err, tt.wantErr, tt.wantPanic, tt.wantMsg)
			if diff := cmp.Diff(tt.want, s.got); diff != "" {
				t.Errorf("delivered values mismatch (-want +got):\n%s", diff)
			}
			if n < len(tt.give) && s.seen != n+1 {
				t.Errorf("sink saw %d values; want %d: SafeSendBatch must stop at the first failure", s.seen, n+1)
			}
		})
	}
}

func TestSafeSendBatchBatchSender(t *testing.T) {
	tests := []struct {
		name      string
		sendBatch func(vs []int) (int, error)
		wantN     int
		wantErr   error
		wantPanic any
		wantMsg   string
	}{
		{
			name:      "all taken",
			sendBatch: func(vs []int) (int, error) { return len(vs), nil },
			wantN:     3,
		},
		{
			name:      "prefix and error",
			sendBatch: func(vs []int) (int, error) { return 1, errSafe },
			wantN:     1,
			wantErr:   errSafe,
			wantMsg:   "safe: sentinel",
		},
		{
			name:      "short without error",
			sendBatch: func(vs []int) (int, error) { return 2, nil },
			wantN:     2,
			wantMsg:   "pipeline: SendBatch took fewer values than it was given and returned no error",
		},
		{
			name:      "panic takes nothing",
			sendBatch: func(vs []int) (int, error) { panic("batch boom") },
			wantN:     0,
			wantPanic: "batch boom",
			wantMsg:   "pipeline: sink panicked: batch boom",
		},
		{
			name:      "negative count",
			sendBatch: func(vs []int) (int, error) { return -1, nil },
			wantN:     0,
			wantMsg:   "pipeline: SendBatch took fewer values than it was given and returned no error",
		},
		{
			name:      "negative count and error",
			sendBatch: func(vs []int) (int, error) { return -5, errSafe },
			wantN:     0,
			wantErr:   errSafe,
			wantMsg:   "safe: sentinel",
		},
		{
			name:      "count past the end",
			sendBatch: func(vs []int) (int, error) { return len(vs) + 1, nil },
			wantN:     3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := batchFunc[int]{
				SinkFunc: func(context.Context, int) error {
					t.Error("Send called on a BatchSender; want one SendBatch")
					return nil
				},
				sendBatch: tt.sendBatch,
			}
			n, err := pipeline.SafeSendBatch[int](t.Context(), s, []int{1, 2, 3})
			if n != tt.wantN {
				t.Errorf("SafeSendBatch n = %d; want %d", n, tt.wantN)
			}
			checkSafeErr(t, "SafeSendBatch", err, tt.wantErr, tt.wantPanic, tt.wantMsg)
		})
	}
}
