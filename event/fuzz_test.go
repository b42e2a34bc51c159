package event_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
)

// checkRoundTrip checks that e's two encodings agree, form one line of
// valid JSON, and decode to e with its strings sanitized, and that the
// decoded event encodes to the same line.
func checkRoundTrip(t *testing.T, e event.CallEvent) {
	t.Helper()
	line := e.AppendJSON(nil)
	marshaled, err := e.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON() error = %v", err)
	}
	if !bytes.Equal(line, marshaled) {
		t.Fatalf("AppendJSON and MarshalJSON differ:\n%s\n%s", line, marshaled)
	}
	if !json.Valid(line) {
		t.Fatalf("AppendJSON output is not valid JSON: %q", line)
	}
	if bytes.ContainsAny(line, "\n\r") {
		t.Fatalf("AppendJSON output is not one line: %q", line)
	}
	got, err := event.Parse(line)
	if err != nil {
		t.Fatalf("Parse(%q) error = %v", line, err)
	}
	if want := sanitizeEvent(e); !got.Equal(want) { // cmp.Diff only on failure: it is slow
		t.Fatalf("round trip of %q mismatch (-want +got):\n%s", line, cmp.Diff(want, got))
	}
	if again := got.AppendJSON(nil); !bytes.Equal(again, line) {
		t.Fatalf("re-encoded line differs:\n%s\n%s", line, again)
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		checkRoundTrip(t, randomEvent(r))
	}
	for _, tt := range wireTests {
		checkRoundTrip(t, tt.give)
	}
}

// FuzzRoundTrip builds an event from the fuzzer's inputs and checks that it
// survives AppendJSON, then Parse, unchanged (but for invalid UTF-8, which
// the encoder replaces), and that AppendJSON and MarshalJSON agree.
func FuzzRoundTrip(f *testing.F) {
	f.Add("2026-05-29T00:00:00+00:00", "01J000000000000000000000TEST", "ref:echo.say", "test-client", uint8(0b0000_0001), "read,write",
		uint64(17), uint8(0), "", uint64(0), "warm", uint32(3), uint32(0), "", uint8(0))
	f.Add("", "", "", "", uint8(0), "", uint64(0), uint8(1), "FS_NOT_FOUND", uint64(0), "", uint32(0), uint32(0), "", uint8(0))
	f.Add("t", "c", "x", "", uint8(0b1111_1111), "a", uint64(1<<63), uint8(2), "bad \"path\"\n\t<>&\u2028", uint64(5), "cold",
		uint32(1), uint32(1), "records:read,records:write", uint8(255))
	f.Add("\xff\xfe", "\x00\x1f", "é世🦀", "\xed\xa0\x80", uint8(0b1001_1001), ",,", uint64(18446744073709551615), uint8(3), "a,b", uint64(1),
		"\\", uint32(4294967295), uint32(4294967295), ",x,", uint8(1))
	f.Add("t", "c", "x", "", uint8(0b0011_0000), "", uint64(9), uint8(4), "", uint64(250), "w", uint32(2), uint32(0), "", uint8(0))
	f.Add("t", "c", "x", "", uint8(0b0100_0000), "", uint64(9), uint8(5), "", uint64(0), "w", uint32(2), uint32(0), "", uint8(0))
	f.Fuzz(func(t *testing.T, ts, callID, toolID, callerID string, flags uint8, caps string,
		durationMS uint64, kind uint8, text string, retryAfterMS uint64, tier string,
		schemaVersion, cursorPage uint32, prov string, depth uint8) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		var o event.Outcome
		switch kind % 6 {
		case 0:
			o = event.Success()
		case 1:
			o = event.ExecutionFailed(text, flags&0b1_0000 != 0)
		case 2:
			o = event.InvalidArgs(text)
		case 3:
			o = event.CapabilityDenied(split(text))
		case 4:
			o = event.RateLimited(retryAfterMS, flags&0b10_0000 != 0)
		case 5:
			o = event.ToolNotFound()
		}
		e := event.New(ts, callID, toolID, durationMS, o, tier).
			WithGrantedCapabilities(split(caps)).
			WithDryRun(flags&0b10 != 0).
			WithSecretsResolved(flags&0b100 != 0).
			WithSchemaVersion(schemaVersion)
		if flags&0b1 != 0 {
			e = e.WithCallerID(callerID)
		}
		if flags&0b1000 != 0 {
			e = e.WithCursorPage(cursorPage)
		}
		switch flags >> 6 {
		case 1:
			e = e.WithCapabilityProvenance([]event.CapProvenance{})
		case 2, 3:
			var p []event.CapProvenance
			for i, c := range strings.Split(prov, ",") {
				src := event.StringAllowList()
				if i%2 == 1 {
					src = event.UCANChain(text, depth+uint8(i))
				}
				p = append(p, event.CapProvenance{Cap: c, Source: src})
			}
			e = e.WithCapabilityProvenance(p)
		}
		checkRoundTrip(t, e)
	})
}

// FuzzDecode checks that Parse never panics, fails only with a
// *DecodeError, accepts only valid JSON, and that whatever it accepts
// encodes to a line that decodes to the same event and encodes again to
// the same line.
func FuzzDecode(f *testing.F) {
	for _, tt := range wireTests {
		f.Add([]byte(tt.want))
	}
	for _, line := range readLines(f, "testdata/decode-cases.txt") {
		if len(line) > 0 && line[0] != '#' {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := event.Parse(data)
		if err != nil {
			var de *event.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Parse error = %v (%T); want a *event.DecodeError", err, err)
			}
			if !strings.HasPrefix(err.Error(), "event: ") {
				t.Fatalf("Parse error text = %q; want the prefix \"event: \"", err)
			}
			return
		}
		// (json.Valid also limits nesting to 10000 levels, which Parse allows
		// in unknown top-level values, as serde does.)
		if len(data) < 10000 && !json.Valid(data) {
			t.Fatalf("Parse accepted invalid JSON %q", data)
		}
		line := e.AppendJSON(nil)
		got, err := event.Parse(line)
		if err != nil {
			t.Fatalf("Parse(%q) of the re-encoded %q error = %v", line, data, err)
		}
		if !got.Equal(e) {
			t.Fatalf("decode of re-encoded %q mismatch (-want +got):\n%s", line, cmp.Diff(e, got))
		}
		if again := got.AppendJSON(nil); !bytes.Equal(again, line) {
			t.Fatalf("re-encoded line differs:\n%s\n%s", line, again)
		}
	})
}
