// Package jsonenc encodes one value as one line of JSON, the way every
// spillway sink that writes JSON does: through the value's own AppendJSON
// method when it has one, else through encoding/json without HTML escaping.
package jsonenc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// An Appender appends its JSON encoding to dst, as event.CallEvent does.
// Its output must be one valid JSON value with no newline.
type Appender interface {
	AppendJSON(dst []byte) []byte
}

// Append appends the JSON encoding of *v to dst, without a trailing newline.
// A T whose pointer implements [Appender] (T = event.CallEvent), or a
// pointer T that implements it (T = *event.CallEvent), is encoded by it,
// with no allocation; a nil pointer of that kind is an error. Any other T
// goes through encoding/json, HTML characters left as they are
// (encoding/json still escapes U+2028 and U+2029). On error dst is returned
// unchanged, so a value that fails to encode never leaves half a line
// behind.
func Append[T any](dst []byte, v *T) ([]byte, error) {
	if a, ok := any(v).(Appender); ok {
		return a.AppendJSON(dst), nil
	}
	if a, ok := any(*v).(Appender); ok {
		// T is itself an Appender: a pointer type, typically, which boxes
		// without allocating.
		if rv := reflect.ValueOf(a); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return dst, fmt.Errorf("encode %T: nil pointer", *v)
		}
		return a.AppendJSON(dst), nil
	}
	return appendStd(dst, v)
}

func appendStd(dst []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, fmt.Errorf("encode %T: %w", v, err)
	}
	out := buf.Bytes()
	// Encode ends the value with a newline; the caller adds its own.
	return out[:len(out)-1], nil
}
