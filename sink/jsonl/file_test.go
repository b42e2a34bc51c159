package jsonl_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// opener opens a file sink the two ways the package offers.
type opener struct {
	name string
	open func(path string) (pipeline.Sink[event.CallEvent], error)
}

var openers = []opener{
	{"Open", func(path string) (pipeline.Sink[event.CallEvent], error) {
		return jsonl.Open[event.CallEvent](path, nil)
	}},
	{"OpenWriter", func(path string) (pipeline.Sink[event.CallEvent], error) {
		return jsonl.OpenWriter[event.CallEvent](path, nil)
	}},
}

// appendEvents opens path, sends evs and closes it.
func appendEvents(t *testing.T, o opener, path string, evs []event.CallEvent) {
	t.Helper()
	s, err := o.open(path)
	if err != nil {
		t.Fatalf("%s(%q) = %v", o.name, path, err)
	}
	for _, ev := range evs {
		if err := s.Send(t.Context(), ev); err != nil {
			t.Fatalf("Send = %v", err)
		}
	}
	closeOK(t, s)
}

func TestOpenCreatesFileMode0600(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			appendEvents(t, o, path, numbered(1))
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("%s created %s with mode %v; want 0600", o.name, path, got)
			}
		})
	}
}

func TestOpenAppendsNeverTruncates(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			evs := numbered(5)
			appendEvents(t, o, path, evs[:2])
			appendEvents(t, o, path, evs[2:3])
			appendEvents(t, o, path, nil)
			appendEvents(t, o, path, evs[3:])
			if diff := cmp.Diff(evs, readAll(t, readFile(t, path))); diff != "" {
				t.Errorf("file after four opens mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenTornTailStartsFreshLine(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			evs := numbered(3)
			// A run that crashed in the middle of its second line.
			torn := evs[0].String() + "\n" + evs[1].String()[:50]
			if err := os.WriteFile(path, []byte(torn), 0o600); err != nil {
				t.Fatal(err)
			}
			appendEvents(t, o, path, evs[2:])

			got := readFile(t, path)
			if want := torn + "\n" + evs[2].String() + "\n"; got != want {
				t.Fatalf("file = %q; want %q", got, want)
			}
			// The torn bytes are now a corrupt line 2, not a torn tail.
			summary := summarize(t, jsonl.NewReader[event.CallEvent](strings.NewReader(got), nil))
			want := []lineResult{{CallID: "call-0"}, {Line: 2, Kind: "corrupt"}, {CallID: "call-2"}}
			if diff := cmp.Diff(want, summary); diff != "" {
				t.Errorf("read back mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenWholeTailAddsNoBlankLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	evs := numbered(2)
	if err := os.WriteFile(path, []byte(evs[0].String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, openers[0], path, evs[1:])
	if got, want := readFile(t, path), evs[0].String()+"\n"+evs[1].String()+"\n"; got != want {
		t.Errorf("file = %q; want %q", got, want)
	}
}

func TestOpenBadOptionsTouchNothing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.jsonl")
	existing := filepath.Join(dir, "existing.jsonl")
	const content = "partial"
	if err := os.WriteFile(existing, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		give *jsonl.Options[event.CallEvent]
		want string
	}{
		{"fallback strategy without a fallback", &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{Strategy: strategy.Fallback}}, "Fallback"},
		{"negative capacity", &jsonl.Options[event.CallEvent]{Queue: pipeline.QueueOptions[event.CallEvent]{Capacity: -1}}, "Capacity"},
		{"bad sync interval", &jsonl.Options[event.CallEvent]{Sync: jsonl.SyncInterval(-1)}, "Sync"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{missing, existing} {
				s, err := jsonl.Open(path, tt.give)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Open(%s) = %v, %v; want an error naming %s", filepath.Base(path), s, err, tt.want)
				}
			}
			if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("after a failed Open, Stat(missing) = %v; want it not to exist", err)
			}
			if got := readFile(t, existing); got != content {
				t.Errorf("after a failed Open, existing file = %q; want %q unchanged", got, content)
			}
		})
	}
}

func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "no", "such", "dir.jsonl"), dir} {
		if s, err := jsonl.Open[event.CallEvent](path, nil); err == nil {
			closeOK(t, s)
			t.Errorf("Open(%q) = nil error; want one", path)
		}
		if w, err := jsonl.OpenWriter[event.CallEvent](path, nil); err == nil {
			closeOK(t, w)
			t.Errorf("OpenWriter(%q) = nil error; want one", path)
		}
	}
}

func TestOpenWriterSyncsFile(t *testing.T) {
	// A real *os.File under every policy: Sync must work on it.
	for _, p := range []jsonl.SyncPolicy{jsonl.SyncNever, jsonl.SyncEveryBatch, jsonl.SyncInterval(1)} {
		t.Run(p.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			w, err := jsonl.OpenWriter[event.CallEvent](path, &jsonl.WriterOptions{Sync: p})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := w.SendBatch(t.Context(), numbered(3)); n != 3 || err != nil {
				t.Fatalf("SendBatch = %d, %v; want 3, nil", n, err)
			}
			closeOK(t, w)
			if got := len(readAll(t, readFile(t, path))); got != 3 {
				t.Errorf("%d lines in the file; want 3", got)
			}
		})
	}
}

func TestStdoutStderrNotClosed(t *testing.T) {
	// Closing these sinks must leave the process's stdout and stderr open.
	for _, mk := range []func(*jsonl.Options[event.CallEvent]) (*jsonl.Sink[event.CallEvent], error){
		jsonl.Stdout[event.CallEvent], jsonl.Stderr[event.CallEvent],
	} {
		s, err := mk(nil)
		if err != nil {
			t.Fatal(err)
		}
		closeOK(t, s)
	}
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if _, err := f.Stat(); err != nil {
			t.Errorf("%s after Close of its sink: %v; want it open", f.Name(), err)
		}
	}
}
