package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/sink/jsonl"
)

// envAsMain makes the test binary run the command instead of the tests:
// TestRunKilledMidRun starts it as a child process to kill it.
const envAsMain = "AUDIT_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envAsMain) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

// runOK runs the command and fails t unless it exits 0.
func runOK(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("run(%q) = %d; want 0; stderr:\n%s", args, code, errOut.String())
	}
	return out.String(), errOut.String()
}

// lastJSON decodes the last line of stdout as the JSON summary, checking
// that it has exactly the documented keys.
func lastJSON(t *testing.T, stdout string) summary {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	var keys map[string]json.Number
	d := json.NewDecoder(strings.NewReader(last))
	d.UseNumber()
	if err := d.Decode(&keys); err != nil {
		t.Fatalf("last line of stdout %q is not a JSON object of numbers: %v", last, err)
	}
	want := []string{"sent", "delivered", "dropped", "fell_back", "failed", "events_per_sec",
		"send_p50_ns", "send_p99_ns", "send_p999_ns", "send_max_ns"}
	got := make([]string, 0, len(keys))
	for k := range keys {
		got = append(got, k)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))); diff != "" {
		t.Errorf("summary keys mismatch (-want +got):\n%s", diff)
	}
	var s summary
	if err := json.Unmarshal([]byte(last), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// countEvents reads a JSON-lines file strictly and returns its events.
func countEvents(t *testing.T, data string) int {
	t.Helper()
	n := 0
	for _, err := range jsonl.Read[event.CallEvent](strings.NewReader(data), nil) {
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		n++
	}
	return n
}

func TestRunAccountsForEveryEvent(t *testing.T) {
	const n = 5000
	tests := []struct {
		name         string
		args         []string
		fallbackFile bool // -fallback FILE rather than stderr
		lossless     bool // dropped and failed must be 0
	}{
		{name: "drop", args: []string{"-strategy", "drop"}},
		{name: "block", args: []string{"-strategy", "block", "-sync", "batch"}, lossless: true},
		{name: "block for", args: []string{"-strategy", "block:1ms"}},
		{name: "fallback to stderr", args: []string{"-strategy", "fallback"}, lossless: true},
		{name: "fallback to file", args: []string{"-strategy", "fallback"}, fallbackFile: true, lossless: true},
		{name: "drop with fallback file", args: []string{"-strategy", "drop"}, fallbackFile: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "audit.jsonl")
			args := append([]string{"-o", out, "-n", strconv.Itoa(n), "-producers", "4", "-capacity", "8", "-summary", "json"}, tt.args...)
			fbPath := filepath.Join(dir, "fallback.jsonl")
			if tt.fallbackFile {
				args = append(args, "-fallback", fbPath)
			}
			stdout, stderr := runOK(t, args...)
			s := lastJSON(t, stdout)
			t.Logf("summary: %+v", s)

			lines := countEvents(t, readFile(t, out))
			fbData := stderr
			if tt.fallbackFile {
				fbData = readFileIfAny(t, fbPath)
			}
			fbLines := countEvents(t, fbData)

			if s.Sent != n {
				t.Errorf("sent = %d; want %d", s.Sent, n)
			}
			if got := uint64(lines) + s.Dropped + s.Failed + uint64(fbLines); got != n {
				t.Errorf("%d lines + %d dropped + %d failed + %d fallback lines = %d; want %d",
					lines, s.Dropped, s.Failed, fbLines, got, n)
			}
			if s.Delivered != uint64(lines) || s.FellBack != uint64(fbLines) {
				t.Errorf("summary says %d delivered, %d fell back; files have %d and %d lines",
					s.Delivered, s.FellBack, lines, fbLines)
			}
			if tt.lossless && (s.Dropped != 0 || s.Failed != 0) {
				t.Errorf("%s lost %d dropped, %d failed; want 0", tt.name, s.Dropped, s.Failed)
			}
			if !(s.SendP50NS <= s.SendP99NS && s.SendP99NS <= s.SendP999NS && s.SendP999NS <= s.SendMaxNS) || s.SendMaxNS <= 0 {
				t.Errorf("latencies p50 %d, p99 %d, p999 %d, max %d; want ordered and positive",
					s.SendP50NS, s.SendP99NS, s.SendP999NS, s.SendMaxNS)
			}
			if s.EventsPerSec <= 0 {
				t.Errorf("events_per_sec = %v; want positive", s.EventsPerSec)
			}
		})
	}
}

func TestRunUniqueCallIDs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "audit.jsonl")
	runOK(t, "-o", out, "-n", "3000", "-producers", "3", "-strategy", "block")
	runOK(t, "-o", out, "-n", "3000", "-producers", "3", "-strategy", "block")
	seen := make(map[string]bool)
	for ev, err := range jsonl.Read[event.CallEvent](strings.NewReader(readFile(t, out)), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[ev.CallID()] {
			t.Fatalf("call_id %s appears twice", ev.CallID())
		}
		seen[ev.CallID()] = true
	}
	if len(seen) != 6000 {
		t.Errorf("%d distinct events after two runs of 3000; want 6000 (appended, not truncated)", len(seen))
	}
}

func TestRunDefaults(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	stdout, _ := runOK(t)
	if !strings.Contains(stdout, "100000 events from 4 producers into audit.jsonl (strategy drop, capacity 1024, sync never)") {
		t.Errorf("text summary does not state the defaults:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "audit.jsonl")); err != nil {
		t.Errorf("with no flags, audit.jsonl in the working directory: %v", err)
	}
}

func TestRunBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the one-line error
	}{
		{"unknown flag", []string{"-bogus"}, "-bogus"},
		{"n not a number", []string{"-n", "many"}, "-n"},
		{"n negative", []string{"-n", "-1"}, "-n"},
		{"no producers", []string{"-producers", "0"}, "-producers"},
		{"bad strategy", []string{"-strategy", "sometimes"}, "-strategy"},
		{"bad block duration", []string{"-strategy", "block:-1s"}, "-strategy"},
		{"zero capacity", []string{"-capacity", "0"}, "-capacity"},
		{"bad sync", []string{"-sync", "always"}, "-sync"},
		{"bad summary", []string{"-summary", "xml"}, "-summary"},
		{"stray argument", []string{"extra"}, "extra"},
		{"empty file name", []string{"-o", ""}, "-o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("run(%q) = %d; want 2", tt.args, code)
			}
			checkOneLineError(t, stderr.String(), tt.want)
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q; want nothing", stdout.String())
			}
			checkEmptyDir(t, dir)
		})
	}
}

func TestRunUnwritablePath(t *testing.T) {
	tests := []struct {
		name string
		args func(dir string) []string
		want string
	}{
		{"missing directory", func(dir string) []string {
			return []string{"-o", filepath.Join(dir, "no", "audit.jsonl")}
		}, "-o"},
		{"a directory", func(dir string) []string {
			return []string{"-o", dir}
		}, "-o"},
		{"fallback in a missing directory", func(dir string) []string {
			return []string{"-o", filepath.Join(dir, "audit.jsonl"), "-strategy", "fallback", "-fallback", filepath.Join(dir, "no", "fb.jsonl")}
		}, "-fallback"},
		{"audit file unwritable, fallback fine", func(dir string) []string {
			return []string{"-o", filepath.Join(dir, "no", "audit.jsonl"), "-fallback", filepath.Join(dir, "fb.jsonl")}
		}, "-o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := tt.args(dir)
			if code := run(args, &stdout, &stderr); code != 2 {
				t.Errorf("run(%q) = %d; want 2", args, code)
			}
			checkOneLineError(t, stderr.String(), tt.want)
			checkEmptyDir(t, dir)
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("run(-h) = %d; want 0", code)
	}
	for _, f := range []string{"-o", "-n", "-producers", "-strategy", "-capacity", "-fallback", "-sync", "-summary"} {
		if !strings.Contains(stdout.String(), "  "+f+" ") {
			t.Errorf("usage does not mention %s:\n%s", f, stdout.String())
		}
	}
}

// TestRunAfterTornTail starts on a file that a crashed run left with a
// torn last line: the new run's first line starts on a fresh line.
func TestRunAfterTornTail(t *testing.T) {
	out := filepath.Join(t.TempDir(), "audit.jsonl")
	whole := event.New(event.Now(), "before-crash", "ref:echo.say", 1, event.Success(), "warm").String()
	if err := os.WriteFile(out, []byte(whole+"\n"+whole[:40]), 0o600); err != nil {
		t.Fatal(err)
	}
	runOK(t, "-o", out, "-n", "100", "-strategy", "block")
	checkRecovered(t, out, 1+100)
}

// TestRunKilledMidRun kills the command with SIGKILL while it writes, then
// runs it again on the same file: every line but at most one torn line is
// a whole CallEvent, and the new run's lines all are.
func TestRunKilledMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	out := filepath.Join(t.TempDir(), "audit.jsonl")
	cmd := exec.Command(os.Args[0], "-o", out, "-n", "100000000", "-strategy", "block", "-summary", "json")
	cmd.Env = append(os.Environ(), envAsMain+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has written a good part of a megabyte.
	deadline := time.Now().Add(time.Minute)
	for {
		if fi, err := os.Stat(out); err == nil && fi.Size() > 1<<20 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the child wrote less than 1 MiB in a minute")
		}
		time.Sleep(5 * time.Millisecond) // polling the file, not synchronising
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the child exited cleanly; want it killed")
	}
	killed := countLines(t, out)
	t.Logf("killed after %d whole lines", killed)

	runOK(t, "-o", out, "-n", "1000", "-strategy", "block")
	checkRecovered(t, out, killed+1000)
}

// countLines counts the whole events in the file after a kill, allowing
// one torn last line.
func countLines(t *testing.T, path string) int {
	t.Helper()
	n := 0
	for _, err := range jsonl.Read[event.CallEvent](strings.NewReader(readFile(t, path)), nil) {
		if err != nil && !errors.Is(err, jsonl.ErrTornLine) {
			t.Fatalf("after SIGKILL: %v; want whole lines and at most a torn last one", err)
		}
		if err == nil {
			n++
		}
	}
	return n
}

// checkRecovered reads path and checks that it has want whole events and
// at most one corrupt line, which is not the last.
func checkRecovered(t *testing.T, path string, want int) {
	t.Helper()
	r := jsonl.NewReader[event.CallEvent](strings.NewReader(readFile(t, path)), nil)
	got, corrupt := 0, 0
	for _, err := range r.All() {
		if err != nil {
			corrupt++
			if errors.Is(err, jsonl.ErrTornLine) {
				t.Errorf("after the second run: %v; want the torn line ended by a newline", err)
			}
			continue
		}
		got++
	}
	if got != want || corrupt > 1 {
		t.Errorf("file has %d whole events and %d corrupt lines; want %d and at most 1", got, corrupt, want)
	}
}

func checkOneLineError(t *testing.T, stderr, want string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "audit: ") || !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q; want one line \"audit: ...\" naming %s", stderr, want)
	}
}

func checkEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s left in the directory; want nothing written", e.Name())
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readFileIfAny(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
