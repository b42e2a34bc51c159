package bench_test

import (
	"github.com/spillway-go/spillway/bench/internal/events"
	"github.com/spillway-go/spillway/event"
)

// The fixtures every benchmark of this package uses: the events of
// bench/internal/events, which bench/peers sends too, and the same events
// as the seed's struct.

// seedEvent is the seed's CallEvent ported as is: a struct with exported
// fields and json tags, encoded by reflection, as serde derives it in the
// Rust reference. Its encoding/json output is the wire format for the
// fixtures (TestSeedEventWireFormat checks it).
type seedEvent struct {
	TS                   string           `json:"ts"`
	CallID               string           `json:"call_id"`
	ToolID               string           `json:"tool_id"`
	CallerID             *string          `json:"caller_id,omitempty"`
	GrantedCapabilities  []string         `json:"granted_capabilities"`
	DurationMS           uint64           `json:"duration_ms"`
	Outcome              seedOutcome      `json:"outcome"`
	Tier                 string           `json:"tier"`
	DryRun               bool             `json:"dry_run"`
	SchemaVersion        uint32           `json:"schema_version"`
	SecretsResolved      bool             `json:"secrets_resolved"`
	CursorPage           *uint32          `json:"cursor_page,omitempty"`
	CapabilityProvenance []seedProvenance `json:"capability_provenance,omitempty"`
}

// seedOutcome is the seed's tagged Outcome enum, as a naive port writes it.
type seedOutcome struct {
	Kind    string `json:"kind"`
	Message string `json:"message,omitempty"`
}

type seedProvenance struct {
	Cap    string     `json:"cap"`
	Source seedSource `json:"source"`
}

type seedSource struct {
	Kind       string `json:"kind"`
	IssuerDID  string `json:"issuer_did,omitempty"`
	ChainDepth uint8  `json:"chain_depth,omitempty"`
}

// seedTypical returns events.Typical as a seedEvent.
func seedTypical() seedEvent {
	caller := "test-client"
	return seedEvent{
		TS: events.TS, CallID: "01J000000000000000000000TEST", ToolID: "ref:echo.say",
		CallerID: &caller, GrantedCapabilities: []string{"read", "write"}, DurationMS: 17,
		Outcome: seedOutcome{Kind: "success"}, Tier: "warm", SchemaVersion: 3,
	}
}

// seedFat returns events.Fat as a seedEvent.
func seedFat() seedEvent {
	caller := "agent-federation-orchestrator/7"
	page := uint32(3)
	prov := make([]seedProvenance, len(events.FatCaps))
	for i, c := range events.FatCaps {
		src := seedSource{Kind: "string_allow_list"}
		if i%2 == 1 {
			src = seedSource{Kind: "ucan_chain", IssuerDID: events.FatDID, ChainDepth: uint8(i % 4)}
		}
		prov[i] = seedProvenance{Cap: c, Source: src}
	}
	return seedEvent{
		TS: events.TS, CallID: "01J9ZXQ4V6T3N8K2M5R7W1Y0AB", ToolID: "ref:fs.read_file",
		CallerID: &caller, GrantedCapabilities: events.FatCaps, DurationMS: 1234,
		Outcome: seedOutcome{Kind: "invalid_args", Message: events.FatMessage}, Tier: "cold",
		DryRun: true, SchemaVersion: 3, SecretsResolved: true, CursorPage: &page,
		CapabilityProvenance: prov,
	}
}

// fixture is one event in both forms, for benchmarks run over each.
type fixture struct {
	name string
	ev   event.CallEvent
	seed seedEvent
}

func fixtures() []fixture {
	return []fixture{
		{"typical", events.Typical(), seedTypical()},
		{"fat", events.Fat(), seedFat()},
	}
}
