//go:build !race

package jsonenc_test

import (
	"testing"

	"github.com/spillway-go/spillway/internal/jsonenc"
)

func TestAppendAppenderDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	v := &fast{}
	if a := testing.AllocsPerRun(1000, func() { buf, _ = jsonenc.Append(buf[:0], v) }); a != 0 {
		t.Errorf("Append of an Appender: %v allocs; want 0", a)
	}
	if a := testing.AllocsPerRun(1000, func() { buf, _ = jsonenc.Append(buf[:0], &v) }); a != 0 {
		t.Errorf("Append of a pointer Appender: %v allocs; want 0", a)
	}
}
