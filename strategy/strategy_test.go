package strategy_test

import (
	"encoding/json"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spillway-go/spillway/strategy"
)

func TestParseAndString(t *testing.T) {
	tests := []struct {
		give        string
		want        strategy.Strategy
		wantKind    strategy.Kind
		wantTimeout time.Duration
	}{
		{give: "drop", want: strategy.Drop, wantKind: strategy.KindDrop},
		{give: "block", want: strategy.Block, wantKind: strategy.KindBlock},
		{give: "block:50ms", want: strategy.BlockFor(50 * time.Millisecond), wantKind: strategy.KindBlockFor, wantTimeout: 50 * time.Millisecond},
		{give: "block:1.5s", want: strategy.BlockFor(1500 * time.Millisecond), wantKind: strategy.KindBlockFor, wantTimeout: 1500 * time.Millisecond},
		{give: "block:1ns", want: strategy.BlockFor(time.Nanosecond), wantKind: strategy.KindBlockFor, wantTimeout: time.Nanosecond},
		{give: "fallback", want: strategy.Fallback, wantKind: strategy.KindFallback},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := strategy.Parse(tt.give)
			if err != nil {
				t.Fatalf("Parse(%q) = %v; want %v", tt.give, err, tt.want)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %v; want %v", tt.give, got, tt.want)
			}
			if got.Kind() != tt.wantKind || got.Timeout() != tt.wantTimeout {
				t.Errorf("Parse(%q) = kind %v timeout %v; want kind %v timeout %v",
					tt.give, got.Kind(), got.Timeout(), tt.wantKind, tt.wantTimeout)
			}
			if s := got.String(); s != tt.give {
				t.Errorf("Parse(%q).String() = %q; want %q", tt.give, s, tt.give)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Parse(%q).Validate() = %v; want nil", tt.give, err)
			}
		})
	}
}

// TestStringNormalizes: String writes a duration the way time.Duration
// does, which Parse reads back to the same strategy.
func TestStringNormalizes(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "block:1500ms", want: "block:1.5s"},
		{give: "block:90s", want: "block:1m30s"},
		{give: "block:1h", want: "block:1h0m0s"},
		{give: "block:+5ms", want: "block:5ms"},
		{give: "block:1000us", want: "block:1ms"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			s, err := strategy.Parse(tt.give)
			if err != nil {
				t.Fatalf("Parse(%q) = %v; want nil error", tt.give, err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q; want %q", tt.give, got, tt.want)
			}
			back, err := strategy.Parse(s.String())
			if err != nil || back != s {
				t.Errorf("Parse(%q) = %v, %v; want %v", s.String(), back, err, s)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "", want: `strategy: parse "": want drop, block, block:DURATION or fallback`},
		{give: "Block", want: `strategy: parse "Block": want drop, block, block:DURATION or fallback`},
		{give: "DROP", want: `strategy: parse "DROP": want drop, block, block:DURATION or fallback`},
		{give: " drop", want: `strategy: parse " drop": want drop, block, block:DURATION or fallback`},
		{give: "drop ", want: `strategy: parse "drop ": want drop, block, block:DURATION or fallback`},
		{give: "block_for", want: `strategy: parse "block_for": want drop, block, block:DURATION or fallback`},
		{give: "block:", want: `strategy: parse "block:": bad duration "": want drop, block, block:DURATION or fallback`},
		{give: "block:abc", want: `strategy: parse "block:abc": bad duration "abc": want drop, block, block:DURATION or fallback`},
		{give: "block:50", want: `strategy: parse "block:50": bad duration "50": want drop, block, block:DURATION or fallback`},
		{give: "block: 50ms", want: `strategy: parse "block: 50ms": bad duration " 50ms": want drop, block, block:DURATION or fallback`},
		{give: "block:-1s", want: `strategy: parse "block:-1s": duration -1s is not positive`},
		{give: "block:0s", want: `strategy: parse "block:0s": duration 0s is not positive`},
		{give: "block:0", want: `strategy: parse "block:0": duration 0s is not positive`},
		{give: "fallback:stderr", want: `strategy: parse "fallback:stderr": want drop, block, block:DURATION or fallback`},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := strategy.Parse(tt.give)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, nil; want error %q", tt.give, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error = %q; want %q", tt.give, err, tt.want)
			}
			if got != (strategy.Strategy{}) {
				t.Errorf("Parse(%q) = %v with its error; want the zero Strategy", tt.give, got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		give strategy.Strategy
		want string // "" for valid
	}{
		{name: "zero", give: strategy.Strategy{}},
		{name: "drop", give: strategy.Drop},
		{name: "block", give: strategy.Block},
		{name: "fallback", give: strategy.Fallback},
		{name: "block for", give: strategy.BlockFor(time.Second)},
		{name: "block for zero", give: strategy.BlockFor(0), want: "strategy: block duration 0s is not positive"},
		{name: "block for negative", give: strategy.BlockFor(-time.Millisecond), want: "strategy: block duration -1ms is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%v.Validate() = %v; want nil", tt.give, err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("%v.Validate() = %v; want %q", tt.give, err, tt.want)
			}
		})
	}
}

func TestZeroIsDrop(t *testing.T) {
	var s strategy.Strategy
	if s != strategy.Drop {
		t.Errorf("zero Strategy = %v; want %v", s, strategy.Drop)
	}
	if s.Kind() != strategy.KindDrop || s.Timeout() != 0 {
		t.Errorf("zero Strategy = kind %v timeout %v; want kind %v timeout 0", s.Kind(), s.Timeout(), strategy.KindDrop)
	}
}

func TestComparable(t *testing.T) {
	tests := []struct {
		name string
		a, b strategy.Strategy
		want bool
	}{
		{name: "same var", a: strategy.Block, b: strategy.Block, want: true},
		{name: "different kinds", a: strategy.Drop, b: strategy.Block, want: false},
		{name: "same duration", a: strategy.BlockFor(50 * time.Millisecond), b: strategy.BlockFor(50 * time.Millisecond), want: true},
		{name: "different durations", a: strategy.BlockFor(50 * time.Millisecond), b: strategy.BlockFor(time.Second), want: false},
		{name: "block is not block for", a: strategy.Block, b: strategy.BlockFor(time.Second), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a == tt.b; got != tt.want {
				t.Errorf("%v == %v is %v; want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}

	// Strategies work as map keys.
	seen := map[strategy.Strategy]string{}
	for _, text := range []string{"drop", "block", "block:1s", "fallback", "block:1000ms"} {
		s, err := strategy.Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", text, err)
		}
		if prev, ok := seen[s]; ok {
			if text != "block:1000ms" || prev != "block:1s" {
				t.Errorf("Parse(%q) == Parse(%q); want different strategies", text, prev)
			}
			continue
		}
		seen[s] = text
	}
	if len(seen) != 4 {
		t.Errorf("%d distinct strategies among 5 texts naming 4; want 4", len(seen))
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		give strategy.Kind
		want string
	}{
		{give: strategy.KindDrop, want: "drop"},
		{give: strategy.KindBlock, want: "block"},
		{give: strategy.KindBlockFor, want: "block_for"},
		{give: strategy.KindFallback, want: "fallback"},
		{give: strategy.Kind(9), want: "Kind(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.give.String(); got != tt.want {
				t.Errorf("Kind(%d).String() = %q; want %q", uint8(tt.give), got, tt.want)
			}
		})
	}
}

func TestMarshalText(t *testing.T) {
	tests := []struct {
		give    strategy.Strategy
		want    string
		wantErr string
	}{
		{give: strategy.Drop, want: "drop"},
		{give: strategy.Block, want: "block"},
		{give: strategy.BlockFor(250 * time.Millisecond), want: "block:250ms"},
		{give: strategy.Fallback, want: "fallback"},
		{give: strategy.BlockFor(0), wantErr: "strategy: block duration 0s is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.give.String(), func(t *testing.T) {
			b, err := tt.give.MarshalText()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("MarshalText() = %q, %v; want error %q", b, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(b) != tt.want {
				t.Fatalf("MarshalText() = %q, %v; want %q, nil", b, err, tt.want)
			}
			var back strategy.Strategy
			if err := back.UnmarshalText(b); err != nil || back != tt.give {
				t.Errorf("UnmarshalText(%q) = %v, giving %v; want nil, giving %v", b, err, back, tt.give)
			}
		})
	}
}

func TestUnmarshalTextError(t *testing.T) {
	s := strategy.Block
	err := s.UnmarshalText([]byte("sometimes"))
	const want = `strategy: parse "sometimes": want drop, block, block:DURATION or fallback`
	if err == nil || err.Error() != want {
		t.Fatalf("UnmarshalText(%q) = %v; want %q", "sometimes", err, want)
	}
	if s != strategy.Block {
		t.Errorf("after a failed UnmarshalText, strategy = %v; want it unchanged, %v", s, strategy.Block)
	}
}

// TestJSON: as a TextMarshaler, a Strategy is a JSON string in a config.
func TestJSON(t *testing.T) {
	type config struct {
		Overflow strategy.Strategy `json:"overflow"`
	}
	b, err := json.Marshal(config{Overflow: strategy.BlockFor(time.Second)})
	if err != nil {
		t.Fatalf("json.Marshal = %v", err)
	}
	if got, want := string(b), `{"overflow":"block:1s"}`; got != want {
		t.Errorf("json.Marshal = %s; want %s", got, want)
	}
	var c config
	if err := json.Unmarshal([]byte(`{"overflow":"fallback"}`), &c); err != nil {
		t.Fatalf("json.Unmarshal = %v", err)
	}
	if c.Overflow != strategy.Fallback {
		t.Errorf("json.Unmarshal gave %v; want %v", c.Overflow, strategy.Fallback)
	}
}

func TestFlagTextVar(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    strategy.Strategy
		wantErr string // a substring of flag's error
	}{
		{name: "default", args: nil, want: strategy.Drop},
		{name: "block", args: []string{"-overflow=block"}, want: strategy.Block},
		{name: "block for", args: []string{"-overflow", "block:50ms"}, want: strategy.BlockFor(50 * time.Millisecond)},
		{name: "fallback", args: []string{"-overflow=fallback"}, want: strategy.Fallback},
		{name: "bad", args: []string{"-overflow=Block"}, wantErr: `invalid value "Block" for flag -overflow: strategy: parse "Block"`},
		{name: "bad duration", args: []string{"-overflow=block:0s"}, wantErr: `duration 0s is not positive`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var s strategy.Strategy
			fs.TextVar(&s, "overflow", strategy.Drop, "what a full queue does")
			err := fs.Parse(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) = %v; want an error containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v; want nil", tt.args, err)
			}
			if s != tt.want {
				t.Errorf("after Parse(%q), strategy = %v; want %v", tt.args, s, tt.want)
			}
			if got := fs.Lookup("overflow").Value.String(); got != tt.want.String() {
				t.Errorf("flag value String() = %q; want %q", got, tt.want.String())
			}
		})
	}
}
