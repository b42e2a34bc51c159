package faults_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/internal/faults"
)

type write struct {
	n   int
	err error
}

func TestWriter(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		give     func() *faults.Writer
		space    int64 // SetSpace before writing, if not 0
		writes   []string
		want     []write
		contents string
	}{
		{
			name:     "zero value",
			give:     func() *faults.Writer { return &faults.Writer{} },
			writes:   []string{"ab", "cd"},
			want:     []write{{2, nil}, {2, nil}},
			contents: "abcd",
		},
		{
			name:     "no space after 5 bytes",
			give:     func() *faults.Writer { return &faults.Writer{Name: "/var/log/audit.jsonl"} },
			space:    5,
			writes:   []string{"abc", "def", "g"},
			want:     []write{{3, nil}, {2, faults.ErrNoSpace("/var/log/audit.jsonl")}, {0, faults.ErrNoSpace("/var/log/audit.jsonl")}},
			contents: "abcde",
		},
		{
			name:     "short writes with an error",
			give:     func() *faults.Writer { return &faults.Writer{MaxWrite: 2, ShortErr: io.ErrShortWrite} },
			writes:   []string{"abc", "d"},
			want:     []write{{2, io.ErrShortWrite}, {1, nil}},
			contents: "abd",
		},
		{
			name:     "short writes breaking the contract",
			give:     func() *faults.Writer { return &faults.Writer{MaxWrite: 1} },
			writes:   []string{"abc"},
			want:     []write{{1, nil}},
			contents: "a",
		},
		{
			name:     "fails twice then recovers",
			give:     func() *faults.Writer { return &faults.Writer{Fail: faults.FailFirst[[]byte](2, boom)} },
			writes:   []string{"a", "b", "c", "d"},
			want:     []write{{0, &fs.PathError{Op: "write", Path: faults.DefaultName, Err: boom}}, {0, &fs.PathError{Op: "write", Path: faults.DefaultName, Err: boom}}, {1, nil}, {1, nil}},
			contents: "cd",
		},
		{
			name: "fails every third",
			give: func() *faults.Writer {
				return &faults.Writer{Fail: faults.FailEvery[[]byte](3, faults.ErrNoSpace("f"))}
			},
			writes:   []string{"a", "b", "c", "d", "e", "f"},
			want:     []write{{1, nil}, {1, nil}, {0, faults.ErrNoSpace("f")}, {1, nil}, {1, nil}, {0, faults.ErrNoSpace("f")}},
			contents: "abde",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.give()
			if tt.space != 0 {
				w.SetSpace(tt.space)
			}
			var got []write
			for _, s := range tt.writes {
				n, err := w.Write([]byte(s))
				got = append(got, write{n, err})
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(write{}), cmp.Comparer(sameError)); diff != "" {
				t.Errorf("Write results mismatch (-want +got):\n%s", diff)
			}
			if got := w.String(); got != tt.contents {
				t.Errorf("String() = %q; want %q", got, tt.contents)
			}
			if w.Writes() != len(tt.writes) {
				t.Errorf("Writes() = %d; want %d", w.Writes(), len(tt.writes))
			}
		})
	}
}

// sameError compares errors by text and by kind of error.
func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	var pa, pb *fs.PathError
	if errors.As(a, &pa) != errors.As(b, &pb) {
		return false
	}
	return a.Error() == b.Error()
}

// A full disk looks like one to the code under test: errors.Is finds
// ENOSPC and errors.As an *fs.PathError, and space can come back.
func TestWriterSpaceReturns(t *testing.T) {
	w := &faults.Writer{Name: "audit.jsonl"}
	w.SetSpace(0)
	n, err := w.Write([]byte("line\n"))
	if n != 0 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Write on a full disk = %d, %v; want 0, ENOSPC", n, err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != "audit.jsonl" || pe.Op != "write" {
		t.Errorf("Write error = %#v; want an *fs.PathError for write audit.jsonl", err)
	}
	w.SetSpace(-1)
	if n, err := w.Write([]byte("line\n")); n != 5 || err != nil {
		t.Errorf("Write once space returned = %d, %v; want 5, nil", n, err)
	}
	if w.Failed() != 1 || w.Len() != 5 {
		t.Errorf("Failed() = %d, Len() = %d; want 1, 5", w.Failed(), w.Len())
	}
}

func TestWriterToggle(t *testing.T) {
	var broken faults.Toggle
	w := &faults.Writer{Fail: faults.FailWhileOn[[]byte](&broken, syscall.EIO)}
	broken.Set(true)
	if _, err := w.Write([]byte("a")); !errors.Is(err, syscall.EIO) {
		t.Errorf("Write while on = %v; want EIO", err)
	}
	broken.Set(false)
	if _, err := w.Write([]byte("b")); err != nil {
		t.Errorf("Write while off = %v; want nil", err)
	}
	if got := w.String(); got != "b" {
		t.Errorf("String() = %q; want %q", got, "b")
	}
}

func TestWriterFailSeesBytes(t *testing.T) {
	w := &faults.Writer{Fail: func(p []byte, _ int) error {
		if strings.Contains(string(p), "bad") {
			return syscall.EIO
		}
		return nil
	}}
	w.Write([]byte("good "))
	w.Write([]byte("bad "))
	w.Write([]byte("good"))
	if got := w.String(); got != "good good" {
		t.Errorf("String() = %q; want %q", got, "good good")
	}
}

func TestWriterPanics(t *testing.T) {
	w := &faults.Writer{Panic: faults.PanicAt[[]byte](1, "kaboom")}
	w.Write([]byte("a"))
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("Write(1) recovered %v; want kaboom", r)
			}
		}()
		w.Write([]byte("b"))
		t.Error("Write(1) did not panic")
	}()
	if n, err := w.Write([]byte("c")); n != 1 || err != nil {
		t.Errorf("Write after a panic = %d, %v; want 1, nil (the lock released)", n, err)
	}
	if got := w.String(); got != "ac" {
		t.Errorf("String() = %q; want %q", got, "ac")
	}
}

// Gate makes a Write wait for the test, one token per Write.
func TestWriterGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &faults.Writer{Gate: make(chan struct{}), Entered: make(chan struct{}, 1)}
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.Write([]byte("a"))
			w.Write([]byte("b"))
		}()
		<-w.Entered
		synctest.Wait()
		if w.Len() != 0 {
			t.Fatalf("Len() = %d before the gate opened; want 0", w.Len())
		}
		w.Gate <- struct{}{}
		<-w.Entered
		synctest.Wait()
		if got := w.String(); got != "a" {
			t.Fatalf("after one token: %q; want %q", got, "a")
		}
		close(w.Gate)
		<-done
		if got := w.String(); got != "ab" {
			t.Errorf("after release: %q; want %q", got, "ab")
		}
	})
}

func TestWriterDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &faults.Writer{Delay: 10 * time.Millisecond}
		start := time.Now()
		for range 3 {
			w.Write([]byte("x"))
		}
		if d := time.Since(start); d != 30*time.Millisecond {
			t.Errorf("3 Writes took %v of fake time; want 30ms", d)
		}
	})
}

func TestWriterSync(t *testing.T) {
	w := &faults.Writer{}
	if err := w.Sync(); err != nil {
		t.Errorf("Sync() = %v; want nil", err)
	}
	w.SyncErr = syscall.EIO
	if err := w.Sync(); !errors.Is(err, syscall.EIO) {
		t.Errorf("Sync() = %v; want EIO", err)
	}
	if w.Syncs() != 2 {
		t.Errorf("Syncs() = %d; want 2", w.Syncs())
	}
}

func TestWriterConcurrentWritesDoNotInterleave(t *testing.T) {
	w := &faults.Writer{}
	const writers, each = 8, 200
	done := make(chan struct{})
	for g := range writers {
		go func() {
			defer func() { done <- struct{}{} }()
			line := strings.Repeat(string(rune('a'+g)), 50) + "\n"
			for range each {
				w.Write([]byte(line))
			}
		}()
	}
	for range writers {
		<-done
	}
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d lines; want %d", len(lines), writers*each)
	}
	for i, l := range lines {
		if l != strings.Repeat(l[:1], 50) {
			t.Fatalf("line %d = %q: writes interleaved", i, l)
		}
	}
}

// With W set, the Writer misbehaves in front of another writer, such as a
// real file.
func TestWriterInFrontOfFile(t *testing.T) {
	path := t.TempDir() + "/audit.jsonl"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &faults.Writer{W: f, Name: path}
	w.SetSpace(7)
	if n, err := w.Write([]byte("line 1\nline 2\n")); n != 7 || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Write past the space = %d, %v; want 7, ENOSPC", n, err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "line 1\n" {
		t.Errorf("file holds %q, %v; want %q", got, err, "line 1\n")
	}
	if w.Len() != 7 || w.String() != "" {
		t.Errorf("Len() = %d, String() = %q; want 7 and nothing kept", w.Len(), w.String())
	}
	f.Close()
	// The space is used up: ENOSPC comes first, and W is not called.
	if _, err := w.Write([]byte("x")); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Write with no space left = %v; want ENOSPC", err)
	}
	w.SetSpace(-1)
	if _, err := w.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write to a closed file = %v; want W's error, os.ErrClosed", err)
	}
}
