package retry_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/internal/retry"
)

var defaults = retry.Policy{MaxAttempts: 3, Backoff: 100 * time.Millisecond, PerCallTimeout: 5 * time.Second}

func TestResolve(t *testing.T) {
	tests := []struct {
		name string
		give retry.Policy
		want retry.Policy
	}{
		{"zero is the defaults", retry.Policy{}, defaults},
		{"set fields are kept", retry.Policy{MaxAttempts: 1, Backoff: time.Second, PerCallTimeout: time.Minute},
			retry.Policy{MaxAttempts: 1, Backoff: time.Second, PerCallTimeout: time.Minute}},
		{"only zero fields take the default", retry.Policy{Backoff: time.Nanosecond},
			retry.Policy{MaxAttempts: 3, Backoff: time.Nanosecond, PerCallTimeout: 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.Resolve("sink: New", defaults)
			if err != nil {
				t.Fatalf("Resolve(%+v) = %v", tt.give, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve(%+v) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

func TestResolveRejectsNegative(t *testing.T) {
	tests := []struct {
		name string
		give retry.Policy
		want string
	}{
		{"MaxAttempts", retry.Policy{MaxAttempts: -1}, "sink: New: MaxAttempts -1 is negative"},
		{"Backoff", retry.Policy{Backoff: -time.Second}, "sink: New: Backoff -1s is negative"},
		{"PerCallTimeout", retry.Policy{PerCallTimeout: -time.Second}, "sink: New: PerCallTimeout -1s is negative"},
		{"the first negative field", retry.Policy{MaxAttempts: 1, Backoff: -time.Second, PerCallTimeout: -time.Second},
			"sink: New: Backoff -1s is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.Resolve("sink: New", defaults)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Resolve(%+v) = %+v, %v; want error %q", tt.give, got, err, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	p := retry.Policy{MaxAttempts: 10, Backoff: 100 * time.Millisecond, PerCallTimeout: time.Second}
	tests := []struct {
		name string
		p    retry.Policy
		give int // attempt
		want time.Duration
	}{
		{"before the second attempt", p, 2, 100 * time.Millisecond},
		{"before the first attempt, as the second", p, 1, 100 * time.Millisecond},
		{"doubled", p, 3, 200 * time.Millisecond},
		{"doubled twice", p, 4, 400 * time.Millisecond},
		{"doubled thrice", p, 5, 800 * time.Millisecond},
		{"capped at PerCallTimeout", p, 6, time.Second},
		{"stays capped", p, 1000, time.Second},
		{"Backoff above PerCallTimeout is the cap",
			retry.Policy{Backoff: time.Minute, PerCallTimeout: time.Second}, 5, time.Minute},
		{"no overflow", retry.Policy{Backoff: 1, PerCallTimeout: math.MaxInt64}, 1 << 20, math.MaxInt64},
		{"zero Backoff", retry.Policy{}, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retry.Backoff(tt.p, tt.give); got != tt.want {
				t.Errorf("%+v backoff(%d) = %v; want %v", tt.p, tt.give, got, tt.want)
			}
		})
	}
}

func TestJitterStaysInRange(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 2, 3, 100 * time.Millisecond, math.MaxInt64} {
		seen := map[time.Duration]bool{}
		for range 1000 {
			got := retry.Jitter(d)
			if got < d/2 || got > d {
				t.Fatalf("jitter(%v) = %v; want within [%v, %v]", d, got, d/2, d)
			}
			seen[got] = true
		}
		if d >= 100*time.Millisecond && len(seen) < 2 {
			t.Errorf("jitter(%v) returned %v 1000 times; want it to vary", d, seen)
		}
	}
}

func TestDelayIsTheJitteredBackoff(t *testing.T) {
	p := retry.Policy{MaxAttempts: 10, Backoff: 100 * time.Millisecond, PerCallTimeout: time.Second}
	for attempt := 1; attempt <= 6; attempt++ {
		want := retry.Backoff(p, attempt)
		for range 100 {
			if got := p.Delay(attempt); got < want/2 || got > want {
				t.Fatalf("%+v Delay(%d) = %v; want within [%v, %v]", p, attempt, got, want/2, want)
			}
		}
	}
}

var errTest = errors.New("test: not acknowledged")

func TestGaveUp(t *testing.T) {
	last := errors.New("no answer")
	cause := errors.New("shutting down")
	ended, cancel := context.WithCancelCause(context.Background())
	cancel(cause)

	tests := []struct {
		name      string
		ctx       context.Context
		want      string
		wantCause error
	}{
		{"attempts ran out", context.Background(), "test: not acknowledged after 3 attempts: no answer", last},
		{"context ended", ended, "test: not acknowledged: shutting down", cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := retry.GaveUp(tt.ctx, errTest, 3, last)
			if err.Error() != tt.want {
				t.Errorf("GaveUp = %q; want %q", err, tt.want)
			}
			if !errors.Is(err, errTest) || !errors.Is(err, tt.wantCause) {
				t.Errorf("GaveUp = %v; want it to wrap %v and %v", err, errTest, tt.wantCause)
			}
		})
	}
}
