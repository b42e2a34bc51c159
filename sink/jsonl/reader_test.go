package jsonl_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/sink/jsonl"
)

// lineResult is what a read yields for one line, reduced to what a test
// compares: the call ID of a value, or the line number and kind of an
// error.
type lineResult struct {
	CallID string
	Line   int
	Kind   string // "torn", "too long", "corrupt", "read"
}

func summarize(t *testing.T, r *jsonl.Reader[event.CallEvent]) []lineResult {
	t.Helper()
	var got []lineResult
	for v, err := range r.All() {
		if err == nil {
			got = append(got, lineResult{CallID: v.CallID()})
			continue
		}
		var le *jsonl.LineError
		if !errors.As(err, &le) {
			t.Fatalf("Read error %v is not a *LineError", err)
		}
		if !strings.HasPrefix(err.Error(), "jsonl: line ") {
			t.Errorf("error %q does not start with the line number", err)
		}
		kind := "corrupt"
		switch {
		case errors.Is(err, jsonl.ErrTornLine):
			kind = "torn"
		case errors.Is(err, jsonl.ErrLineTooLong):
			kind = "too long"
		case errors.Is(err, iotest.ErrTimeout):
			kind = "read"
		}
		got = append(got, lineResult{Line: le.Line, Kind: kind})
	}
	return got
}

func TestReader(t *testing.T) {
	a, b, c := line("a"), line("b"), line("c")
	whole := strings.TrimSuffix(c, "\n")
	tests := []struct {
		name        string
		give        string
		opts        *jsonl.ReadOptions
		want        []lineResult
		wantSkipped int
	}{
		{name: "empty", give: ""},
		{
			name: "three lines",
			give: a + b + c,
			want: []lineResult{{CallID: "a"}, {CallID: "b"}, {CallID: "c"}},
		},
		{
			name: "blank lines and CRLF",
			give: "\n" + a + "  \r\n" + strings.TrimSuffix(b, "\n") + "\r\n",
			want: []lineResult{{CallID: "a"}, {CallID: "b"}},
		},
		{
			name: "torn last line",
			give: a + b + whole[:40],
			want: []lineResult{{CallID: "a"}, {CallID: "b"}, {Line: 3, Kind: "torn"}},
		},
		{
			// A crash just before the newline: the value is whole.
			name: "whole last line without newline",
			give: a + whole,
			want: []lineResult{{CallID: "a"}, {CallID: "c"}},
		},
		{
			// A torn line that a later run ended with a newline is corrupt.
			name: "corrupt line in the middle",
			give: a + whole[:40] + "\n" + b,
			want: []lineResult{{CallID: "a"}, {Line: 2, Kind: "corrupt"}, {CallID: "b"}},
		},
		{
			name: "wrong field type",
			give: strings.Replace(a, `"duration_ms":17`, `"duration_ms":"17"`, 1) + b,
			want: []lineResult{{Line: 1, Kind: "corrupt"}, {CallID: "b"}},
		},
		{
			name:        "lenient skips and counts",
			give:        "{\n" + a + "null\n" + b + whole[:10],
			opts:        &jsonl.ReadOptions{Lenient: true},
			want:        []lineResult{{CallID: "a"}, {CallID: "b"}},
			wantSkipped: 3,
		},
		{
			name: "line too long, then more",
			give: a + `{"pad":"` + strings.Repeat("x", 1000) + `"}` + "\n" + b,
			opts: &jsonl.ReadOptions{MaxLineSize: len(a)},
			want: []lineResult{{CallID: "a"}, {Line: 2, Kind: "too long"}, {CallID: "b"}},
		},
		{
			name: "line too long across buffer fills",
			give: a + strings.Repeat("z", 300<<10) + "\n" + b + strings.Repeat("z", 100<<10),
			opts: &jsonl.ReadOptions{MaxLineSize: 1000},
			want: []lineResult{{CallID: "a"}, {Line: 2, Kind: "too long"}, {CallID: "b"}, {Line: 4, Kind: "too long"}},
		},
		{
			name: "long lines beyond 64 KiB",
			give: strings.Replace(a, `"tool_id"`, `"pad":"`+strings.Repeat("y", 200<<10)+`","tool_id"`, 1) + b,
			want: []lineResult{{CallID: "a"}, {CallID: "b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time, to cross every buffer boundary.
			r := jsonl.NewReader[event.CallEvent](iotest.OneByteReader(strings.NewReader(tt.give)), tt.opts)
			got := summarize(t, r)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Read(%.60q...) mismatch (-want +got):\n%s", tt.give, diff)
			}
			if r.Skipped() != tt.wantSkipped {
				t.Errorf("Skipped() = %d; want %d", r.Skipped(), tt.wantSkipped)
			}
		})
	}
}

// line returns the wire form of an event with the given call ID, with its
// newline.
func line(callID string) string {
	return mkEvent(event.Success()).WithCallID(callID).String() + "\n"
}

func TestReaderErrorText(t *testing.T) {
	give := line("a") + strings.Replace(line("b"), `"duration_ms":17`, `"duration_ms":"17"`, 1) + `{"ts":"x`
	var errs []string
	for _, err := range jsonl.Read[event.CallEvent](strings.NewReader(give), nil) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	want := []string{
		`jsonl: line 2: event: field "duration_ms": want uint64, got string`,
		`jsonl: line 3: torn last line`,
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
}

func TestReaderReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader(line("a")+`{"ts"`), iotest.ErrReader(iotest.ErrTimeout))
	got := summarize(t, jsonl.NewReader[event.CallEvent](r, &jsonl.ReadOptions{Lenient: true}))
	want := []lineResult{{CallID: "a"}, {Line: 2, Kind: "read"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestReaderStopsWhenLoopBreaks(t *testing.T) {
	r := jsonl.NewReader[event.CallEvent](strings.NewReader(line("a")+line("b")+line("c")), nil)
	for range r.All() {
		break
	}
	// The rest is still there for the next loop.
	got := summarize(t, r)
	if diff := cmp.Diff([]lineResult{{CallID: "b"}, {CallID: "c"}}, got); diff != "" {
		t.Errorf("after a break, mismatch (-want +got):\n%s", diff)
	}
	if r.Line() != 3 {
		t.Errorf("Line() = %d; want 3", r.Line())
	}
}
