package peers_test

import (
	"strings"

	"github.com/spillway-go/spillway/event"
)

// The fixtures every benchmark of this package uses, defined once. They
// are the same events as package bench's fixtures.

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

// fixture is one event in both forms, for benchmarks run over each.
type fixture struct {
	name string
	ev   event.CallEvent
}

func fixtures() []fixture {
	return []fixture{
		{"typical", typicalEvent()},
		{"fat", fatEvent()},
	}
}
