package reliability_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/internal/faults"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// A full disk under a JSON-lines sink, end to end, on a real file: the
// error is surfaced (OnError, with ENOSPC in an *fs.PathError) and
// counted; the file never holds a fragment of a line joined to a later
// line; the values that could not be written go to the fallback (none
// lost) or are counted as failed (without one); and writing resumes when
// space returns.
func TestFullDisk(t *testing.T) {
	for _, withFallback := range []bool{true, false} {
		t.Run(fmt.Sprintf("fallback=%v", withFallback), func(t *testing.T) {
			testFullDisk(t, withFallback)
		})
	}
}

func testFullDisk(t *testing.T, withFallback bool) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	disk := &faults.Writer{W: f, Name: path}

	var fbMedium faults.Writer
	fb, err := jsonl.NewWriter[event.CallEvent](&fbMedium, &jsonl.WriterOptions{Name: "fallback"})
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu       sync.Mutex
		hooked   []int // values whose write failed, by OnError
		badHooks []error
	)
	opts := &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{
		Strategy: strategy.Block,
		OnError: func(e event.CallEvent, err error) {
			mu.Lock()
			defer mu.Unlock()
			var pe *fs.PathError
			if !errors.Is(err, syscall.ENOSPC) || !errors.As(err, &pe) || pe.Path != path {
				badHooks = append(badHooks, err)
			}
			i, _ := seqOf(e)
			hooked = append(hooked, i)
		},
	}}
	if withFallback {
		opts.Queue.Fallback = fb
	}
	s, err := jsonl.New(disk, opts)
	if err != nil {
		t.Fatal(err)
	}

	send := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if err := s.Send(t.Context(), callEvent(i)); err != nil {
				t.Fatalf("Send(%d) = %v; want nil", i, err)
			}
		}
		eventually(t, "every value decided", func() bool {
			st := s.Stats()
			return st.Received == uint64(to) && st.InFlight == 0
		})
	}
	send(0, 100)
	// Room for one line and a half: the next write is cut short in the
	// middle of a line, and every later one fails with nothing written.
	disk.SetSpace(int64(len(line(callEvent(0))) * 3 / 2))
	send(100, 200)
	disk.SetSpace(-1)
	send(200, 300)
	closeOK(t, s)
	if !withFallback {
		closeOK(t, fb)
	}

	// The errors were surfaced: each failed value reached OnError with
	// ENOSPC, as the file reported it.
	mu.Lock()
	defer mu.Unlock()
	for _, err := range badHooks {
		t.Errorf("OnError got %v; want ENOSPC in an *fs.PathError for %s", err, path)
	}
	if len(hooked) == 0 {
		t.Fatal("no write failed; the disk was never full")
	}

	// Counted: every stage balances, the queue and the writer count the
	// failures, and the fallback took every one when there is one.
	snap := quiescent(t, s)
	q, w := stage(t, snap, "jsonl"), stage(t, snap, "jsonl/writer")
	failed := uint64(len(hooked))
	if q.Received != 300 || q.Delivered+failed != 300 || w.Delivered != q.Delivered || w.Failed != failed {
		t.Errorf("queue %+v, writer %+v; want 300 received, %d failed writes counted by both", q, w, failed)
	}
	if withFallback {
		fbst := stage(t, snap, "jsonl[fallback]/fallback")
		if q.FellBack != failed || q.Failed != 0 || fbst.Delivered != failed {
			t.Errorf("queue %+v, fallback %+v; want the %d failed values fell back", q, fbst, failed)
		}
	} else if q.Failed != failed || q.FellBack != 0 {
		t.Errorf("queue %+v; want the %d failed values counted as failed", q, failed)
	}

	// The file: whole lines, and at most the fragment of the line cut
	// short, on a line of its own, never joined to the next record.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("file ends in %q; want a whole line", data[max(0, len(data)-20):])
	}
	var written []int
	fragments := 0
	for n, l := range splitLines(data) {
		e, err := event.Parse(l)
		if err == nil {
			i, ok := seqOf(e)
			if !ok || !e.Equal(callEvent(i)) {
				t.Errorf("line %d = %s; want the event that was sent", n+1, l)
			}
			written = append(written, i)
			continue
		}
		fragments++
		if !isFragmentOfOne(l, hooked) {
			t.Errorf("line %d = %q is neither a record nor the fragment of one failed record", n+1, l)
		}
	}
	if fragments != 1 {
		t.Errorf("file holds %d fragments; want 1, from the write the full disk cut short", fragments)
	}
	r := jsonl.NewReader[event.CallEvent](bytes.NewReader(data), &jsonl.ReadOptions{Lenient: true})
	for range r.All() {
	}
	if r.Skipped() != fragments {
		t.Errorf("lenient Reader skipped %d lines; want %d", r.Skipped(), fragments)
	}

	// Nothing lost: every value is in the file, or in the fallback, or
	// (without a fallback) was reported failed; none twice.
	if !slices.IsSorted(written) {
		t.Errorf("file order %v; want the order sent", written)
	}
	elsewhere := slices.Clone(hooked)
	if withFallback {
		elsewhere = elsewhere[:0]
		for e, err := range jsonl.Read[event.CallEvent](bytes.NewReader(fbMedium.Bytes()), nil) {
			if err != nil {
				t.Fatalf("fallback: %v", err)
			}
			i, _ := seqOf(e)
			elsewhere = append(elsewhere, i)
		}
		if diff := cmp.Diff(hooked, elsewhere); diff != "" {
			t.Errorf("fallback holds other values than those that failed (-failed +fallback):\n%s", diff)
		}
	}
	all := slices.Concat(written, elsewhere)
	slices.Sort(all)
	if diff := cmp.Diff(seqRange(0, 300), all); diff != "" {
		t.Errorf("values written or accounted elsewhere mismatch (-want +got):\n%s", diff)
	}
	// Writing resumed once space returned.
	if diff := cmp.Diff(seqRange(200, 300), written[len(written)-min(len(written), 100):]); diff != "" {
		t.Errorf("values written after space returned mismatch (-want +got):\n%s", diff)
	}
}

// isFragmentOfOne reports whether l is a strict prefix of the line of one
// of the values in seqs.
func isFragmentOfOne(l []byte, seqs []int) bool {
	for _, i := range seqs {
		full := line(callEvent(i))
		if len(l) < len(full)-1 && bytes.HasPrefix(full, l) {
			return true
		}
	}
	return false
}

func seqRange(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
