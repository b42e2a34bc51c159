package reliability_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/sink/jsonl"
)

// A process writing CallEvents under strategy.Block into a file opened
// with jsonl.Open is killed with SIGKILL in the middle of a burst. The
// file holds whole lines, each the event that was sent, in order with no
// gap (Block never drops), except at most one torn last line, which the
// Reader reports as torn. Reopening the file appends on a fresh line.
func TestCrashMidBurst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=crash-writer", crashFileEnv+"="+path)
	killMidBurst(t, cmd, path)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	whole := checkCrashedFile(t, data, func(n int, e event.CallEvent) error {
		if !e.Equal(callEvent(n)) {
			return fmt.Errorf("got %v; want %v, the %dth event sent", e, callEvent(n), n+1)
		}
		return nil
	})
	t.Logf("killed after %d whole lines (%d bytes), torn tail %v", whole, len(data), !bytes.HasSuffix(data, []byte("\n")))
	if data, whole = tear(t, path, data, whole); whole >= 0 {
		checkCrashedFile(t, data, func(n int, e event.CallEvent) error { return nil })
	}
	checkReopen(t, path, data, whole)
}

// The same with the README's main command, examples/audit, built here and
// killed mid-burst: its events carry unique call IDs.
func TestCrashExamplesAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds examples/audit; skipped under -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build examples/audit")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "audit")
	build := exec.Command(goTool, "build", "-o", bin, "github.com/spillway-go/spillway/examples/audit")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build examples/audit: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "audit.jsonl")
	killMidBurst(t, exec.Command(bin, "-o", path, "-n", "2000000", "-strategy", "block", "-producers", "2"), path)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	whole := checkCrashedFile(t, data, func(_ int, e event.CallEvent) error {
		if seen[e.CallID()] {
			return fmt.Errorf("call ID %s written twice", e.CallID())
		}
		seen[e.CallID()] = true
		return nil
	})
	if data, whole = tear(t, path, data, whole); whole >= 0 {
		checkCrashedFile(t, data, func(n int, e event.CallEvent) error { return nil })
	}
	checkReopen(t, path, data, whole)
}

// killMidBurst starts cmd, waits until the file at path holds at least
// minSize bytes (a few thousand lines), kills cmd with SIGKILL and waits
// for it to die. On Linux, the kernel kills cmd too if the test process
// dies.
func killMidBurst(t *testing.T, cmd *exec.Cmd, path string) {
	t.Helper()
	const minSize = 1 << 20
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Stat, not read: the file may grow faster than it can be read.
		if fi, err := os.Stat(path); err == nil && fi.Size() >= minSize {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited (%v) before writing %d bytes:\n%s", cmd.Path, err, minSize, stderr.Bytes())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			t.Fatalf("%s wrote fewer than %d bytes in 30s:\n%s", cmd.Path, minSize, stderr.Bytes())
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("%s ended with %v; want killed by SIGKILL", cmd.Path, err)
	}
}

// checkCrashedFile checks the file a killed writer left: every line a
// whole CallEvent that check accepts (given its index), except at most a
// torn last line without a newline, which the Reader must report as torn,
// with its line number. It returns the number of whole lines.
func checkCrashedFile(t *testing.T, data []byte, check func(n int, e event.CallEvent) error) int {
	t.Helper()
	whole := bytes.Count(data, []byte("\n"))
	torn := !bytes.HasSuffix(data, []byte("\n"))
	n, reported := 0, false
	for e, err := range jsonl.Read[event.CallEvent](bytes.NewReader(data), nil) {
		var le *jsonl.LineError
		switch {
		case err == nil:
			if err := check(n, e); err != nil {
				t.Fatalf("line %d: %v", n+1, err)
			}
			n++
		case torn && errors.Is(err, jsonl.ErrTornLine) && errors.As(err, &le) && le.Line == whole+1:
			// The torn tail: reported as such, with its line number.
			reported = true
		default:
			t.Fatalf("Read: %v; want whole lines and at most a torn last line (%d whole lines, torn %v)", err, whole, torn)
		}
	}
	// A crash can stop a write just before its newline: that last line
	// decodes whole, and the Reader yields it.
	switch {
	case n == whole+1 && torn:
	case n != whole:
		t.Fatalf("Read yielded %d events from %d whole lines (torn %v)", n, whole, torn)
	case torn && !reported:
		t.Fatalf("Read did not report the torn last line %d", whole+1)
	}
	return whole
}

// tear cuts the last line of a crashed file in half when the kill left it
// whole, as a kill in the middle of a write would have, and returns the
// new contents and number of whole lines. It returns whole -1 when the
// file was torn already and is left as it is.
func tear(t *testing.T, path string, data []byte, whole int) ([]byte, int) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\n")) {
		return data, -1
	}
	last := splitLines(data)[whole-1]
	data = data[:len(data)-len(last)/2-1]
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return data, whole - 1
}

// checkReopen reopens a crashed file that ends in a torn line with
// jsonl.Open, and appends events: they start on a fresh line, after the
// lines that were there, and the torn tail stays as one bad line.
func checkReopen(t *testing.T, path string, data []byte, whole int) {
	t.Helper()
	if whole < 0 {
		whole = bytes.Count(data, []byte("\n"))
	}
	s, err := jsonl.Open[event.CallEvent](path, nil)
	if err != nil {
		t.Fatal(err)
	}
	const appended = 5
	for i := range appended {
		if err := s.Send(t.Context(), callEvent(1_000_000+i)); err != nil {
			t.Fatal(err)
		}
	}
	closeOK(t, s)

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(after, data) {
		t.Fatal("reopening changed what the file held")
	}
	lines := splitLines(after)
	if len(lines) != whole+1+appended {
		t.Fatalf("file has %d lines after reopening; want %d whole, the ended torn one, and %d new", len(lines), whole, appended)
	}
	r := jsonl.NewReader[event.CallEvent](bytes.NewReader(after), &jsonl.ReadOptions{Lenient: true})
	var got []event.CallEvent
	for e := range r.All() {
		got = append(got, e)
	}
	if r.Skipped() != 1 {
		t.Errorf("lenient Reader skipped %d lines; want 1, the old torn tail", r.Skipped())
	}
	for i := range appended {
		if e := got[len(got)-appended+i]; !e.Equal(callEvent(1_000_000 + i)) {
			t.Errorf("appended line %d = %v; want %v", i, e, callEvent(1_000_000+i))
		}
	}
}
