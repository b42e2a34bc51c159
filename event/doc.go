// Package event defines [CallEvent], the audit record of one tool call, and
// its wire format: one JSON object per line, byte for byte what the
// reference implementation (Rust, serde_json) writes and reads.
//
// A tool-dispatch server builds one CallEvent per call and hands it, by
// value, to a spillway pipeline; the JSON-lines sink writes it with
// [CallEvent.AppendJSON], and a reader turns lines back into events with
// [Parse]:
//
//	e := event.New(event.Now(), callID, "ref:echo.say", 17, event.Success(), "warm").
//		WithCallerID("test-client").
//		WithGrantedCapabilities([]string{"read", "write"})
//	buf = e.AppendJSON(buf[:0])
//	buf = append(buf, '\n')
//
// The package imports only the standard library.
//
// # Schema version 3
//
// [SchemaVersion] is 3. Each version added one optional field and changed
// nothing else, so a reader of any version reads lines of every other:
//
//   - v1: the initial schema.
//   - v2: adds cursor_page, the 1-based page of a paginated call.
//   - v3: adds capability_provenance, which mechanism granted each
//     capability (the operator's string allow-list or a UCAN-lite chain
//     link).
//
// An event records metadata only: who called which tool, with which
// capabilities, how long it took and how it ended ([Outcome]). It never
// carries the call's arguments, result or error body, nor any secret.
//
// # Wire format
//
// A line holds these keys, in this order:
//
//	ts                     string, RFC 3339 in UTC, as written by FormatTime
//	call_id                string
//	tool_id                string
//	caller_id              string; omitted when absent
//	granted_capabilities   array of strings, [] when empty, never null
//	duration_ms            integer (uint64)
//	outcome                object tagged by "kind", see below
//	tier                   string
//	dry_run                boolean
//	schema_version         integer (uint32)
//	secrets_resolved       boolean
//	cursor_page            integer (uint32); omitted when absent
//	capability_provenance  array of {"cap":string,"source":object}; omitted when absent
//
// For example:
//
//	{"ts":"2026-05-29T00:00:00+00:00","call_id":"01J000000000000000000000TEST","tool_id":"ref:echo.say","caller_id":"test-client","granted_capabilities":["read","write"],"duration_ms":17,"outcome":{"kind":"success"},"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false}
//
// The outcome's "kind" comes first, then its variant's fields:
//
//	{"kind":"success"}
//	{"kind":"execution_failed","code":"FS_NOT_FOUND","retryable":false}
//	{"kind":"invalid_args","message":"..."}
//	{"kind":"capability_denied","missing":["..."]}
//	{"kind":"rate_limited","retry_after_ms":250}    (null when the delay is unknown)
//	{"kind":"tool_not_found"}
//
// A provenance entry's source is tagged the same way:
//
//	{"cap":"read","source":{"kind":"string_allow_list"}}
//	{"cap":"write","source":{"kind":"ucan_chain","issuer_did":"did:key:z...","chain_depth":1}}
//
// An absent optional field and a present but empty one are different
// values, on the wire and in a CallEvent: no "caller_id" key is not
// "caller_id":"", no "cursor_page" is not "cursor_page":0, and no
// "capability_provenance" is not "capability_provenance":[]. Each
// round-trips as itself.
//
// Strings are escaped as serde_json escapes them, not as encoding/json
// does: only '"', '\' and control characters are escaped, and '<', '>',
// '&', U+2028 and U+2029 are written as is. Go strings that are not valid
// UTF-8 (which a Rust string cannot be) have each invalid byte replaced by
// U+FFFD, so every line is valid JSON.
//
// Decoding is as strict as serde's: see [CallEvent.UnmarshalJSON].
//
// # encoding/json
//
// CallEvent, [Outcome], [CapProvenance] and [ProvSource] implement
// json.Marshaler and json.Unmarshaler with the wire format, so they work
// inside larger documents. json.Marshal and a default json.Encoder escape
// '<', '>', '&', U+2028 and U+2029 in what a MarshalJSON method returns;
// use AppendJSON, or a json.Encoder with SetEscapeHTML(false), to get the
// exact wire format.
package event
