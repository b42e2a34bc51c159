package event_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
)

// minimal returns the smallest event New builds, for wire-format tables.
func minimal(o event.Outcome) event.CallEvent {
	return event.New(fixedTS, "c", "t", 5, o, "warm")
}

// wire returns the wire form of minimal(o) with the outcome's wire form
// outcome, and mid inserted after "tool_id" and tail before the closing
// brace.
func wire(mid, outcome, tail string) string {
	return `{"ts":"2026-05-29T00:00:00+00:00","call_id":"c","tool_id":"t"` + mid +
		`,"granted_capabilities":[],"duration_ms":5,"outcome":` + outcome +
		`,"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false` + tail + `}`
}

const success = `{"kind":"success"}`

// wireTests pairs events with their exact wire form, as serde_json writes
// it. They cover each outcome and provenance variant and each optional
// field absent, present but empty, and present.
var wireTests = []struct {
	name string
	give event.CallEvent
	want string
}{
	{name: "typical", give: typicalEvent(), want: typicalLine},
	{name: "zero value", give: event.CallEvent{}, want: `{"ts":"","call_id":"","tool_id":"","granted_capabilities":[],"duration_ms":0,"outcome":{"kind":"success"},"tier":"","dry_run":false,"schema_version":0,"secrets_resolved":false}`},

	{name: "outcome success", give: minimal(event.Success()), want: wire("", success, "")},
	{name: "outcome execution_failed", give: minimal(event.ExecutionFailed("FS_NOT_FOUND", false)),
		want: wire("", `{"kind":"execution_failed","code":"FS_NOT_FOUND","retryable":false}`, "")},
	{name: "outcome execution_failed retryable empty code", give: minimal(event.ExecutionFailed("", true)),
		want: wire("", `{"kind":"execution_failed","code":"","retryable":true}`, "")},
	{name: "outcome invalid_args", give: minimal(event.InvalidArgs("bad path")),
		want: wire("", `{"kind":"invalid_args","message":"bad path"}`, "")},
	{name: "outcome capability_denied", give: minimal(event.CapabilityDenied([]string{"conformance.denied", "x"})),
		want: wire("", `{"kind":"capability_denied","missing":["conformance.denied","x"]}`, "")},
	{name: "outcome capability_denied nil", give: minimal(event.CapabilityDenied(nil)),
		want: wire("", `{"kind":"capability_denied","missing":[]}`, "")},
	{name: "outcome rate_limited unknown delay", give: minimal(event.RateLimited(0, false)),
		want: wire("", `{"kind":"rate_limited","retry_after_ms":null}`, "")},
	{name: "outcome rate_limited unknown delay ignores ms", give: minimal(event.RateLimited(9, false)),
		want: wire("", `{"kind":"rate_limited","retry_after_ms":null}`, "")},
	{name: "outcome rate_limited zero", give: minimal(event.RateLimited(0, true)),
		want: wire("", `{"kind":"rate_limited","retry_after_ms":0}`, "")},
	{name: "outcome rate_limited max", give: minimal(event.RateLimited(18446744073709551615, true)),
		want: wire("", `{"kind":"rate_limited","retry_after_ms":18446744073709551615}`, "")},
	{name: "outcome tool_not_found", give: minimal(event.ToolNotFound()),
		want: wire("", `{"kind":"tool_not_found"}`, "")},

	{name: "caller_id present", give: minimal(event.Success()).WithCallerID("agent-A"),
		want: wire(`,"caller_id":"agent-A"`, success, "")},
	{name: "caller_id empty", give: minimal(event.Success()).WithCallerID(""),
		want: wire(`,"caller_id":""`, success, "")},
	{name: "caller_id removed", give: minimal(event.Success()).WithCallerID("x").WithoutCallerID(),
		want: wire("", success, "")},

	{name: "cursor_page present", give: minimal(event.Success()).WithCursorPage(2),
		want: wire("", success, `,"cursor_page":2`)},
	{name: "cursor_page zero", give: minimal(event.Success()).WithCursorPage(0),
		want: wire("", success, `,"cursor_page":0`)},
	{name: "cursor_page max", give: minimal(event.Success()).WithCursorPage(4294967295),
		want: wire("", success, `,"cursor_page":4294967295`)},
	{name: "cursor_page removed", give: minimal(event.Success()).WithCursorPage(2).WithoutCursorPage(),
		want: wire("", success, "")},

	{name: "provenance nil is absent", give: minimal(event.Success()).WithCapabilityProvenance(nil),
		want: wire("", success, "")},
	{name: "provenance empty", give: minimal(event.Success()).WithCapabilityProvenance([]event.CapProvenance{}),
		want: wire("", success, `,"capability_provenance":[]`)},
	{name: "provenance string_allow_list", give: minimal(event.Success()).WithCapabilityProvenance([]event.CapProvenance{
		{Cap: "read", Source: event.StringAllowList()},
	}), want: wire("", success, `,"capability_provenance":[{"cap":"read","source":{"kind":"string_allow_list"}}]`)},
	{name: "provenance ucan_chain", give: minimal(event.Success()).WithCapabilityProvenance([]event.CapProvenance{
		{Cap: "x", Source: event.UCANChain("did:key:z", 1)},
	}), want: wire("", success, `,"capability_provenance":[{"cap":"x","source":{"kind":"ucan_chain","issuer_did":"did:key:z","chain_depth":1}}]`)},
	{name: "provenance both, depth bounds", give: minimal(event.Success()).WithCapabilityProvenance([]event.CapProvenance{
		{Cap: "a", Source: event.UCANChain("", 0)},
		{Cap: "b", Source: event.StringAllowList()},
		{Cap: "c", Source: event.UCANChain("did:key:zMax", 255)},
	}), want: wire("", success, `,"capability_provenance":[{"cap":"a","source":{"kind":"ucan_chain","issuer_did":"","chain_depth":0}},{"cap":"b","source":{"kind":"string_allow_list"}},{"cap":"c","source":{"kind":"ucan_chain","issuer_did":"did:key:zMax","chain_depth":255}}]`)},
	{name: "provenance zero value entry", give: minimal(event.Success()).WithCapabilityProvenance(make([]event.CapProvenance, 1)),
		want: wire("", success, `,"capability_provenance":[{"cap":"","source":{"kind":"string_allow_list"}}]`)},

	{name: "granted_capabilities nil", give: minimal(event.Success()).WithGrantedCapabilities(nil),
		want: wire("", success, "")},
	{name: "granted_capabilities empty", give: minimal(event.Success()).WithGrantedCapabilities([]string{}),
		want: wire("", success, "")},
	{name: "granted_capabilities one empty string", give: minimal(event.Success()).WithGrantedCapabilities([]string{""}),
		want: strings.Replace(wire("", success, ""), `[]`, `[""]`, 1)},

	{name: "flags and every optional field", give: minimal(event.Success()).
		WithCallerID("me").WithDryRun(true).WithSecretsResolved(true).WithCursorPage(1).
		WithCapabilityProvenance([]event.CapProvenance{}).WithSchemaVersion(2).WithDurationMS(18446744073709551615),
		want: `{"ts":"2026-05-29T00:00:00+00:00","call_id":"c","tool_id":"t","caller_id":"me","granted_capabilities":[],"duration_ms":18446744073709551615,"outcome":{"kind":"success"},"tier":"warm","dry_run":true,"schema_version":2,"secrets_resolved":true,"cursor_page":1,"capability_provenance":[]}`},
	{name: "fat", give: fatEvent(), want: `{"ts":"2026-05-29T00:00:00+00:00","call_id":"01J9ZXQ4V6T3N8K2M5R7W1Y0AB","tool_id":"ref:fs.read_file","caller_id":"agent-federation-orchestrator/7","granted_capabilities":["records:read","records:write","records:delete","fs:read","fs:write","net:http","net:dns","exec:sandbox","kv:get","kv:put","audit:read","admin:none"],"duration_ms":1234,"outcome":{"kind":"invalid_args","message":"argument \"path\" must be a relative path inside the workspace, got \"/etc/passwd\"; argument \"path\" must be a relative path inside the workspace, got \"/etc/passwd\"; argument \"path\" must be a relative path inside the workspace, got \"/etc/passwd\"; argument \"path\" must be a relative path inside the workspace, got \"/etc/passwd\"; see\tdocs\n"},"tier":"cold","dry_run":true,"schema_version":3,"secrets_resolved":true,"cursor_page":3,"capability_provenance":[{"cap":"records:read","source":{"kind":"string_allow_list"}},{"cap":"records:write","source":{"kind":"ucan_chain","issuer_did":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","chain_depth":1}},{"cap":"records:delete","source":{"kind":"string_allow_list"}},{"cap":"fs:read","source":{"kind":"ucan_chain","issuer_did":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","chain_depth":3}},{"cap":"fs:write","source":{"kind":"string_allow_list"}},{"cap":"net:http","source":{"kind":"ucan_chain","issuer_did":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","chain_depth":1}},{"cap":"net:dns","source":{"kind":"string_allow_list"}},{"cap":"exec:sandbox","source":{"kind":"ucan_chain","issuer_did":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","chain_depth":3}},{"cap":"kv:get","source":{"kind":"string_allow_list"}},{"cap":"kv:put","source":{"kind":"ucan_chain","issuer_did":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","chain_depth":1}},{"cap":"audit:read","source":{"kind":"string_allow_list"}},{"cap":"admin:none","source":{"kind":"ucan_chain","issuer_did":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","chain_depth":3}}]}`},
}

func TestAppendJSON(t *testing.T) {
	for _, tt := range wireTests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.give.AppendJSON(nil))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AppendJSON mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendJSONAppends(t *testing.T) {
	e := typicalEvent()
	got := string(e.AppendJSON([]byte("prefix ")))
	if want := "prefix " + typicalLine; got != want {
		t.Errorf("AppendJSON(prefix) = %s; want %s", got, want)
	}
}

func TestMarshalJSONAgreesWithAppendJSON(t *testing.T) {
	for _, tt := range wireTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("MarshalJSON mismatch (-want +got):\n%s", diff)
			}
			if s := tt.give.String(); s != tt.want {
				t.Errorf("String() = %s; want %s", s, tt.want)
			}
		})
	}
}

// TestEncoderWithoutHTMLEscape checks that encoding/json users get the
// exact wire format through an Encoder with SetEscapeHTML(false), for a
// value and for a pointer.
func TestEncoderWithoutHTMLEscape(t *testing.T) {
	e := minimal(event.InvalidArgs("<a href='x'>&amp;</a> \u2028\u2029"))
	want := wire("", `{"kind":"invalid_args","message":"<a href='x'>&amp;</a> `+"\u2028\u2029"+`"}`, "") + "\n"
	for _, v := range []any{e, &e} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatalf("Encode(%T) error = %v", v, err)
		}
		if diff := cmp.Diff(want, buf.String()); diff != "" {
			t.Errorf("Encode(%T) mismatch (-want +got):\n%s", v, diff)
		}
	}
}

// TestJSONMarshalEscapesHTML pins the documented caveat: json.Marshal
// re-escapes what MarshalJSON returns, so only HTML characters differ.
func TestJSONMarshalEscapesHTML(t *testing.T) {
	e := minimal(event.InvalidArgs("<&>"))
	got, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("json.Marshal error = %v", err)
	}
	want := wire("", `{"kind":"invalid_args","message":"\u003c\u0026\u003e"}`, "")
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("json.Marshal mismatch (-want +got):\n%s", diff)
	}
	// Plain events, with nothing to escape, come out exact.
	got, err = json.Marshal(typicalEvent())
	if err != nil || string(got) != typicalLine {
		t.Errorf("json.Marshal(typical) = %s, %v; want %s, nil", got, err, typicalLine)
	}
}

func TestStringEscaping(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string // the JSON string literal, quotes included
	}{
		{name: "empty", give: "", want: `""`},
		{name: "plain", give: "ref:echo.say", want: `"ref:echo.say"`},
		{name: "quote", give: `say "hi"`, want: `"say \"hi\""`},
		{name: "backslash", give: `C:\dir\`, want: `"C:\\dir\\"`},
		{name: "slash not escaped", give: "a/b", want: `"a/b"`},
		{name: "short escapes", give: "\b\f\n\r\t", want: `"\b\f\n\r\t"`},
		{name: "other controls lowercase hex", give: "\x00\x01\x07\x0b\x0e\x1a\x1f", want: `"\u0000\u0001\u0007\u000b\u000e\u001a\u001f"`},
		{name: "DEL as is", give: "\x7f", want: "\"\x7f\""},
		{name: "space and tilde", give: " ~", want: `" ~"`},
		{name: "html as is", give: "<script>&amp;</script>", want: `"<script>&amp;</script>"`},
		{name: "line and paragraph separators as is", give: "a\u2028b\u2029c", want: "\"a\u2028b\u2029c\""},
		{name: "non-ASCII as is", give: "héllo, 世界 🦀", want: `"héllo, 世界 🦀"`},
		{name: "BOM and U+FFFD as is", give: "\ufeff\ufffd", want: "\"\ufeff\ufffd\""},
		{name: "max rune", give: "\U0010FFFF", want: "\"\U0010FFFF\""},
		{name: "invalid byte", give: "a\xffb", want: "\"a\ufffdb\""},
		{name: "each invalid byte replaced", give: "\xff\xfe", want: "\"\ufffd\ufffd\""},
		{name: "truncated sequence", give: "ab\xe4\xb8", want: "\"ab\ufffd\ufffd\""},
		{name: "encoded surrogate", give: "\xed\xa0\x80", want: "\"\ufffd\ufffd\ufffd\""},
		{name: "overlong encoding", give: "\xc0\xaf", want: "\"\ufffd\ufffd\""},
		{name: "invalid then escape", give: "\xff\"\n", want: "\"\ufffd\\\"\\n\""},
		{name: "mixed", give: "\t<é>\x00\"\\\xff", want: "\"\\t<é>\\u0000\\\"\\\\\ufffd\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The string appears in every string position of the wire form.
			e := event.New(tt.give, tt.give, tt.give, 0, event.ExecutionFailed(tt.give, false), tt.give).
				WithCallerID(tt.give).
				WithGrantedCapabilities([]string{tt.give}).
				WithCapabilityProvenance([]event.CapProvenance{{Cap: tt.give, Source: event.UCANChain(tt.give, 0)}})
			w := tt.want
			want := `{"ts":` + w + `,"call_id":` + w + `,"tool_id":` + w + `,"caller_id":` + w +
				`,"granted_capabilities":[` + w + `],"duration_ms":0,"outcome":{"kind":"execution_failed","code":` + w +
				`,"retryable":false},"tier":` + w + `,"dry_run":false,"schema_version":3,"secrets_resolved":false,` +
				`"capability_provenance":[{"cap":` + w + `,"source":{"kind":"ucan_chain","issuer_did":` + w + `,"chain_depth":0}}]}`
			got := e.AppendJSON(nil)
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("AppendJSON mismatch (-want +got):\n%s", diff)
			}
			if !json.Valid(got) {
				t.Errorf("AppendJSON output is not valid JSON: %q", got)
			}
			if bytes.ContainsAny(got, "\n\r") {
				t.Errorf("AppendJSON output is not one line: %q", got)
			}
		})
	}
}

// TestStringEscapingAllBytes checks every single byte against a reference
// built from the escaping rules.
func TestStringEscapingAllBytes(t *testing.T) {
	short := map[byte]string{'"': `\"`, '\\': `\\`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}
	const hex = "0123456789abcdef"
	for c := 0; c < 256; c++ {
		b := byte(c)
		var want string
		switch s, ok := short[b]; {
		case ok:
			want = s
		case b < 0x20:
			want = `\u00` + string(hex[b>>4]) + string(hex[b&0xF])
		case b < 0x80:
			want = string([]byte{b})
		default:
			want = "\ufffd" // a lone byte >= 0x80 is never valid UTF-8
		}
		e := minimal(event.Success()).WithCallerID(string([]byte{b}))
		got := string(e.AppendJSON(nil))
		if w := wire(`,"caller_id":"`+want+`"`, success, ""); got != w {
			t.Errorf("AppendJSON with caller_id %q = %s; want %s", b, got, w)
		}
	}
}

// TestStringEscapingEveryPosition puts each byte at each position of a
// string long enough for the eight-byte scan, alone and after another
// special byte, and checks the output against the per-byte rules.
func TestStringEscapingEveryPosition(t *testing.T) {
	escapeByte := func(b byte) string {
		switch b {
		case '"':
			return `\"`
		case '\\':
			return `\\`
		case '\b':
			return `\b`
		case '\f':
			return `\f`
		case '\n':
			return `\n`
		case '\r':
			return `\r`
		case '\t':
			return `\t`
		}
		if b < 0x20 {
			return `\u00` + string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&0xF])
		}
		if b >= 0x80 {
			return "\uFFFD"
		}
		return string([]byte{b})
	}
	const n = 19
	for c := 0; c < 256; c++ {
		for k := 0; k < n; k++ {
			for _, first := range []int{-1, 0, 3, 8} {
				s := []byte(strings.Repeat("a", n))
				s[k] = byte(c)
				if first >= 0 && first < k {
					s[first] = '\n'
				}
				var want strings.Builder
				for _, b := range s {
					want.WriteString(escapeByte(b))
				}
				e := minimal(event.InvalidArgs(string(s)))
				got := string(e.AppendJSON(nil))
				if w := wire("", `{"kind":"invalid_args","message":"`+want.String()+`"}`, ""); got != w {
					t.Fatalf("message %q: AppendJSON = %s; want %s", s, got, w)
				}
			}
		}
	}
}

func TestOutcomeMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		give event.Outcome
		want string
	}{
		{name: "zero", give: event.Outcome{}, want: success},
		{name: "success", give: event.Success(), want: success},
		{name: "execution_failed", give: event.ExecutionFailed("E", true), want: `{"kind":"execution_failed","code":"E","retryable":true}`},
		{name: "invalid_args", give: event.InvalidArgs("m\n"), want: `{"kind":"invalid_args","message":"m\n"}`},
		{name: "capability_denied", give: event.CapabilityDenied([]string{"a"}), want: `{"kind":"capability_denied","missing":["a"]}`},
		{name: "rate_limited", give: event.RateLimited(250, true), want: `{"kind":"rate_limited","retry_after_ms":250}`},
		{name: "rate_limited null", give: event.RateLimited(0, false), want: `{"kind":"rate_limited","retry_after_ms":null}`},
		{name: "tool_not_found", give: event.ToolNotFound(), want: `{"kind":"tool_not_found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.MarshalJSON()
			if err != nil {
				t.Fatalf("MarshalJSON() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("MarshalJSON mismatch (-want +got):\n%s", diff)
			}
			if s := tt.give.String(); s != tt.want {
				t.Errorf("String() = %s; want %s", s, tt.want)
			}
		})
	}
}

func TestProvenanceMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		give any
		want string
	}{
		{name: "string_allow_list", give: event.CapProvenance{Cap: "read", Source: event.StringAllowList()},
			want: `{"cap":"read","source":{"kind":"string_allow_list"}}`},
		{name: "ucan_chain", give: event.CapProvenance{Cap: "x", Source: event.UCANChain("did:key:z", 1)},
			want: `{"cap":"x","source":{"kind":"ucan_chain","issuer_did":"did:key:z","chain_depth":1}}`},
		{name: "zero", give: event.CapProvenance{}, want: `{"cap":"","source":{"kind":"string_allow_list"}}`},
		{name: "source alone", give: event.UCANChain("d", 255), want: `{"kind":"ucan_chain","issuer_did":"d","chain_depth":255}`},
		{name: "pointer", give: &event.CapProvenance{Cap: "p"}, want: `{"cap":"p","source":{"kind":"string_allow_list"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.give)
			if err != nil {
				t.Fatalf("json.Marshal error = %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("json.Marshal mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
