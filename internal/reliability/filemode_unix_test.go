//go:build unix

package reliability_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/sink/jsonl"
)

// Audit files are created readable and writable by their owner only,
// whatever the umask lets through.
func TestAuditFileMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()

	s, err := jsonl.Open[event.CallEvent](filepath.Join(dir, "audit.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), callEvent(0)); err != nil {
		t.Fatal(err)
	}
	closeOK(t, s)
	w, err := jsonl.OpenWriter[event.CallEvent](filepath.Join(dir, "fallback.jsonl"), nil)
	if err != nil {
		t.Fatal(err)
	}
	closeOK(t, w)

	for _, name := range []string{"audit.jsonl", "fallback.jsonl"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 || jsonl.FileMode != 0o600 {
			t.Errorf("%s created with mode %v (FileMode %v); want -rw-------", name, got, jsonl.FileMode)
		}
	}
}
