package jsonl_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/sink/jsonl"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// mkEvent is the seed tests' mk_event: a typical call with a caller and two
// capabilities.
func mkEvent(o event.Outcome) event.CallEvent {
	return event.New("2026-05-29T00:00:00+00:00", "01J000000000000000000000TEST", "ref:echo.say", 17, o, "warm").
		WithCallerID("test-client").
		WithGrantedCapabilities([]string{"read", "write"})
}

// numbered returns n distinct events, their call IDs "call-0", "call-1"...
func numbered(n int) []event.CallEvent {
	evs := make([]event.CallEvent, n)
	for i := range evs {
		evs[i] = mkEvent(event.Success()).WithCallID("call-" + strconv.Itoa(i))
	}
	return evs
}

// lockedBuffer is an io.Writer that tests can read while a drain writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Lines() int {
	return strings.Count(b.String(), "\n")
}

// gatedWriter is the seed's SlowBuf without the sleep: each Write announces
// itself on entered, then waits until the gate is open.
type gatedWriter struct {
	lockedBuffer
	entered chan struct{} // receives one token per Write, if there is room
	gate    chan struct{} // closed to let writes through
	once    sync.Once
}

func newGatedWriter() *gatedWriter {
	return &gatedWriter{entered: make(chan struct{}, 1), gate: make(chan struct{})}
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	select {
	case w.entered <- struct{}{}:
	default:
	}
	<-w.gate
	return w.lockedBuffer.Write(p)
}

// Open lets every write through, now and later.
func (w *gatedWriter) Open() { w.once.Do(func() { close(w.gate) }) }

// waitEntered waits until a Write has started.
func (w *gatedWriter) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-w.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no Write started within 10s")
	}
}

// eventually polls cond until it holds, and fails t if it does not within
// a generous deadline. It is for waiting, never for timing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// readAll decodes every line of data strictly, failing t on any error.
func readAll(t *testing.T, data string) []event.CallEvent {
	t.Helper()
	var got []event.CallEvent
	for v, err := range jsonl.Read[event.CallEvent](strings.NewReader(data), nil) {
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		got = append(got, v)
	}
	return got
}

func closeOK(t *testing.T, s interface{ Close(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
