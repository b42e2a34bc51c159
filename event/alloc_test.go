//go:build !race

package event_test

import (
	"testing"
	"time"

	"github.com/spillway-go/spillway/event"
)

func TestAppendJSONDoesNotAllocate(t *testing.T) {
	for _, tt := range []struct {
		name string
		give event.CallEvent
	}{
		{name: "typical", give: typicalEvent()},
		{name: "fat", give: fatEvent()},
		{name: "escapes and invalid UTF-8", give: event.New("\x00\"\\\xff", "é", "\u2028", 1, event.InvalidArgs("\n\t<>&\xed\xa0\x80"), "w")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.give
			buf := make([]byte, 0, 4096)
			allocs := testing.AllocsPerRun(100, func() {
				buf = e.AppendJSON(buf[:0])
			})
			if allocs != 0 {
				t.Errorf("AppendJSON into a reused buffer: %v allocations; want 0", allocs)
			}
		})
	}
}

func TestMarshalJSONAllocatesOnce(t *testing.T) {
	for _, e := range []event.CallEvent{typicalEvent(), fatEvent()} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := e.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 1 {
			t.Errorf("MarshalJSON: %v allocations; want 1", allocs)
		}
	}
}

func TestAppendTimeDoesNotAllocate(t *testing.T) {
	tm := time.Date(2026, 5, 29, 1, 2, 3, 456789, time.UTC)
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		buf = event.AppendTime(buf[:0], tm)
	})
	if allocs != 0 {
		t.Errorf("AppendTime: %v allocations; want 0", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = event.Now() }); allocs != 1 {
		t.Errorf("Now: %v allocations; want 1 (the string)", allocs)
	}
}
