// Package events holds the events that the benchmarks of package bench and
// of the bench/peers module send, defined once, so that the two compare
// equal work.
package events

import (
	"strings"

	"github.com/spillway-go/spillway/event"
)

// TS is the timestamp of every fixture.
const TS = "2026-05-29T00:00:00+00:00"

// Typical returns the event most tool calls produce: a success with a
// caller and two capabilities, DESIGN.md's example line (about 300 bytes).
func Typical() event.CallEvent {
	return event.New(TS, "01J000000000000000000000TEST", "ref:echo.say", 17, event.Success(), "warm").
		WithCallerID("test-client").
		WithGrantedCapabilities([]string{"read", "write"})
}

// FatCaps are the capabilities of Fat. They are shared: do not modify them.
var FatCaps = []string{
	"records:read", "records:write", "records:delete", "fs:read", "fs:write",
	"net:http", "net:dns", "exec:sandbox", "kv:get", "kv:put", "audit:read", "admin:none",
}

// FatDID is the issuer of Fat's UCAN chains.
const FatDID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

// FatMessage is Fat's failure message, which needs escaping.
var FatMessage = strings.Repeat(`argument "path" must be a relative path inside the workspace, got "/etc/passwd"; `, 4) +
	"see\tdocs\n"

// Fat returns an event with every optional field: provenance for each of
// twelve capabilities, half of them from a UCAN chain, and a long failure
// message that needs escaping (about 2 KB).
func Fat() event.CallEvent {
	prov := make([]event.CapProvenance, len(FatCaps))
	for i, c := range FatCaps {
		src := event.StringAllowList()
		if i%2 == 1 {
			src = event.UCANChain(FatDID, uint8(i%4))
		}
		prov[i] = event.CapProvenance{Cap: c, Source: src}
	}
	return event.New(TS, "01J9ZXQ4V6T3N8K2M5R7W1Y0AB", "ref:fs.read_file", 1234, event.InvalidArgs(FatMessage), "cold").
		WithCallerID("agent-federation-orchestrator/7").
		WithGrantedCapabilities(FatCaps).
		WithDryRun(true).
		WithSecretsResolved(true).
		WithCursorPage(3).
		WithCapabilityProvenance(prov)
}
