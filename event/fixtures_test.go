package event_test

import (
	"math/rand/v2"
	"strings"

	"github.com/spillway-go/spillway/event"
)

// fixedTS is the timestamp of the fixture events, so their wire form is
// stable.
const fixedTS = "2026-05-29T00:00:00+00:00"

// typicalLine is the wire form of typicalEvent: the example line of
// DESIGN.md.
const typicalLine = `{"ts":"2026-05-29T00:00:00+00:00","call_id":"01J000000000000000000000TEST","tool_id":"ref:echo.say","caller_id":"test-client","granted_capabilities":["read","write"],"duration_ms":17,"outcome":{"kind":"success"},"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false}`

// typicalEvent returns the event most tool calls produce: a success with a
// caller and two capabilities.
func typicalEvent() event.CallEvent {
	return mkEvent(fixedTS, event.Success())
}

// mkEvent is the seed's mk_event: an event with the given timestamp and
// outcome, a caller ID and two granted capabilities.
func mkEvent(ts string, o event.Outcome) event.CallEvent {
	return event.New(ts, "01J000000000000000000000TEST", "ref:echo.say", 17, o, "warm").
		WithCallerID("test-client").
		WithGrantedCapabilities([]string{"read", "write"})
}

// fatEvent returns an event with every optional field, a long failure
// message that needs escaping, many capabilities and their provenance.
func fatEvent() event.CallEvent {
	caps := []string{
		"records:read", "records:write", "records:delete", "fs:read", "fs:write",
		"net:http", "net:dns", "exec:sandbox", "kv:get", "kv:put", "audit:read", "admin:none",
	}
	prov := make([]event.CapProvenance, len(caps))
	for i, c := range caps {
		src := event.StringAllowList()
		if i%2 == 1 {
			src = event.UCANChain("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", uint8(i%4))
		}
		prov[i] = event.CapProvenance{Cap: c, Source: src}
	}
	msg := strings.Repeat(`argument "path" must be a relative path inside the workspace, got "/etc/passwd"; `, 4) +
		"see\tdocs\n"
	return event.New(fixedTS, "01J9ZXQ4V6T3N8K2M5R7W1Y0AB", "ref:fs.read_file", 1234, event.InvalidArgs(msg), "cold").
		WithCallerID("agent-federation-orchestrator/7").
		WithGrantedCapabilities(caps).
		WithDryRun(true).
		WithSecretsResolved(true).
		WithCursorPage(3).
		WithCapabilityProvenance(prov)
}

// randomString returns a short string mixing plain ASCII, characters that
// need escaping, HTML characters, multi-byte UTF-8 and invalid bytes.
func randomString(r *rand.Rand) string {
	pieces := []string{
		"a", "read", "ref:echo.say", " ", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f",
		"<", ">", "&", "\u2028", "\u2029", "é", "世", "🦀", "\ufffd", "\ufeff",
		"\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	}
	var b strings.Builder
	for n := r.IntN(8); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomStrings(r *rand.Rand) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	ss := make([]string, r.IntN(5))
	for i := range ss {
		ss[i] = randomString(r)
	}
	return ss
}

// randomEvent returns an event with every field drawn at random, each
// optional field absent, present but empty, or present.
func randomEvent(r *rand.Rand) event.CallEvent {
	var o event.Outcome
	switch r.IntN(6) {
	case 0:
		o = event.Success()
	case 1:
		o = event.ExecutionFailed(randomString(r), r.IntN(2) == 0)
	case 2:
		o = event.InvalidArgs(randomString(r))
	case 3:
		o = event.CapabilityDenied(randomStrings(r))
	case 4:
		o = event.RateLimited(r.Uint64()>>r.IntN(64), r.IntN(2) == 0)
	case 5:
		o = event.ToolNotFound()
	}
	e := event.New(randomString(r), randomString(r), randomString(r), r.Uint64()>>r.IntN(64), o, randomString(r)).
		WithGrantedCapabilities(randomStrings(r)).
		WithDryRun(r.IntN(2) == 0).
		WithSecretsResolved(r.IntN(2) == 0).
		WithSchemaVersion(r.Uint32() >> r.IntN(32))
	if r.IntN(2) == 0 {
		e = e.WithCallerID(randomString(r))
	}
	if r.IntN(2) == 0 {
		e = e.WithCursorPage(r.Uint32() >> r.IntN(32))
	}
	switch r.IntN(3) {
	case 1:
		e = e.WithCapabilityProvenance([]event.CapProvenance{})
	case 2:
		prov := make([]event.CapProvenance, 1+r.IntN(3))
		for i := range prov {
			prov[i].Cap = randomString(r)
			if r.IntN(2) == 0 {
				prov[i].Source = event.UCANChain(randomString(r), uint8(r.UintN(256)))
			}
		}
		e = e.WithCapabilityProvenance(prov)
	}
	return e
}

// sanitize returns s with each byte of invalid UTF-8 replaced by U+FFFD,
// as the encoder writes it.
func sanitize(s string) string { return string([]rune(s)) }

func sanitizeAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = sanitize(s)
	}
	return out
}

// sanitizeEvent returns e with every string sanitized: the event that
// decoding e's wire form gives.
func sanitizeEvent(e event.CallEvent) event.CallEvent {
	o := e.Outcome()
	switch o.Kind() {
	case event.OutcomeExecutionFailed:
		o = event.ExecutionFailed(sanitize(o.Code()), o.Retryable())
	case event.OutcomeInvalidArgs:
		o = event.InvalidArgs(sanitize(o.Message()))
	case event.OutcomeCapabilityDenied:
		o = event.CapabilityDenied(sanitizeAll(o.Missing()))
	}
	out := e.WithTS(sanitize(e.TS())).
		WithCallID(sanitize(e.CallID())).
		WithToolID(sanitize(e.ToolID())).
		WithGrantedCapabilities(sanitizeAll(e.GrantedCapabilities())).
		WithOutcome(o).
		WithTier(sanitize(e.Tier()))
	if id, ok := e.CallerID(); ok {
		out = out.WithCallerID(sanitize(id))
	}
	if p := e.CapabilityProvenance(); p != nil {
		q := make([]event.CapProvenance, len(p))
		for i, c := range p {
			q[i] = event.CapProvenance{Cap: sanitize(c.Cap), Source: c.Source}
			if c.Source.Kind() == event.SourceUCANChain {
				q[i].Source = event.UCANChain(sanitize(c.Source.IssuerDID()), c.Source.ChainDepth())
			}
		}
		out = out.WithCapabilityProvenance(q)
	}
	return out
}
