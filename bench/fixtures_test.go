package bench_test

import (
	"strings"

	"github.com/spillway-go/spillway/event"
)

// The fixtures every benchmark of this package uses, defined once. They
// are the same events as bench/peers' fixtures.

const fixedTS = "2026-05-29T00:00:00+00:00"

// typicalEvent returns the event most tool calls produce: a success with a
// caller and two capabilities, DESIGN.md's example line (about 300 bytes).
func typicalEvent() event.CallEvent {
	return event.New(fixedTS, "01J000000000000000000000TEST", "ref:echo.say", 17, event.Success(), "warm").
		WithCallerID("test-client").
		WithGrantedCapabilities([]string{"read", "write"})
}

var fatCaps = []string{
	"records:read", "records:write", "records:delete", "fs:read", "fs:write",
	"net:http", "net:dns", "exec:sandbox", "kv:get", "kv:put", "audit:read", "admin:none",
}

const fatDID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

var fatMessage = strings.Repeat(`argument "path" must be a relative path inside the workspace, got "/etc/passwd"; `, 4) +
	"see\tdocs\n"

// fatEvent returns an event with every optional field: provenance for
// each of twelve capabilities, half of them from a UCAN chain, and a long
// failure message that needs escaping (about 2 KB).
func fatEvent() event.CallEvent {
	prov := make([]event.CapProvenance, len(fatCaps))
	for i, c := range fatCaps {
		src := event.StringAllowList()
		if i%2 == 1 {
			src = event.UCANChain(fatDID, uint8(i%4))
		}
		prov[i] = event.CapProvenance{Cap: c, Source: src}
	}
	return event.New(fixedTS, "01J9ZXQ4V6T3N8K2M5R7W1Y0AB", "ref:fs.read_file", 1234, event.InvalidArgs(fatMessage), "cold").
		WithCallerID("agent-federation-orchestrator/7").
		WithGrantedCapabilities(fatCaps).
		WithDryRun(true).
		WithSecretsResolved(true).
		WithCursorPage(3).
		WithCapabilityProvenance(prov)
}

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

// seedTypical returns typicalEvent as a seedEvent.
func seedTypical() seedEvent {
	caller := "test-client"
	return seedEvent{
		TS: fixedTS, CallID: "01J000000000000000000000TEST", ToolID: "ref:echo.say",
		CallerID: &caller, GrantedCapabilities: []string{"read", "write"}, DurationMS: 17,
		Outcome: seedOutcome{Kind: "success"}, Tier: "warm", SchemaVersion: 3,
	}
}

// seedFat returns fatEvent as a seedEvent.
func seedFat() seedEvent {
	caller := "agent-federation-orchestrator/7"
	page := uint32(3)
	prov := make([]seedProvenance, len(fatCaps))
	for i, c := range fatCaps {
		src := seedSource{Kind: "string_allow_list"}
		if i%2 == 1 {
			src = seedSource{Kind: "ucan_chain", IssuerDID: fatDID, ChainDepth: uint8(i % 4)}
		}
		prov[i] = seedProvenance{Cap: c, Source: src}
	}
	return seedEvent{
		TS: fixedTS, CallID: "01J9ZXQ4V6T3N8K2M5R7W1Y0AB", ToolID: "ref:fs.read_file",
		CallerID: &caller, GrantedCapabilities: fatCaps, DurationMS: 1234,
		Outcome: seedOutcome{Kind: "invalid_args", Message: fatMessage}, Tier: "cold",
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
		{"typical", typicalEvent(), seedTypical()},
		{"fat", fatEvent(), seedFat()},
	}
}
