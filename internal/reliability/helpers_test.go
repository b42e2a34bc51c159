package reliability_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
)

// callEvent returns the event of call number i: a realistic audit record
// whose call ID carries i, so a reader can check the sequence.
func callEvent(i int) event.CallEvent {
	return event.New("2026-05-29T00:00:00+00:00", callID(i), "ref:fs.read", uint64(i%1000), event.Success(), "warm").
		WithCallerID("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").
		WithGrantedCapabilities([]string{"records:read", "records:write"}).
		WithCapabilityProvenance([]event.CapProvenance{
			{Cap: "records:read", Source: event.StringAllowList()},
			{Cap: "records:write", Source: event.UCANChain("did:key:zClinicA", 1)},
		})
}

func callID(i int) string { return fmt.Sprintf("call-%09d", i) }

// seqOf returns the call number in e's call ID.
func seqOf(e event.CallEvent) (int, bool) {
	rest, ok := strings.CutPrefix(e.CallID(), "call-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil
}

// line returns e's line as a JSON-lines writer writes it.
func line(e event.CallEvent) []byte {
	return append(e.AppendJSON(nil), '\n')
}

// eventually polls cond until it holds, and fails t if it does not within
// a generous deadline. It waits; it never times anything.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// closeOK closes s with a generous deadline and fails t on an error.
func closeOK(t *testing.T, s interface{ Close(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
}

// quiescent returns the counters of every stage of the tree under root,
// and fails t if a stage does not balance or still has values in flight.
func quiescent(t *testing.T, root any) pipeline.Snapshot {
	t.Helper()
	snap := pipeline.Walk(root)
	for _, st := range snap.Unbalanced() {
		t.Errorf("stage %s does not balance: %+v", st.Path, st.Stats)
	}
	for _, st := range snap {
		if st.InFlight != 0 {
			t.Errorf("stage %s has %d values in flight at rest: %+v", st.Path, st.InFlight, st.Stats)
		}
	}
	return snap
}

// stage returns the counters of the stage at path, failing t if there is
// none.
func stage(t *testing.T, snap pipeline.Snapshot, path string) pipeline.Stats {
	t.Helper()
	st, ok := snap.Lookup(path)
	if !ok {
		var paths []string
		for _, s := range snap {
			paths = append(paths, s.Path)
		}
		t.Fatalf("no stage %q in the tree; have %q", path, paths)
	}
	return st
}

// splitLines splits data into its lines, without their newlines; a last
// line without a newline is included.
func splitLines(data []byte) [][]byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\n"))
	}
	return lines
}
