package bench_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/bench/internal/events"
)

// Tests of the measuring harness itself: a benchmark is only as good as
// what it counts.

func TestLineSeq(t *testing.T) {
	tests := []struct {
		name   string
		give   string
		want   uint64
		wantOK bool
	}{
		{"typical", typicalLine(123456), 123456, true},
		{"zero", `{"duration_ms":0}`, 0, true},
		{"no key", `{"ts":"x"}`, 0, false},
		{"no digits", `{"duration_ms":null}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lineSeq([]byte(tt.give))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("lineSeq(%q) = %d, %v; want %d, %v", tt.give, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestLandRecorderMatchesEveryLine(t *testing.T) {
	var out bytes.Buffer
	r := newLandRecorder(&out, 4)
	var batch []byte
	for seq := range uint64(3) {
		batch = append(batch, typicalLine(seq)+"\n"...)
	}
	if _, err := r.Write(batch); err != nil {
		t.Fatalf("Write() = %v; want nil", err)
	}
	returned := []int64{1, 1, 1, 1} // seq 3 was sent but never written
	if got, want := len(r.delays(returned)), 3; got != want {
		t.Errorf("len(delays) = %d; want %d", got, want)
	}
	if diff := cmp.Diff(string(batch), out.String()); diff != "" {
		t.Errorf("written bytes mismatch (-want +got):\n%s", diff)
	}
}

func TestNaiveSinkWritesEveryEvent(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	s := newNaiveSink(&out, true)
	const n = 3000 // more than the channel holds
	for i := range n {
		if err := s.Send(ctx, seedTypical()); err != nil {
			t.Fatalf("Send() #%d = %v; want nil", i, err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close() = %v; want nil", err)
	}
	want := strings.Repeat(typicalLine(17)+"\n", n)
	if got := out.String(); got != want {
		t.Errorf("naive sink wrote %d bytes; want %d lines of the typical event (%d bytes)", len(got), n, len(want))
	}
}

func TestGateWriterStallsUntilOpen(t *testing.T) {
	g := newGateWriter()
	wrote := make(chan int)
	go func() {
		n, _ := g.Write([]byte("line\n"))
		wrote <- n
	}()
	<-g.entered
	select {
	case n := <-wrote:
		t.Fatalf("Write returned %d before open", n)
	default:
	}
	g.open()
	if n := <-wrote; n != 5 {
		t.Errorf("Write() = %d; want 5", n)
	}
}

// typicalLine returns the wire form of the typical event with duration_ms
// seq.
func typicalLine(seq uint64) string {
	e := events.Typical().WithDurationMS(seq)
	return e.String()
}
