package strategy_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/spillway-go/spillway/strategy"
)

// FuzzParse checks that Parse never panics, that what it accepts is valid
// and round-trips through String, and that what it rejects is quoted in
// its error.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"drop", "block", "fallback", "block:50ms", "block:1.5s", "block:1h2m3s",
		"block:1ns", "block:9223372036854775807ns", "block:2562047h47m16.854775807s",
		"", "Block", " drop", "block:", "block:-1s", "block:0s", "block:abc",
		"block:1e3s", "block:.5s", "block:5.s", "block:+1ms", "block:1µs", "block:1us",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := strategy.Parse(text)
		if err != nil {
			if want := "strategy: parse " + strconv.Quote(text) + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Parse(%q) error = %q; want it to start %q", text, err, want)
			}
			if s != (strategy.Strategy{}) {
				t.Errorf("Parse(%q) = %v with its error; want the zero Strategy", text, s)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Errorf("Parse(%q) = %v, which does not validate: %v", text, s, err)
		}
		back, err := strategy.Parse(s.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q, which Parse rejects: %v", text, s.String(), err)
		}
		if back != s {
			t.Errorf("Parse(%q) = %v, but Parse(%q) = %v", text, s, s.String(), back)
		}
		b, err := s.MarshalText()
		if err != nil || string(b) != s.String() {
			t.Errorf("%v.MarshalText() = %q, %v; want %q, nil", s, b, err, s.String())
		}
	})
}
