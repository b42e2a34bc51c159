package bench_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// BenchmarkEncode compares the encoders of one event: enc=append_json is
// CallEvent.AppendJSON into a reused buffer (what the jsonl writer does),
// enc=encoding_json is json.Marshal of the seed's struct (what the naive
// port does), enc=json_marshal_method is json.Marshal of a CallEvent,
// which calls its MarshalJSON and then validates and re-escapes the bytes.
func BenchmarkEncode(b *testing.B) {
	for _, fx := range fixtures() {
		b.Run("event="+fx.name, func(b *testing.B) {
			size := int64(len(fx.ev.AppendJSON(nil)))
			b.Run("enc=append_json", func(b *testing.B) {
				buf := make([]byte, 0, 4096)
				b.SetBytes(size)
				b.ReportAllocs()
				for b.Loop() {
					buf = fx.ev.AppendJSON(buf[:0])
				}
			})
			b.Run("enc=encoding_json", func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := json.Marshal(&fx.seed); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("enc=json_marshal_method", func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := json.Marshal(fx.ev); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestSeedEventWireFormat checks that the baseline writes the same bytes
// as spillway for each fixture, so that the two are compared on equal
// work.
func TestSeedEventWireFormat(t *testing.T) {
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			got, err := json.Marshal(fx.seed)
			if err != nil {
				t.Fatalf("json.Marshal(seed) = %v", err)
			}
			want := fx.ev.AppendJSON(nil)
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("seed encoding mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
