package jsonl_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
)

func TestWriterSendWritesOneLine(t *testing.T) {
	var buf lockedBuffer
	w, err := jsonl.NewWriter[event.CallEvent](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := mkEvent(event.Success())
	if err := w.Send(t.Context(), ev); err != nil {
		t.Fatalf("Send(%v) = %v; want nil", ev, err)
	}
	// Synchronous: the line is there when Send returns.
	if got, want := buf.String(), ev.String()+"\n"; got != want {
		t.Errorf("after Send, written %q; want %q", got, want)
	}
	closeOK(t, w)
	if diff := cmp.Diff(pipeline.Stats{Name: "writer", Received: 1, Delivered: 1}, w.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// countingWriter counts Write calls.
type countingWriter struct {
	lockedBuffer
	mu    sync.Mutex
	calls int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.calls++
	w.mu.Unlock()
	return w.lockedBuffer.Write(p)
}

func TestWriterSendBatchOneWrite(t *testing.T) {
	var cw countingWriter
	w, err := jsonl.NewWriter[event.CallEvent](&cw, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs := numbered(10)
	if n, err := w.SendBatch(t.Context(), evs); n != len(evs) || err != nil {
		t.Fatalf("SendBatch(%d events) = %d, %v; want %d, nil", len(evs), n, err, len(evs))
	}
	if cw.calls != 1 {
		t.Errorf("SendBatch(%d events) made %d Write calls; want 1", len(evs), cw.calls)
	}
	if diff := cmp.Diff(evs, readAll(t, cw.String())); diff != "" {
		t.Errorf("lines mismatch (-want +got):\n%s", diff)
	}
	closeOK(t, w)
}

// record is a T without an AppendJSON method: it goes through
// encoding/json.
type record struct {
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

func TestWriterEncodingJSON(t *testing.T) {
	var buf lockedBuffer
	w, err := jsonl.NewWriter[record](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	// HTML characters stay as they are; encoding/json escapes U+2028 and
	// the newline, so the value stays one line.
	if err := w.Send(t.Context(), record{Name: "<a&b>\u2028\n", Score: 1.5}); err != nil {
		t.Fatal(err)
	}
	want := `{"name":"<a&b>\u2028\n","score":1.5}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("written %q; want %q", got, want)
	}
	closeOK(t, w)
}

func TestWriterEncodeErrorEndsBatch(t *testing.T) {
	var buf lockedBuffer
	w, err := jsonl.NewWriter[record](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	vs := []record{{Name: "a"}, {Name: "b"}, {Name: "bad", Score: math.NaN()}, {Name: "c"}}
	n, err := w.SendBatch(t.Context(), vs)
	if n != 2 || err == nil {
		t.Fatalf("SendBatch with a NaN at index 2 = %d, %v; want 2 and an error", n, err)
	}
	var unsupported *json.UnsupportedValueError
	if !errors.As(err, &unsupported) {
		t.Errorf("SendBatch error = %v; want it to wrap the encoder's *json.UnsupportedValueError", err)
	}
	if got, want := buf.String(), "{\"name\":\"a\",\"score\":0}\n{\"name\":\"b\",\"score\":0}\n"; got != want {
		t.Errorf("written %q; want the two lines before the bad value, %q", got, want)
	}
	if err := w.Send(t.Context(), vs[2]); err == nil {
		t.Errorf("Send(NaN) = nil; want an encoding error")
	}
	closeOK(t, w)
	// 4 + 1 received; 2 written; the bad value twice and "c" failed.
	if diff := cmp.Diff(pipeline.Stats{Name: "writer", Received: 5, Delivered: 2, Failed: 3}, w.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// badAppender has an AppendJSON that breaks its contract with a newline.
type badAppender struct{}

func (*badAppender) AppendJSON(dst []byte) []byte { return append(dst, "{\n}"...) }

func TestWriterRefusesNewlineFromAppendJSON(t *testing.T) {
	var buf lockedBuffer
	w, err := jsonl.NewWriter[badAppender](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Send(t.Context(), badAppender{}); err == nil {
		t.Error("Send of a value whose AppendJSON writes a newline = nil; want an error")
	}
	if buf.String() != "" {
		t.Errorf("written %q; want nothing", buf.String())
	}
	closeOK(t, w)
}

// scriptedWriter accepts the first accept bytes of its next Write and
// fails it with err (a short write), then behaves like a buffer.
type scriptedWriter struct {
	lockedBuffer
	accept int
	err    error
	armed  bool
}

func (w *scriptedWriter) Write(p []byte) (int, error) {
	if !w.armed {
		return w.lockedBuffer.Write(p)
	}
	w.armed = false
	k := min(w.accept, len(p))
	w.lockedBuffer.Write(p[:k])
	return k, w.err
}

// TestWriterShortWrite cuts a batch's write at every byte offset and checks
// that the medium never holds a fragment followed by another line: the
// next write ends the fragment first.
func TestWriterShortWrite(t *testing.T) {
	first, second := numbered(3), numbered(5)[3:]
	var lines []string
	for _, ev := range first {
		lines = append(lines, ev.String()+"\n")
	}
	total := len(strings.Join(lines, ""))

	for k := 0; k <= total; k++ {
		errs := []error{syscall.ENOSPC}
		if k == total {
			errs = []error{nil} // every byte taken: no error
		}
		for _, werr := range errs {
			sw := &scriptedWriter{accept: k, err: werr, armed: true}
			if k < total && k%7 == 0 {
				sw.err = nil // a short write without an error
			}
			w, err := jsonl.NewWriter[event.CallEvent](sw, nil)
			if err != nil {
				t.Fatal(err)
			}
			n, err := w.SendBatch(t.Context(), first)

			// n counts the lines that fit whole in k bytes.
			wantN, end := 0, 0
			for _, l := range lines {
				if end+len(l) > k {
					break
				}
				end += len(l)
				wantN++
			}
			if n != wantN || (n < len(first)) != (err != nil) {
				t.Fatalf("k=%d: SendBatch = %d, %v; want %d and an error iff short", k, n, err, wantN)
			}
			if k < total && sw.err == nil && !errors.Is(err, io.ErrShortWrite) {
				t.Errorf("k=%d: short write without error: SendBatch error = %v; want io.ErrShortWrite", k, err)
			}
			if k < total && sw.err != nil && !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("k=%d: SendBatch error = %v; want ENOSPC", k, err)
			}

			if n, err := w.SendBatch(t.Context(), second); n != len(second) || err != nil {
				t.Fatalf("k=%d: second SendBatch = %d, %v; want %d, nil", k, n, err, len(second))
			}
			closeOK(t, w)

			// The medium: the whole lines, the fragment on a line of its own
			// if the cut left one, then the second batch.
			want := strings.Join(lines, "")[:k]
			if k != end {
				want += "\n"
			}
			for _, ev := range second {
				want += ev.String() + "\n"
			}
			if got := sw.String(); got != want {
				t.Errorf("k=%d: medium holds\n%q\nwant\n%q", k, got, want)
			}
			st := w.Stats()
			if st.Delivered != uint64(wantN+len(second)) || st.Failed != uint64(len(first)-wantN) || !st.Balanced() {
				t.Errorf("k=%d: Stats = %+v; want %d delivered, %d failed", k, st, wantN+len(second), len(first)-wantN)
			}
		}
	}
}

// failingWriter fails every Write without writing.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriterWriteError(t *testing.T) {
	w, err := jsonl.NewWriter[event.CallEvent](failingWriter{syscall.EIO}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Send(t.Context(), mkEvent(event.Success())); !errors.Is(err, syscall.EIO) {
		t.Errorf("Send = %v; want an error wrapping EIO", err)
	}
	if n, err := w.SendBatch(t.Context(), numbered(3)); n != 0 || !errors.Is(err, syscall.EIO) {
		t.Errorf("SendBatch = %d, %v; want 0 and an error wrapping EIO", n, err)
	}
	closeOK(t, w)
	if diff := cmp.Diff(pipeline.Stats{Name: "writer", Received: 4, Failed: 4}, w.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// syncWriter records Sync calls and can fail them.
type syncWriter struct {
	lockedBuffer
	mu      sync.Mutex
	syncs   int
	syncErr error
}

func (w *syncWriter) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syncs++
	return w.syncErr
}

func TestWriterSyncPolicy(t *testing.T) {
	tests := []struct {
		name      string
		give      jsonl.SyncPolicy
		wantSyncs int // after 3 batches and Close
	}{
		{"never", jsonl.SyncNever, 0},
		{"batch", jsonl.SyncEveryBatch, 3},
		// An interval far longer than the test: only Close syncs.
		{"interval", jsonl.SyncInterval(1 << 40), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw := &syncWriter{}
			w, err := jsonl.NewWriter[event.CallEvent](sw, &jsonl.WriterOptions{Sync: tt.give})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if n, err := w.SendBatch(t.Context(), numbered(2)); err != nil {
					t.Fatalf("SendBatch = %d, %v", n, err)
				}
			}
			closeOK(t, w)
			if sw.syncs != tt.wantSyncs {
				t.Errorf("Sync called %d times; want %d", sw.syncs, tt.wantSyncs)
			}
		})
	}
}

func TestWriterSyncErrorFailsBatch(t *testing.T) {
	sw := &syncWriter{syncErr: syscall.EIO}
	w, err := jsonl.NewWriter[event.CallEvent](sw, &jsonl.WriterOptions{Sync: jsonl.SyncEveryBatch})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.SendBatch(t.Context(), numbered(2)); n != 0 || !errors.Is(err, syscall.EIO) {
		t.Errorf("SendBatch with a failing Sync = %d, %v; want 0 and an error wrapping EIO", n, err)
	}
	// A pipe's EINVAL means there is nothing to sync, not a failure.
	sw.syncErr = syscall.EINVAL
	if n, err := w.SendBatch(t.Context(), numbered(2)); n != 2 || err != nil {
		t.Errorf("SendBatch with Sync returning EINVAL = %d, %v; want 2, nil", n, err)
	}
	closeOK(t, w)
}

func TestNewWriterOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		w    io.Writer
		opts *jsonl.WriterOptions
		want string // in the error
	}{
		{"nil writer", nil, nil, "io.Writer is nil"},
		{"interval not positive", io.Discard, &jsonl.WriterOptions{Sync: jsonl.SyncInterval(0)}, "Sync interval"},
		{"sync without Sync method", io.Discard, &jsonl.WriterOptions{Sync: jsonl.SyncEveryBatch}, "Sync method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := jsonl.NewWriter[event.CallEvent](tt.w, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewWriter = %v, %v; want an error containing %q", w, err, tt.want)
			}
		})
	}
}

func TestWriterSendAfterClose(t *testing.T) {
	var buf lockedBuffer
	w, err := jsonl.NewWriter[event.CallEvent](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeOK(t, w)
	if err := w.Send(t.Context(), mkEvent(event.Success())); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("Send after Close = %v; want ErrClosed", err)
	}
	if st := w.Stats(); st.Dropped != 1 || st.Received != 1 {
		t.Errorf("Stats = %+v; want 1 received, 1 dropped", st)
	}
	if buf.String() != "" {
		t.Errorf("written %q after Close; want nothing", buf.String())
	}
}

// TestWriterWaitHonoursContext checks that a Send waiting behind a wedged
// write gives up when its context ends, and so does Close.
func TestWriterWaitHonoursContext(t *testing.T) {
	gw := newGatedWriter()
	w, err := jsonl.NewWriter[event.CallEvent](gw, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- w.Send(context.Background(), mkEvent(event.Success())) }()
	gw.waitEntered(t)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := w.Send(ctx, mkEvent(event.Success())); !errors.Is(err, context.Canceled) {
		t.Errorf("Send behind a wedged write, ctx canceled = %v; want context.Canceled", err)
	}
	if err := w.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close behind a wedged write, ctx canceled = %v; want an error wrapping context.Canceled", err)
	}
	gw.Open()
	if err := <-first; err != nil {
		t.Errorf("wedged Send, once released = %v; want nil", err)
	}
	closeOK(t, w) // a later Close finishes the job
	if diff := cmp.Diff(pipeline.Stats{Name: "writer", Received: 2, Delivered: 1, Dropped: 1}, w.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

// TestWriterConcurrentLinesDoNotMix sends from many goroutines and checks
// every line is whole.
func TestWriterConcurrentLinesDoNotMix(t *testing.T) {
	var buf lockedBuffer
	w, err := jsonl.NewWriter[event.CallEvent](&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 8, 50
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			evs := numbered(each)
			if g%2 == 0 {
				if n, err := w.SendBatch(context.Background(), evs); err != nil {
					t.Errorf("SendBatch = %d, %v", n, err)
				}
				return
			}
			for _, ev := range evs {
				if err := w.Send(context.Background(), ev); err != nil {
					t.Errorf("Send = %v", err)
				}
			}
		})
	}
	wg.Wait()
	closeOK(t, w)
	if got := len(readAll(t, buf.String())); got != senders*each {
		t.Errorf("read %d events; want %d", got, senders*each)
	}
}
