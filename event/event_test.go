package event_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
)

// roundTripValue encodes e and decodes it with encoding/json into a
// generic value, as the seed's tests do with serde_json::Value.
func roundTripValue(t *testing.T, e event.CallEvent) map[string]any {
	t.Helper()
	var j map[string]any
	if err := json.Unmarshal(e.AppendJSON(nil), &j); err != nil {
		t.Fatalf("json.Unmarshal(AppendJSON()) error = %v", err)
	}
	return j
}

// Port of callevent_builder_defaults_then_setters.
func TestCallEventBuilderDefaultsThenSetters(t *testing.T) {
	e := event.New(event.Now(), "cid", "tool:x", 5, event.Success(), "warm")
	if got := e.ToolID(); got != "tool:x" {
		t.Errorf("ToolID() = %q; want %q", got, "tool:x")
	}
	if got := e.DurationMS(); got != 5 {
		t.Errorf("DurationMS() = %d; want 5", got)
	}
	if got := e.SchemaVersion(); got != event.SchemaVersion {
		t.Errorf("SchemaVersion() = %d; want %d", got, event.SchemaVersion)
	}
	if id, ok := e.CallerID(); ok {
		t.Errorf("CallerID() = %q, true; want absent", id)
	}
	if got := e.GrantedCapabilities(); len(got) != 0 {
		t.Errorf("GrantedCapabilities() = %q; want empty", got)
	}
	if e.DryRun() {
		t.Error("DryRun() = true; want false")
	}
	if e.SecretsResolved() {
		t.Error("SecretsResolved() = true; want false")
	}
	if page, ok := e.CursorPage(); ok {
		t.Errorf("CursorPage() = %d, true; want absent", page)
	}
	if p := e.CapabilityProvenance(); p != nil {
		t.Errorf("CapabilityProvenance() = %v; want nil", p)
	}

	e2 := e.WithCallerID("agent-A").WithCursorPage(2).WithSecretsResolved(true)
	if id, ok := e2.CallerID(); id != "agent-A" || !ok {
		t.Errorf("CallerID() = %q, %v; want \"agent-A\", true", id, ok)
	}
	if page, ok := e2.CursorPage(); page != 2 || !ok {
		t.Errorf("CursorPage() = %d, %v; want 2, true", page, ok)
	}
	if !e2.SecretsResolved() {
		t.Error("SecretsResolved() = false; want true")
	}
	// The setters return copies: e is unchanged.
	if _, ok := e.CallerID(); ok {
		t.Error("WithCallerID changed its receiver")
	}
}

func TestCallEventAccessors(t *testing.T) {
	caps := []string{"a", "b"}
	prov := []event.CapProvenance{{Cap: "a", Source: event.UCANChain("did:key:z", 2)}}
	e := event.New("ts", "call", "tool", 42, event.InvalidArgs("m"), "tier").
		WithCallerID("caller").
		WithGrantedCapabilities(caps).
		WithDryRun(true).
		WithSecretsResolved(true).
		WithCursorPage(9).
		WithCapabilityProvenance(prov)
	type view struct {
		TS, CallID, ToolID, CallerID string
		HasCallerID                  bool
		Caps                         []string
		DurationMS                   uint64
		Outcome                      event.Outcome
		Tier                         string
		DryRun                       bool
		SchemaVersion                uint32
		SecretsResolved              bool
		CursorPage                   uint32
		HasCursorPage                bool
		Provenance                   []event.CapProvenance
	}
	read := func(e event.CallEvent) view {
		id, hasID := e.CallerID()
		page, hasPage := e.CursorPage()
		return view{e.TS(), e.CallID(), e.ToolID(), id, hasID, e.GrantedCapabilities(), e.DurationMS(), e.Outcome(),
			e.Tier(), e.DryRun(), e.SchemaVersion(), e.SecretsResolved(), page, hasPage, e.CapabilityProvenance()}
	}
	want := view{"ts", "call", "tool", "caller", true, caps, 42, event.InvalidArgs("m"),
		"tier", true, 3, true, 9, true, prov}
	if diff := cmp.Diff(want, read(e)); diff != "" {
		t.Errorf("accessors mismatch (-want +got):\n%s", diff)
	}

	e = e.WithTS("ts2").WithCallID("call2").WithToolID("tool2").WithDurationMS(7).
		WithOutcome(event.ToolNotFound()).WithTier("t2").WithDryRun(false).WithSchemaVersion(1).
		WithSecretsResolved(false).WithoutCallerID().WithoutCursorPage().WithCapabilityProvenance(nil).
		WithGrantedCapabilities(nil)
	want = view{TS: "ts2", CallID: "call2", ToolID: "tool2", DurationMS: 7, Outcome: event.ToolNotFound(),
		Tier: "t2", SchemaVersion: 1}
	if diff := cmp.Diff(want, read(e)); diff != "" {
		t.Errorf("after setters, accessors mismatch (-want +got):\n%s", diff)
	}
}

func TestCallEventEqual(t *testing.T) {
	base := typicalEvent()
	same := []struct {
		name string
		a, b event.CallEvent
	}{
		{name: "identical", a: base, b: typicalEvent()},
		{name: "nil and empty capabilities", a: base.WithGrantedCapabilities(nil), b: base.WithGrantedCapabilities([]string{})},
		{name: "nil and empty missing", a: base.WithOutcome(event.CapabilityDenied(nil)), b: base.WithOutcome(event.CapabilityDenied([]string{}))},
		{name: "rate limit delay ignored when unknown", a: base.WithOutcome(event.RateLimited(1, false)), b: base.WithOutcome(event.RateLimited(2, false))},
		{name: "zero values", a: event.CallEvent{}, b: event.CallEvent{}},
	}
	for _, tt := range same {
		if !tt.a.Equal(tt.b) || !tt.b.Equal(tt.a) {
			t.Errorf("%s: Equal = false; want true", tt.name)
		}
	}
	differ := []struct {
		name string
		b    event.CallEvent
	}{
		{name: "ts", b: base.WithTS("x")},
		{name: "call_id", b: base.WithCallID("x")},
		{name: "tool_id", b: base.WithToolID("x")},
		{name: "caller_id value", b: base.WithCallerID("x")},
		{name: "caller_id absent", b: base.WithoutCallerID()},
		{name: "caller_id empty vs absent", b: base.WithCallerID("")},
		{name: "capabilities", b: base.WithGrantedCapabilities([]string{"read"})},
		{name: "duration", b: base.WithDurationMS(18)},
		{name: "outcome kind", b: base.WithOutcome(event.ToolNotFound())},
		{name: "tier", b: base.WithTier("cold")},
		{name: "dry_run", b: base.WithDryRun(true)},
		{name: "schema_version", b: base.WithSchemaVersion(2)},
		{name: "secrets_resolved", b: base.WithSecretsResolved(true)},
		{name: "cursor_page zero vs absent", b: base.WithCursorPage(0)},
		{name: "provenance empty vs absent", b: base.WithCapabilityProvenance([]event.CapProvenance{})},
		{name: "provenance entry", b: base.WithCapabilityProvenance([]event.CapProvenance{{Cap: "read"}})},
	}
	for _, tt := range differ {
		if base.Equal(tt.b) || tt.b.Equal(base) {
			t.Errorf("%s: Equal = true; want false", tt.name)
		}
		if cmp.Equal(base, tt.b) {
			t.Errorf("%s: cmp.Equal = true; want false", tt.name)
		}
	}
	zeroAbsent := event.CallEvent{}.WithCursorPage(0)
	if zeroAbsent.Equal(event.CallEvent{}) {
		t.Error("cursor page 0 equals absent cursor page")
	}
	a := base.WithCapabilityProvenance([]event.CapProvenance{{Cap: "r", Source: event.UCANChain("d", 1)}})
	b := base.WithCapabilityProvenance([]event.CapProvenance{{Cap: "r", Source: event.UCANChain("d", 2)}})
	if a.Equal(b) {
		t.Error("provenance with different chain depths is Equal")
	}
}

// TestCallEventSize keeps the event small enough to pass by value cheaply
// (PERF-NOTES: the pipeline moves CallEvent by value).
func TestCallEventSize(t *testing.T) {
	if size := unsafe.Sizeof(event.CallEvent{}); size > 240 {
		t.Errorf("unsafe.Sizeof(CallEvent{}) = %d; want at most 240", size)
	}
}

// Port of success_event_serializes.
func TestSuccessEventSerializes(t *testing.T) {
	j := roundTripValue(t, mkEvent(event.Now(), event.Success()))
	want := map[string]any{"tool_id": "ref:echo.say", "schema_version": 3.0, "dry_run": false}
	for k, v := range want {
		if j[k] != v {
			t.Errorf("%s = %v; want %v", k, j[k], v)
		}
	}
	if kind := j["outcome"].(map[string]any)["kind"]; kind != "success" {
		t.Errorf("outcome.kind = %v; want success", kind)
	}
}

// Port of capability_denied_outcome_tagged_correctly.
func TestCapabilityDeniedOutcomeTaggedCorrectly(t *testing.T) {
	j := roundTripValue(t, mkEvent(event.Now(), event.CapabilityDenied([]string{"conformance.denied"})))
	o := j["outcome"].(map[string]any)
	if o["kind"] != "capability_denied" {
		t.Errorf("outcome.kind = %v; want capability_denied", o["kind"])
	}
	if diff := cmp.Diff([]any{"conformance.denied"}, o["missing"]); diff != "" {
		t.Errorf("outcome.missing mismatch (-want +got):\n%s", diff)
	}
}

// Port of execution_failed_carries_code_and_retryable.
func TestExecutionFailedCarriesCodeAndRetryable(t *testing.T) {
	j := roundTripValue(t, mkEvent(event.Now(), event.ExecutionFailed("FS_NOT_FOUND", false)))
	want := map[string]any{"kind": "execution_failed", "code": "FS_NOT_FOUND", "retryable": false}
	if diff := cmp.Diff(want, j["outcome"]); diff != "" {
		t.Errorf("outcome mismatch (-want +got):\n%s", diff)
	}
}

// Port of rate_limited_outcome_with_null_retry_after.
func TestRateLimitedOutcomeWithNullRetryAfter(t *testing.T) {
	e := mkEvent(event.Now(), event.RateLimited(0, false))
	j := roundTripValue(t, e)
	o := j["outcome"].(map[string]any)
	if o["kind"] != "rate_limited" {
		t.Errorf("outcome.kind = %v; want rate_limited", o["kind"])
	}
	v, present := o["retry_after_ms"]
	if !present || v != nil {
		t.Errorf("outcome.retry_after_ms = %v (present %v); want null", v, present)
	}
	if !strings.Contains(e.String(), `"retry_after_ms":null`) {
		t.Errorf("wire form %s lacks \"retry_after_ms\":null", e)
	}
}

// Port of capability_provenance_roundtrips_both_sources.
func TestCapabilityProvenanceRoundtripsBothSources(t *testing.T) {
	prov := []event.CapProvenance{
		{Cap: "records:read", Source: event.StringAllowList()},
		{Cap: "records:write", Source: event.UCANChain("did:key:zABC", 1)},
	}
	e := mkEvent(event.Now(), event.Success()).WithCapabilityProvenance(prov)
	j := roundTripValue(t, e)
	want := []any{
		map[string]any{"cap": "records:read", "source": map[string]any{"kind": "string_allow_list"}},
		map[string]any{"cap": "records:write", "source": map[string]any{"kind": "ucan_chain", "issuer_did": "did:key:zABC", "chain_depth": 1.0}},
	}
	if diff := cmp.Diff(want, j["capability_provenance"]); diff != "" {
		t.Errorf("capability_provenance mismatch (-want +got):\n%s", diff)
	}
	// And back through our own decoder.
	got, err := event.Parse(e.AppendJSON(nil))
	if err != nil {
		t.Fatalf("Parse error = %v", err)
	}
	if diff := cmp.Diff(prov, got.CapabilityProvenance()); diff != "" {
		t.Errorf("decoded provenance mismatch (-want +got):\n%s", diff)
	}
}

// Port of provenance_skipped_when_none.
func TestProvenanceSkippedWhenNone(t *testing.T) {
	s := mkEvent(event.Now(), event.Success()).String()
	if strings.Contains(s, "capability_provenance") {
		t.Errorf("absent provenance must be omitted on the wire (back-compat), got: %s", s)
	}
}

// Port of v2_event_without_provenance_deserializes_to_none.
func TestV2EventWithoutProvenanceDeserializesToNone(t *testing.T) {
	// A v2 audit line (no capability_provenance field) must read into a v3
	// consumer as absent: adopters on old builds keep working.
	j := `{"ts":"2026-05-29T00:00:00+00:00","call_id":"01J","tool_id":"x",
		"granted_capabilities":[],"duration_ms":1,"outcome":{"kind":"success"},
		"tier":"warm","dry_run":false,"schema_version":2,"secrets_resolved":false}`
	e, err := event.Parse([]byte(j))
	if err != nil {
		t.Fatalf("Parse error = %v", err)
	}
	if p := e.CapabilityProvenance(); p != nil {
		t.Errorf("CapabilityProvenance() = %v; want nil", p)
	}
	if page, ok := e.CursorPage(); ok {
		t.Errorf("CursorPage() = %d, true; want absent", page)
	}
}

// Port of caller_id_skipped_when_none.
func TestCallerIDSkippedWhenNone(t *testing.T) {
	s := mkEvent(event.Now(), event.Success()).WithoutCallerID().String()
	if strings.Contains(s, "caller_id") {
		t.Errorf("absent caller_id should be skipped, got: %s", s)
	}
}

// Port of the event half of json_lines_sink_writes_one_line_per_event:
// each event's line parses back as a CallEvent. (The sink half is in
// sink/jsonl.)
func TestJSONLinesEachLineParses(t *testing.T) {
	var buf []byte
	for _, o := range []event.Outcome{event.Success(), event.ToolNotFound()} {
		e := mkEvent(event.Now(), o)
		buf = e.AppendJSON(buf)
		buf = append(buf, '\n')
	}
	lines := strings.Split(strings.TrimSuffix(string(buf), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("expected 2 lines, got: %q", lines)
	}
	for _, line := range lines {
		if _, err := event.Parse([]byte(line)); err != nil {
			t.Errorf("line %s does not parse as a CallEvent: %v", line, err)
		}
	}
}
