package event

import "slices"

// SchemaVersion is the audit schema version that [New] stamps on every
// event. Consumers branch on an event's [CallEvent.SchemaVersion] if a
// breaking change ever lands; versions 1 to 3 differ only by optional
// fields (see the package documentation).
const SchemaVersion = 3

// A CallEvent is the audit record of one tool call: who called which tool,
// with which capabilities, how long it took and how it ended. It carries
// metadata only, never the call's arguments, result or error body.
//
// Build a CallEvent with [New], which takes the required fields, then the
// With methods for the rest:
//
//	e := event.New(event.Now(), callID, "ref:echo.say", 17, event.Success(), "warm").
//		WithCallerID("agent-A").
//		WithGrantedCapabilities([]string{"read", "write"})
//
// The fields are unexported so that a field added in a later schema version
// breaks no code that builds or reads events: New and the With methods are
// the stable way to build one, the accessor methods the stable way to read
// one. Each With method returns a modified copy and leaves its receiver
// unchanged.
//
// Optional fields distinguish absent from present-but-empty, as the wire
// format does: an event without a caller ID omits "caller_id", while
// WithCallerID("") writes "caller_id":"". The same holds for the cursor page
// (absent, or present and possibly 0) and the capability provenance (a nil
// slice is absent, a non-nil empty slice is written as []).
//
// Methods that take or return slices share them with the caller, as
// [log/slog.GroupValue] does: after passing a slice to a With method, do not
// modify it, and do not modify a slice an accessor returns.
//
// A CallEvent is a plain value of about 200 bytes, meant to be passed and
// stored by value: a pipeline of CallEvent moves copies, never pointers,
// so sending one does not allocate. Its methods other than UnmarshalJSON
// only read it, so one CallEvent may be read by many goroutines at once.
// The zero CallEvent is an event with every string empty, no capabilities,
// a Success outcome and schema version 0; build real events with New. Use
// [CallEvent.Equal] to compare two CallEvents (github.com/google/go-cmp
// uses it automatically).
type CallEvent struct {
	ts                   string
	callID               string
	toolID               string
	callerID             string
	tier                 string
	grantedCapabilities  []string
	capabilityProvenance []CapProvenance // nil: absent
	outcome              Outcome
	durationMS           uint64
	schemaVersion        uint32
	cursorPage           uint32
	hasCallerID          bool
	hasCursorPage        bool
	dryRun               bool
	secretsResolved      bool
}

// New returns an event with the required fields set and the others at
// their defaults: no caller ID, no granted capabilities, not a dry run,
// no secrets resolved, no cursor page, no capability provenance, and
// schema version [SchemaVersion].
//
// ts is the time of the call, normally from [Now]; it is kept and written
// exactly as given. callID identifies the call, toolID the tool, durationMS
// is how long the call took in milliseconds, outcome how it ended, and
// tier the tier that served it (such as "warm").
func New(ts, callID, toolID string, durationMS uint64, outcome Outcome, tier string) CallEvent {
	return CallEvent{
		ts:            ts,
		callID:        callID,
		toolID:        toolID,
		durationMS:    durationMS,
		outcome:       outcome,
		tier:          tier,
		schemaVersion: SchemaVersion,
	}
}

// TS returns the event's timestamp string ("ts"), exactly as it was given.
func (e CallEvent) TS() string { return e.ts }

// CallID returns the ID of the call ("call_id").
func (e CallEvent) CallID() string { return e.callID }

// ToolID returns the ID of the tool called ("tool_id").
func (e CallEvent) ToolID() string { return e.toolID }

// CallerID returns the caller's ID ("caller_id") and true, or "" and false
// if the event has none.
func (e CallEvent) CallerID() (id string, ok bool) { return e.callerID, e.hasCallerID }

// GrantedCapabilities returns the capabilities the caller held
// ("granted_capabilities"). The slice is shared with e: do not modify it.
func (e CallEvent) GrantedCapabilities() []string { return e.grantedCapabilities }

// DurationMS returns how long the call took, in milliseconds ("duration_ms").
func (e CallEvent) DurationMS() uint64 { return e.durationMS }

// Outcome returns how the call ended ("outcome").
func (e CallEvent) Outcome() Outcome { return e.outcome }

// Tier returns the tier that served the call ("tier").
func (e CallEvent) Tier() string { return e.tier }

// DryRun reports whether the call was a dry run ("dry_run").
func (e CallEvent) DryRun() bool { return e.dryRun }

// SchemaVersion returns the schema version the event was written with
// ("schema_version"): [SchemaVersion] for an event built by New, the
// version on the line for a decoded one.
func (e CallEvent) SchemaVersion() uint32 { return e.schemaVersion }

// SecretsResolved reports whether a token broker resolved secrets for the
// caller ("secrets_resolved"). It is false on early-return paths (capability
// denied, dry run, rate limited, tool not found) and for servers without a
// broker. No key names or values are ever recorded.
func (e CallEvent) SecretsResolved() bool { return e.secretsResolved }

// CursorPage returns the 1-based page index of a paginated call
// ("cursor_page") and true, or 0 and false for a call that was not
// paginated. Page 1 is the initial call that returned a cursor, pages 2
// and up each continuation.
func (e CallEvent) CursorPage() (page uint32, ok bool) { return e.cursorPage, e.hasCursorPage }

// CapabilityProvenance returns where each granted capability came from
// ("capability_provenance"): nil when provenance was not tracked (the
// field is absent), and a non-nil, possibly empty slice when it was. The
// slice is shared with e: do not modify it.
func (e CallEvent) CapabilityProvenance() []CapProvenance { return e.capabilityProvenance }

// WithTS returns a copy of e with the timestamp ts.
func (e CallEvent) WithTS(ts string) CallEvent { e.ts = ts; return e }

// WithCallID returns a copy of e with the call ID id.
func (e CallEvent) WithCallID(id string) CallEvent { e.callID = id; return e }

// WithToolID returns a copy of e with the tool ID id.
func (e CallEvent) WithToolID(id string) CallEvent { e.toolID = id; return e }

// WithCallerID returns a copy of e with the caller ID id. The ID is present
// even if it is empty: WithCallerID("") writes "caller_id":"".
func (e CallEvent) WithCallerID(id string) CallEvent {
	e.callerID, e.hasCallerID = id, true
	return e
}

// WithoutCallerID returns a copy of e with no caller ID.
func (e CallEvent) WithoutCallerID() CallEvent {
	e.callerID, e.hasCallerID = "", false
	return e
}

// WithGrantedCapabilities returns a copy of e with the granted capabilities
// caps. The event retains caps: do not modify the slice afterwards. A nil
// slice is written as [], like an empty one.
func (e CallEvent) WithGrantedCapabilities(caps []string) CallEvent {
	e.grantedCapabilities = caps
	return e
}

// WithDurationMS returns a copy of e with the duration ms, in milliseconds.
func (e CallEvent) WithDurationMS(ms uint64) CallEvent { e.durationMS = ms; return e }

// WithOutcome returns a copy of e with the outcome o.
func (e CallEvent) WithOutcome(o Outcome) CallEvent { e.outcome = o; return e }

// WithTier returns a copy of e with the tier tier.
func (e CallEvent) WithTier(tier string) CallEvent { e.tier = tier; return e }

// WithDryRun returns a copy of e with the dry-run flag set to dryRun.
func (e CallEvent) WithDryRun(dryRun bool) CallEvent { e.dryRun = dryRun; return e }

// WithSchemaVersion returns a copy of e stamped with schema version v.
// Events built by New carry [SchemaVersion]; this is for re-emitting an
// event read from an older line, or for tests.
func (e CallEvent) WithSchemaVersion(v uint32) CallEvent { e.schemaVersion = v; return e }

// WithSecretsResolved returns a copy of e with the secrets-resolved flag
// set to resolved.
func (e CallEvent) WithSecretsResolved(resolved bool) CallEvent {
	e.secretsResolved = resolved
	return e
}

// WithCursorPage returns a copy of e with the cursor page page. The page is
// present even if it is 0.
func (e CallEvent) WithCursorPage(page uint32) CallEvent {
	e.cursorPage, e.hasCursorPage = page, true
	return e
}

// WithoutCursorPage returns a copy of e with no cursor page.
func (e CallEvent) WithoutCursorPage() CallEvent {
	e.cursorPage, e.hasCursorPage = 0, false
	return e
}

// WithCapabilityProvenance returns a copy of e with the capability
// provenance p. A nil p means absent (the field is omitted); a non-nil
// empty p is present and written as []. The event retains p: do not modify
// the slice afterwards.
func (e CallEvent) WithCapabilityProvenance(p []CapProvenance) CallEvent {
	e.capabilityProvenance = p
	return e
}

// Equal reports whether e and f hold the same data, so that they have the
// same wire form: every field equal, an absent optional field equal only
// to an absent one. A nil and an empty capability list are equal, while a
// nil (absent) and an empty (present) provenance list are not.
func (e CallEvent) Equal(f CallEvent) bool {
	return e.ts == f.ts &&
		e.callID == f.callID &&
		e.toolID == f.toolID &&
		e.hasCallerID == f.hasCallerID && e.callerID == f.callerID &&
		slices.Equal(e.grantedCapabilities, f.grantedCapabilities) &&
		e.durationMS == f.durationMS &&
		e.outcome.Equal(f.outcome) &&
		e.tier == f.tier &&
		e.dryRun == f.dryRun &&
		e.schemaVersion == f.schemaVersion &&
		e.secretsResolved == f.secretsResolved &&
		e.hasCursorPage == f.hasCursorPage && e.cursorPage == f.cursorPage &&
		(e.capabilityProvenance == nil) == (f.capabilityProvenance == nil) &&
		slices.EqualFunc(e.capabilityProvenance, f.capabilityProvenance, CapProvenance.Equal)
}

// String returns e's wire form (the JSON line without its newline), for
// debugging and test failure messages.
func (e CallEvent) String() string {
	return string(e.AppendJSON(make([]byte, 0, e.sizeHint())))
}
