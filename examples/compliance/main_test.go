package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The audit trail loses nothing while its file fails: every event sent is
// in exactly one of the two files, and every stage's accounts balance.
func TestNoLoss(t *testing.T) {
	cfg := config{Dir: t.TempDir(), Events: 300, FailFrom: 100, FailTo: 150}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	r, err := run(ctx, cfg)
	if err != nil {
		t.Fatalf("run = %v; want nil", err)
	}

	if r.Sent != cfg.Events {
		t.Errorf("sent %d events; want %d", r.Sent, cfg.Events)
	}
	if got := r.AuditLines + r.FallbackLines; got != r.Sent {
		t.Errorf("audit lines %d + fallback lines %d = %d; want the %d sent", r.AuditLines, r.FallbackLines, got, r.Sent)
	}
	if r.Duplicates != 0 || r.Lost() != 0 {
		t.Errorf("duplicates %d, lost %d; want 0, 0", r.Duplicates, r.Lost())
	}
	// The run waits for the audit queue at the edges of the failing
	// stretch, so exactly its events fall back.
	if want := cfg.FailTo - cfg.FailFrom; r.FallbackLines != want || r.WriteErrors != want {
		t.Errorf("fallback lines %d, write errors %d; want %d each", r.FallbackLines, r.WriteErrors, want)
	}

	if u := r.Stats.Unbalanced(); len(u) != 0 {
		t.Errorf("unbalanced stages: %+v", u)
	}
	audit, ok := r.Stats.Lookup("audit-fanout[0]/audit")
	if !ok {
		t.Fatalf("no stage audit-fanout[0]/audit in %+v", r.Stats)
	}
	if audit.Delivered != uint64(r.AuditLines) || audit.FellBack != uint64(r.FallbackLines) ||
		audit.Dropped != 0 || audit.Failed != 0 {
		t.Errorf("audit queue %+v; want %d delivered, %d fell back, none dropped or failed",
			audit, r.AuditLines, r.FallbackLines)
	}
	// The metrics sink is best effort: whatever it missed, its queue
	// counted as dropped.
	mq, _ := r.Stats.Lookup("audit-fanout[1]/metrics-queue")
	total := 0
	for _, n := range r.Metrics {
		total += n
	}
	if uint64(total) != mq.Delivered || mq.Delivered+mq.Dropped != uint64(r.Sent) {
		t.Errorf("metrics counted %d events, its queue %+v; want delivered + dropped = %d sent", total, mq, r.Sent)
	}

	var buf bytes.Buffer
	r.print(&buf)
	if !regexp.MustCompile(`(?m)^lost +0 `).MatchString(buf.String()) {
		t.Errorf("output does not report 0 lost:\n%s", buf.String())
	}
	for _, name := range []string{auditName, fallbackName} {
		fi, err := os.Stat(filepath.Join(cfg.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group or others", name, perm)
		}
	}
}

func TestRefusesExistingFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, auditName)
	if err := os.WriteFile(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := run(t.Context(), config{Dir: dir, Events: 10, FailFrom: 5, FailTo: 6})
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("run into a directory holding %s = %v; want an error saying it exists", auditName, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "{}\n" {
		t.Errorf("run changed the existing %s to %q", auditName, b)
	}
}
