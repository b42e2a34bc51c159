package event_test

import (
	"testing"
	"time"

	"github.com/spillway-go/spillway/event"
)

func TestFormatTime(t *testing.T) {
	base := time.Date(2026, 5, 29, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		give time.Time
		want string
	}{
		{name: "whole second", give: base, want: "2026-05-29T00:00:00+00:00"},
		{name: "milliseconds", give: base.Add(250 * time.Millisecond), want: "2026-05-29T00:00:00.250+00:00"},
		{name: "one millisecond", give: base.Add(time.Millisecond), want: "2026-05-29T00:00:00.001+00:00"},
		{name: "microseconds", give: base.Add(1500 * time.Microsecond), want: "2026-05-29T00:00:00.001500+00:00"},
		{name: "one microsecond", give: base.Add(time.Microsecond), want: "2026-05-29T00:00:00.000001+00:00"},
		{name: "nanoseconds", give: base.Add(123456789), want: "2026-05-29T00:00:00.123456789+00:00"},
		{name: "one nanosecond", give: base.Add(1), want: "2026-05-29T00:00:00.000000001+00:00"},
		{name: "trailing zero nanoseconds", give: base.Add(100000010), want: "2026-05-29T00:00:00.100000010+00:00"},
		{name: "last nanosecond of a day", give: base.Add(24*time.Hour - 1), want: "2026-05-29T23:59:59.999999999+00:00"},
		{name: "converted to UTC", give: time.Date(2026, 5, 29, 2, 30, 0, 0, time.FixedZone("CEST", 2*3600)), want: "2026-05-29T00:30:00+00:00"},
		{name: "west of UTC crosses midnight", give: time.Date(2025, 12, 31, 23, 0, 0, 0, time.FixedZone("", -5*3600)), want: "2026-01-01T04:00:00+00:00"},
		{name: "leap day", give: time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), want: "2028-02-29T12:00:00+00:00"},
		{name: "unix epoch", give: time.Unix(0, 0), want: "1970-01-01T00:00:00+00:00"},
		{name: "zero time", give: time.Time{}, want: "0001-01-01T00:00:00+00:00"},
		{name: "year 0", give: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), want: "0000-01-01T00:00:00+00:00"},
		{name: "year 9999", give: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), want: "9999-12-31T23:59:59+00:00"},
		{name: "year 10000", give: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), want: "+10000-01-01T00:00:00+00:00"},
		{name: "year -1", give: time.Date(-1, 12, 31, 23, 59, 59, 5, time.UTC), want: "-0001-12-31T23:59:59.000000005+00:00"},
		{name: "year -12345", give: time.Date(-12345, 6, 1, 0, 0, 0, 0, time.UTC), want: "-12345-06-01T00:00:00+00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := event.FormatTime(tt.give); got != tt.want {
				t.Errorf("FormatTime(%v) = %s; want %s", tt.give, got, tt.want)
			}
			if got := string(event.AppendTime([]byte("x"), tt.give)); got != "x"+tt.want {
				t.Errorf("AppendTime(x, %v) = %s; want x%s", tt.give, got, tt.want)
			}
		})
	}
}

// TestFormatTimeParses checks that every shape FormatTime writes is RFC
// 3339 that time.Parse reads back to the same instant.
func TestFormatTimeParses(t *testing.T) {
	base := time.Date(2026, 5, 29, 13, 14, 15, 0, time.UTC)
	for _, d := range []time.Duration{0, time.Millisecond, time.Microsecond, 1, 987654321} {
		want := base.Add(d)
		s := event.FormatTime(want)
		got, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("time.Parse(%q) error = %v", s, err)
		}
		if !got.Equal(want) {
			t.Errorf("time.Parse(FormatTime(%v)) = %v", want, got)
		}
	}
}

// Port of now_rfc3339_format_is_parseable.
func TestNowIsParseable(t *testing.T) {
	before := time.Now()
	s := event.Now()
	after := time.Now()
	got, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time.Parse(Now() = %q) error = %v", s, err)
	}
	if len(s) < 25 || s[len(s)-6:] != "+00:00" {
		t.Errorf("Now() = %q; want a UTC timestamp ending in +00:00", s)
	}
	if got.Before(before.Round(0)) || got.After(after) {
		t.Errorf("Now() = %v; want between %v and %v", got, before, after)
	}
}
