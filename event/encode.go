package event

import (
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends e's wire form, one JSON object without a trailing
// newline, to dst and returns the extended buffer. It is the fast path of
// the JSON-lines sink: it does not allocate when dst has room, and its
// output is byte for byte what [CallEvent.MarshalJSON] returns.
//
// The output is the reference implementation's (serde_json's), keys in
// this order: ts, call_id, tool_id, caller_id (omitted when absent),
// granted_capabilities (always an array), duration_ms, outcome, tier,
// dry_run, schema_version, secrets_resolved, cursor_page (omitted when
// absent), capability_provenance (omitted when absent). Strings are
// escaped as serde_json escapes them: only '"', '\' and the control
// characters U+0000 to U+001F are escaped (\b, \f, \n, \r and \t in short
// form, the others as \u00XX with lowercase hex digits); every other
// character, including '<', '>', '&', U+2028 and U+2029, is written as is.
// A string that is not valid UTF-8 has each invalid byte replaced by
// U+FFFD, as encoding/json does, so the output is always valid JSON on a
// single line.
func (e *CallEvent) AppendJSON(dst []byte) []byte {
	// Each key is appended with the punctuation around it, string values
	// with appendEscaped, so that most fields cost two appends.
	dst = append(dst, `{"ts":"`...)
	dst = appendEscaped(dst, e.ts)
	dst = append(dst, `","call_id":"`...)
	dst = appendEscaped(dst, e.callID)
	dst = append(dst, `","tool_id":"`...)
	dst = appendEscaped(dst, e.toolID)
	if e.hasCallerID {
		dst = append(dst, `","caller_id":"`...)
		dst = appendEscaped(dst, e.callerID)
	}
	dst = append(dst, `","granted_capabilities":`...)
	dst = appendStrings(dst, e.grantedCapabilities)
	dst = append(dst, `,"duration_ms":`...)
	dst = strconv.AppendUint(dst, e.durationMS, 10)
	dst = append(dst, `,"outcome":`...)
	dst = appendOutcome(dst, &e.outcome)
	dst = append(dst, `,"tier":"`...)
	dst = appendEscaped(dst, e.tier)
	if e.dryRun {
		dst = append(dst, `","dry_run":true,"schema_version":`...)
	} else {
		dst = append(dst, `","dry_run":false,"schema_version":`...)
	}
	dst = strconv.AppendUint(dst, uint64(e.schemaVersion), 10)
	if e.secretsResolved {
		dst = append(dst, `,"secrets_resolved":true`...)
	} else {
		dst = append(dst, `,"secrets_resolved":false`...)
	}
	if e.hasCursorPage {
		dst = append(dst, `,"cursor_page":`...)
		dst = strconv.AppendUint(dst, uint64(e.cursorPage), 10)
	}
	if e.capabilityProvenance != nil {
		dst = append(dst, `,"capability_provenance":[`...)
		for i := range e.capabilityProvenance {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendProvenance(dst, &e.capabilityProvenance[i])
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// MarshalJSON returns e's wire form, the same bytes as [CallEvent.AppendJSON].
// It never fails.
//
// Note that json.Marshal, and a json.Encoder by default, re-escape '<', '>',
// '&', U+2028 and U+2029 in what MarshalJSON returns, so their output is
// not the reference wire format when a string holds one of those. Use
// AppendJSON, or a json.Encoder with SetEscapeHTML(false), to write the
// exact wire format.
func (e CallEvent) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, e.sizeHint())), nil
}

// sizeHint returns a capacity that usually holds e's wire form, so that
// MarshalJSON allocates once.
func (e *CallEvent) sizeHint() int {
	n := 220 + len(e.ts) + len(e.callID) + len(e.toolID) + len(e.callerID) + len(e.tier) +
		len(e.outcome.text)
	for _, c := range e.grantedCapabilities {
		n += len(c) + 3
	}
	for _, c := range e.outcome.missing {
		n += len(c) + 3
	}
	for i := range e.capabilityProvenance {
		p := &e.capabilityProvenance[i]
		n += 100 + len(p.Cap) + len(p.Source.issuerDID)
	}
	return n
}

// appendOutcome appends o's wire form: the "kind" tag first, then the
// variant's fields in declaration order.
func appendOutcome(dst []byte, o *Outcome) []byte {
	switch o.kind {
	case OutcomeExecutionFailed:
		dst = append(dst, `{"kind":"execution_failed","code":"`...)
		dst = appendEscaped(dst, o.text)
		if o.retryable {
			return append(dst, `","retryable":true}`...)
		}
		return append(dst, `","retryable":false}`...)
	case OutcomeInvalidArgs:
		dst = append(dst, `{"kind":"invalid_args","message":"`...)
		dst = appendEscaped(dst, o.text)
		return append(dst, `"}`...)
	case OutcomeCapabilityDenied:
		dst = append(dst, `{"kind":"capability_denied","missing":`...)
		dst = appendStrings(dst, o.missing)
		return append(dst, '}')
	case OutcomeRateLimited:
		if !o.hasRetryAfter {
			return append(dst, `{"kind":"rate_limited","retry_after_ms":null}`...)
		}
		dst = append(dst, `{"kind":"rate_limited","retry_after_ms":`...)
		dst = strconv.AppendUint(dst, o.retryAfterMS, 10)
		return append(dst, '}')
	case OutcomeToolNotFound:
		return append(dst, `{"kind":"tool_not_found"}`...)
	}
	// OutcomeSuccess; Outcome's constructors make no other kind.
	return append(dst, `{"kind":"success"}`...)
}

// appendProvenance appends p's wire form.
func appendProvenance(dst []byte, p *CapProvenance) []byte {
	dst = append(dst, `{"cap":"`...)
	dst = appendEscaped(dst, p.Cap)
	dst = append(dst, `","source":`...)
	dst = appendProvSource(dst, &p.Source)
	return append(dst, '}')
}

// appendProvSource appends s's wire form.
func appendProvSource(dst []byte, s *ProvSource) []byte {
	if s.kind != SourceUCANChain {
		return append(dst, `{"kind":"string_allow_list"}`...)
	}
	dst = append(dst, `{"kind":"ucan_chain","issuer_did":"`...)
	dst = appendEscaped(dst, s.issuerDID)
	dst = append(dst, `","chain_depth":`...)
	dst = strconv.AppendUint(dst, uint64(s.chainDepth), 10)
	return append(dst, '}')
}

// appendStrings appends ss as a JSON array of strings; nil is [].
func appendStrings(dst []byte, ss []string) []byte {
	if len(ss) == 0 {
		return append(dst, "[]"...)
	}
	dst = append(dst, `["`...)
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, `","`...)
		}
		dst = appendEscaped(dst, s)
	}
	return append(dst, `"]`...)
}

// plain[b] reports whether byte b is copied into a JSON string as is:
// printable ASCII other than '"' and '\'. Bytes at or above 0x80 are not
// plain: they are copied too, after their UTF-8 sequence is checked.
var plain = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendEscaped appends the content of s as a JSON string literal, without
// the quotes: escaped as serde_json escapes (see CallEvent.AppendJSON),
// with each byte of invalid UTF-8 replaced by U+FFFD. Runs of plain ASCII
// are found eight bytes at a time and copied in bulk.
func appendEscaped(dst []byte, s string) []byte {
	start := 0 // s[start:i] is pending, to be copied as is
	for i := 0; i < len(s); {
		for i+8 <= len(s) {
			if m := special8(load8(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(s) && plain[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		b := s[i]
		if b >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '"':
			dst = append(dst, `\"`...)
		case '\\':
			dst = append(dst, `\\`...)
		case '\b':
			dst = append(dst, `\b`...)
		case '\f':
			dst = append(dst, `\f`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
		}
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// load8 returns the eight bytes of s at i as a little-endian word.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// special8 returns a word whose byte k has its high bit set if byte k of x
// is not plain (a control character, '"', '\' or a byte at or above
// 0x80). Bytes above the lowest flagged one may be flagged falsely, so only
// the lowest flag is meaningful.
func special8(x uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	lt := x - ones*0x20          // borrows out of bytes below 0x20
	qt := (x ^ ones*'"') - ones  // borrows out of bytes equal to '"'
	bs := (x ^ ones*'\\') - ones // borrows out of bytes equal to '\\'
	return ((lt|qt|bs)&^x | x) & highs
}
