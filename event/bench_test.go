package event_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/spillway-go/spillway/event"
)

var benchEvents = []struct {
	name string
	make func() event.CallEvent
}{
	{"typical", typicalEvent},
	{"fat", fatEvent},
}

// BenchmarkAppendJSON is the JSON-lines sink's encoding path: the hand
// encoder appending into a reused buffer.
func BenchmarkAppendJSON(b *testing.B) {
	for _, bb := range benchEvents {
		b.Run(bb.name, func(b *testing.B) {
			e := bb.make()
			buf := make([]byte, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				buf = e.AppendJSON(buf[:0])
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkMarshalJSON is what encoding/json users pay: json.Marshal, which
// calls MarshalJSON and then validates and re-escapes its output.
func BenchmarkMarshalJSON(b *testing.B) {
	for _, bb := range benchEvents {
		b.Run(bb.name, func(b *testing.B) {
			e := bb.make()
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if out, err = json.Marshal(e); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(out)))
		})
	}
}

// BenchmarkEncodingJSONStruct is the baseline the hand encoder replaces:
// encoding/json.Marshal of a plain tagged struct with the same fields (what
// a straight port of the seed would write).
func BenchmarkEncodingJSONStruct(b *testing.B) {
	for _, bb := range benchEvents {
		b.Run(bb.name, func(b *testing.B) {
			v := plainOf(bb.make())
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if out, err = json.Marshal(&v); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(out)))
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bb := range benchEvents {
		b.Run(bb.name, func(b *testing.B) {
			e := bb.make()
			line := e.AppendJSON(nil)
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if _, err := event.Parse(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendTime(b *testing.B) {
	tm := time.Date(2026, 5, 29, 1, 2, 3, 456789000, time.UTC)
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = event.AppendTime(buf[:0], tm)
	}
}

// plainEvent mirrors the wire format with encoding/json struct tags.
type plainEvent struct {
	TS                   string          `json:"ts"`
	CallID               string          `json:"call_id"`
	ToolID               string          `json:"tool_id"`
	CallerID             *string         `json:"caller_id,omitempty"`
	GrantedCapabilities  []string        `json:"granted_capabilities"`
	DurationMS           uint64          `json:"duration_ms"`
	Outcome              plainOutcome    `json:"outcome"`
	Tier                 string          `json:"tier"`
	DryRun               bool            `json:"dry_run"`
	SchemaVersion        uint32          `json:"schema_version"`
	SecretsResolved      bool            `json:"secrets_resolved"`
	CursorPage           *uint32         `json:"cursor_page,omitempty"`
	CapabilityProvenance []plainProvence `json:"capability_provenance,omitempty"`
}

type plainOutcome struct {
	Kind    string   `json:"kind"`
	Code    string   `json:"code,omitempty"`
	Message string   `json:"message,omitempty"`
	Missing []string `json:"missing,omitempty"`
}

type plainProvence struct {
	Cap    string      `json:"cap"`
	Source plainSource `json:"source"`
}

type plainSource struct {
	Kind       string `json:"kind"`
	IssuerDID  string `json:"issuer_did,omitempty"`
	ChainDepth uint8  `json:"chain_depth,omitempty"`
}

func plainOf(e event.CallEvent) plainEvent {
	v := plainEvent{
		TS: e.TS(), CallID: e.CallID(), ToolID: e.ToolID(), GrantedCapabilities: e.GrantedCapabilities(),
		DurationMS: e.DurationMS(), Tier: e.Tier(), DryRun: e.DryRun(), SchemaVersion: e.SchemaVersion(),
		SecretsResolved: e.SecretsResolved(),
		Outcome: plainOutcome{Kind: e.Outcome().Kind().String(), Code: e.Outcome().Code(),
			Message: e.Outcome().Message(), Missing: e.Outcome().Missing()},
	}
	if id, ok := e.CallerID(); ok {
		v.CallerID = &id
	}
	if p, ok := e.CursorPage(); ok {
		v.CursorPage = &p
	}
	for _, p := range e.CapabilityProvenance() {
		v.CapabilityProvenance = append(v.CapabilityProvenance, plainProvence{p.Cap,
			plainSource{p.Source.Kind().String(), p.Source.IssuerDID(), p.Source.ChainDepth()}})
	}
	return v
}
