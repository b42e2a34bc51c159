package event_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spillway-go/spillway/event"
)

// TestSerdeOracle checks the encoder and FormatTime against the reference
// implementation itself: serde_json and chrono, built from
// testdata/serde-oracle. Every event the tests know, and thousands of
// random ones, must come back from serde's decode and re-encode byte for
// byte; random times must format as chrono formats them. It runs only when
// SPILLWAY_SERDE_ORACLE names the built oracle (see its README).
func TestSerdeOracle(t *testing.T) {
	bin := os.Getenv("SPILLWAY_SERDE_ORACLE")
	if bin == "" {
		t.Skip("SPILLWAY_SERDE_ORACLE is not set; see testdata/serde-oracle/README.md")
	}

	t.Run("encode", func(t *testing.T) {
		var events []event.CallEvent
		for _, tt := range wireTests {
			events = append(events, tt.give)
		}
		r := rand.New(rand.NewPCG(3, 4))
		for range 20000 {
			events = append(events, randomEvent(r))
		}
		var in bytes.Buffer
		for i := range events {
			in.Write(events[i].AppendJSON(nil))
			in.WriteByte('\n')
		}
		out := runOracle(t, bin, "decode", in.Bytes())
		if len(out) != len(events) {
			t.Fatalf("oracle returned %d lines for %d events", len(out), len(events))
		}
		for i := range events {
			line := string(events[i].AppendJSON(nil))
			if out[i] != "OK "+line {
				t.Errorf("serde disagrees on event %d:\n ours: %s\nserde: %s", i, line, out[i])
			}
		}
	})

	t.Run("time", func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		var times []time.Time
		for _, ns := range []int64{0, 1, 999, 1000, 1_000_000, 999_999_999, 120_000_000, 123_456_000} {
			times = append(times, time.Unix(1_780_000_000, ns))
		}
		// From year -9999 to 19999, with each kind of fraction.
		for range 5000 {
			secs := r.Int64N(630_000_000_000) - 377_705_116_800
			ns := r.Int64N(1_000_000_000)
			switch r.IntN(4) {
			case 0:
				ns = 0
			case 1:
				ns -= ns % 1_000_000
			case 2:
				ns -= ns % 1000
			}
			times = append(times, time.Unix(secs, ns))
		}
		var in bytes.Buffer
		for _, tm := range times {
			in.WriteString(strconv.FormatInt(tm.Unix(), 10) + " " + strconv.Itoa(tm.Nanosecond()) + "\n")
		}
		out := runOracle(t, bin, "time", in.Bytes())
		if len(out) != len(times) {
			t.Fatalf("oracle returned %d lines for %d times", len(out), len(times))
		}
		for i, tm := range times {
			if got := event.FormatTime(tm); got != out[i] {
				t.Errorf("FormatTime(%v) = %s; chrono gives %s", tm, got, out[i])
			}
		}
	})
}

func runOracle(t *testing.T, bin, mode string, in []byte) []string {
	t.Helper()
	cmd := exec.Command(bin, mode)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", bin, mode, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}
