package jsonenc_test

import (
	"math"
	"testing"

	"github.com/spillway-go/spillway/internal/jsonenc"
)

type fast struct{}

func (f *fast) AppendJSON(dst []byte) []byte { return append(dst, `{"fast":true}`...) }

type plain struct {
	Text string  `json:"text"`
	F    float64 `json:"f,omitempty"`
}

func TestAppend(t *testing.T) {
	t.Run("appender", func(t *testing.T) {
		got, err := jsonenc.Append([]byte("x"), &fast{})
		if err != nil || string(got) != `x{"fast":true}` {
			t.Errorf("Append(fast) = %q, %v; want %q, nil", got, err, `x{"fast":true}`)
		}
	})
	t.Run("pointer appender", func(t *testing.T) {
		v := &fast{}
		got, err := jsonenc.Append(nil, &v)
		if err != nil || string(got) != `{"fast":true}` {
			t.Errorf("Append(*fast) = %q, %v; want %q, nil", got, err, `{"fast":true}`)
		}
	})
	t.Run("nil pointer appender", func(t *testing.T) {
		var v *fast
		got, err := jsonenc.Append([]byte("x"), &v)
		if err == nil || string(got) != "x" {
			t.Errorf("Append(nil *fast) = %q, %v; want %q and an error", got, err, "x")
		}
	})
	t.Run("encoding/json without HTML escaping or newline", func(t *testing.T) {
		got, err := jsonenc.Append(nil, &plain{Text: "<a&b>\u2028"})
		// encoding/json escapes U+2028 whatever SetEscapeHTML says.
		want := `{"text":"<a&b>\u2028"}`
		if err != nil || string(got) != want {
			t.Errorf("Append(plain) = %q, %v; want %q, nil", got, err, want)
		}
	})
	t.Run("error leaves dst unchanged", func(t *testing.T) {
		dst := []byte("line1\n")
		got, err := jsonenc.Append(dst, &plain{F: math.NaN()})
		if err == nil || string(got) != "line1\n" {
			t.Errorf("Append(NaN) = %q, %v; want %q and an error", got, err, "line1\n")
		}
	})
}
