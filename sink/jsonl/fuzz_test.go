package jsonl_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/sink/jsonl"
)

// fuzzEvent builds an event from fuzzed fields, every string field used.
func fuzzEvent(callID, toolID, callerID, capability, message string, ms uint64, kind uint8, flag bool) event.CallEvent {
	var o event.Outcome
	switch kind % 6 {
	case 0:
		o = event.Success()
	case 1:
		o = event.ExecutionFailed(message, flag)
	case 2:
		o = event.InvalidArgs(message)
	case 3:
		o = event.CapabilityDenied([]string{capability, message})
	case 4:
		o = event.RateLimited(ms, flag)
	default:
		o = event.ToolNotFound()
	}
	ev := event.New(message, callID, toolID, ms, o, capability).
		WithGrantedCapabilities([]string{capability, callerID}).
		WithDryRun(flag)
	if kind&8 != 0 {
		ev = ev.WithCallerID(callerID)
	}
	if kind&16 != 0 {
		ev = ev.WithCursorPage(uint32(ms))
	}
	if kind&32 != 0 {
		ev = ev.WithCapabilityProvenance([]event.CapProvenance{
			{Cap: capability, Source: event.StringAllowList()},
			{Cap: message, Source: event.UCANChain(callerID, uint8(ms))},
		})
	}
	return ev
}

// valid replaces each byte of invalid UTF-8 in s with U+FFFD, as the
// encoder does.
func valid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func FuzzWriterReaderRoundTrip(f *testing.F) {
	f.Add("01J000000000000000000000TEST", "ref:echo.say", "test-client", "read", "multi\nline\r\nmessage", uint64(17), uint8(0), false)
	f.Add("\u2028\u2029", "<&>", "", "", "\x00\x1f\"\\/", uint64(math.MaxUint64), uint8(1|8|16|32), true)
	f.Add("\xff\xfe\xfd", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x82", uint64(0), uint8(3|32), true)
	f.Add("", "", "", "", "", uint64(1)<<53+1, uint8(4|8), false)
	f.Fuzz(func(t *testing.T, callID, toolID, callerID, capability, message string, ms uint64, kind uint8, flag bool) {
		give := []event.CallEvent{
			fuzzEvent(callID, toolID, callerID, capability, message, ms, kind, flag),
			fuzzEvent(message, capability, toolID, callID, callerID, ms/3, kind+1, !flag),
			fuzzEvent(toolID, message, capability, callerID, callID, ms^1, kind^63, flag),
		}
		want := []event.CallEvent{
			fuzzEvent(valid(callID), valid(toolID), valid(callerID), valid(capability), valid(message), ms, kind, flag),
			fuzzEvent(valid(message), valid(capability), valid(toolID), valid(callID), valid(callerID), ms/3, kind+1, !flag),
			fuzzEvent(valid(toolID), valid(message), valid(capability), valid(callerID), valid(callID), ms^1, kind^63, flag),
		}

		var buf bytes.Buffer
		w, err := jsonl.NewWriter[event.CallEvent](&buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := w.SendBatch(t.Context(), give[:2]); n != 2 || err != nil {
			t.Fatalf("SendBatch = %d, %v; want 2, nil", n, err)
		}
		if err := w.Send(t.Context(), give[2]); err != nil {
			t.Fatalf("Send = %v; want nil", err)
		}

		// Exactly one line per value, each valid JSON.
		lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
		if last := lines[len(lines)-1]; len(last) != 0 {
			t.Fatalf("output does not end in a newline: %q", last)
		}
		lines = lines[:len(lines)-1]
		if len(lines) != len(give) {
			t.Fatalf("%d values made %d lines; want %d:\n%s", len(give), len(lines), len(give), buf.Bytes())
		}
		for i, l := range lines {
			if !json.Valid(l) {
				t.Errorf("line %d is not valid JSON: %q", i+1, l)
			}
		}

		i := 0
		for got, err := range jsonl.Read[event.CallEvent](&buf, nil) {
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !got.Equal(want[i]) {
				t.Errorf("line %d decodes to\n%v\nwant\n%v", i+1, got, want[i])
			}
			i++
		}
		if i != len(want) {
			t.Errorf("read %d values; want %d", i, len(want))
		}
	})
}

func FuzzReader(f *testing.F) {
	// Room for a typical event's line (260 bytes), so that values decode,
	// but not for much more, so that the fuzzer reaches the limit too.
	const maxLine = 300
	f.Add([]byte(line("a") + line("b")))
	f.Add([]byte(line("a") + "{\"ts\":\n\n  \r\nnull\n[]\n" + line("b")[:20]))
	f.Add([]byte("\xff\n{}\n{\"outcome\":{\"kind\":\"nope\"}}"))
	f.Add([]byte(strings.Replace(line("long"), `"tool_id"`, `"pad":"`+strings.Repeat("x", maxLine)+`","tool_id"`, 1) + line("a")))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1

		var values, errs int
		lastLine := 0
		for _, err := range jsonl.Read[event.CallEvent](bytes.NewReader(data), &jsonl.ReadOptions{MaxLineSize: maxLine}) {
			if err == nil {
				values++
				continue
			}
			errs++
			var le *jsonl.LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LineError", err)
			}
			if le.Line <= lastLine || le.Line > lines {
				t.Errorf("error on line %d after line %d, of %d lines", le.Line, lastLine, lines)
			}
			lastLine = le.Line
			if !strings.HasPrefix(err.Error(), "jsonl: line ") {
				t.Errorf("error %q does not start with its line number", err)
			}
			if errors.Is(err, jsonl.ErrTornLine) && (le.Line != lines || bytes.HasSuffix(data, []byte("\n"))) {
				t.Errorf("ErrTornLine on line %d of %d: only the last line, without a newline, is torn", le.Line, lines)
			}
		}

		r := jsonl.NewReader[event.CallEvent](bytes.NewReader(data), &jsonl.ReadOptions{MaxLineSize: maxLine, Lenient: true})
		lenientValues := 0
		for _, err := range r.All() {
			if err != nil {
				t.Fatalf("lenient Read yielded %v; want no error from a bytes.Reader", err)
			}
			lenientValues++
		}
		if lenientValues != values || r.Skipped() != errs {
			t.Errorf("lenient read: %d values, %d skipped; strict: %d values, %d errors", lenientValues, r.Skipped(), values, errs)
		}
	})
}
