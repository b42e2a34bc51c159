package event

import (
	"math"
	"strconv"
)

// A DecodeError reports why a line could not be decoded as a [CallEvent]
// (or an [Outcome], [CapProvenance] or [ProvSource]).
type DecodeError struct {
	// Field is the path of the field at fault, such as "duration_ms",
	// "outcome.kind" or "capability_provenance[1].source.chain_depth"; it
	// is empty when the fault is not inside a field (the input is not an
	// object, or is not JSON at all).
	Field string
	// Offset is the byte offset in the input at which the fault was found.
	Offset int
	// Msg says what is wrong.
	Msg string
}

// Error returns the error's text, such as
// `event: field "duration_ms": want uint64, got string`.
func (e *DecodeError) Error() string {
	if e.Field == "" {
		return "event: " + e.Msg
	}
	return "event: field " + strconv.Quote(e.Field) + ": " + e.Msg
}

// Parse decodes one line of the wire format, as written by
// [CallEvent.AppendJSON] or by the reference implementation at any schema
// version, into a CallEvent. Whitespace around the object, such as the
// line's trailing newline, is allowed. The event does not retain line.
// Errors are of type *[DecodeError]. See [CallEvent.UnmarshalJSON] for the
// rules.
func Parse(line []byte) (CallEvent, error) {
	var e CallEvent
	d := decoder{data: line}
	d.skipWS()
	if err := d.event(&e); err != nil {
		return CallEvent{}, err
	}
	if err := d.end(); err != nil {
		return CallEvent{}, err
	}
	return e, nil
}

// UnmarshalJSON decodes data, one JSON object in the wire format, into e.
// It is as strict as the reference implementation's decoder (serde):
//
//   - Lines of schema versions 1 and 2 decode: a missing optional field is
//     absent and a missing "secrets_resolved" is false.
//   - Keys that are not fields of the schema are ignored, at every level.
//     Their values are checked to be JSON; inside an outcome or a
//     provenance source, whose members serde buffers, their strings must
//     also be valid and their nesting less than 128 levels deep in the line.
//   - Keys match case-sensitively: "TS" is not "ts", but an unknown key.
//   - It is an error if a required field (ts, call_id, tool_id,
//     granted_capabilities, duration_ms, outcome, tier, dry_run,
//     schema_version) is missing, if a known key appears twice, if a value
//     has the wrong type, if a non-optional field is null, if an integer
//     field holds a negative, fractional, exponent-form or out-of-range
//     number, if a string holds invalid UTF-8 or an unpaired surrogate
//     escape, or if an outcome or provenance source has an unknown kind.
//   - null for an optional field (caller_id, cursor_page,
//     capability_provenance, and an outcome's retry_after_ms) means absent.
//   - The value must be an object. (serde also takes an array of the
//     fields in declaration order for a struct; no writer emits that, and
//     spillway rejects it.) Unlike most UnmarshalJSON methods, this one
//     rejects the literal null rather than ignoring it, so a null line in
//     an audit file is an error, not an empty event.
//
// Errors are of type *[DecodeError] and name the field at fault. On error
// e is left unchanged.
func (e *CallEvent) UnmarshalJSON(data []byte) error {
	v, err := Parse(data)
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// decodeWhole decodes data, which must hold one JSON value and nothing
// else but whitespace, with fn.
func decodeWhole(data []byte, fn func(*decoder) error) error {
	d := decoder{data: data}
	d.skipWS()
	if err := fn(&d); err != nil {
		return err
	}
	return d.end()
}

// The CallEvent object.

// The top-level fields, as bits of a set, in wire order.
const (
	fieldTS uint16 = 1 << iota
	fieldCallID
	fieldToolID
	fieldCallerID
	fieldGrantedCapabilities
	fieldDurationMS
	fieldOutcome
	fieldTier
	fieldDryRun
	fieldSchemaVersion
	fieldSecretsResolved
	fieldCursorPage
	fieldCapabilityProvenance

	requiredFields = fieldTS | fieldCallID | fieldToolID | fieldGrantedCapabilities |
		fieldDurationMS | fieldOutcome | fieldTier | fieldDryRun | fieldSchemaVersion
)

// fieldNames holds the wire name of each top-level field, by bit number.
var fieldNames = [...]string{
	"ts", "call_id", "tool_id", "caller_id", "granted_capabilities",
	"duration_ms", "outcome", "tier", "dry_run", "schema_version",
	"secrets_resolved", "cursor_page", "capability_provenance",
}

func lookupField(key []byte) (uint16, string) {
	for i, name := range fieldNames {
		if string(key) == name {
			return 1 << i, name
		}
	}
	return 0, ""
}

// event decodes the CallEvent object at d.pos into e.
func (d *decoder) event(e *CallEvent) error {
	start := d.pos
	if err := d.openObject(nil); err != nil {
		return err
	}
	var seen uint16
	for first := true; ; first = false {
		key, keyOff, ok, err := d.nextKey(nil, first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		f, name := lookupField(key)
		if f == 0 {
			if err := d.skipMember(nil, key, 0); err != nil {
				return err
			}
			continue
		}
		p := &path{name: name}
		if seen&f != 0 {
			return d.fail(p, keyOff, "duplicate key")
		}
		seen |= f
		switch f {
		case fieldTS:
			e.ts, err = d.str(p)
		case fieldCallID:
			e.callID, err = d.str(p)
		case fieldToolID:
			e.toolID, err = d.str(p)
		case fieldCallerID:
			var isNull bool
			if isNull, err = d.null(p); err == nil && !isNull {
				e.callerID, err = d.str(p)
				e.hasCallerID = true
			}
		case fieldGrantedCapabilities:
			e.grantedCapabilities, err = d.strs(p)
		case fieldDurationMS:
			e.durationMS, err = d.uint(p, math.MaxUint64, "uint64")
		case fieldOutcome:
			err = d.outcome(&e.outcome, p, 2)
		case fieldTier:
			e.tier, err = d.str(p)
		case fieldDryRun:
			e.dryRun, err = d.bool(p)
		case fieldSchemaVersion:
			var v uint64
			v, err = d.uint(p, math.MaxUint32, "uint32")
			e.schemaVersion = uint32(v)
		case fieldSecretsResolved:
			e.secretsResolved, err = d.bool(p)
		case fieldCursorPage:
			var isNull bool
			if isNull, err = d.null(p); err == nil && !isNull {
				var v uint64
				v, err = d.uint(p, math.MaxUint32, "uint32")
				e.cursorPage, e.hasCursorPage = uint32(v), true
			}
		case fieldCapabilityProvenance:
			var isNull bool
			if isNull, err = d.null(p); err == nil && !isNull {
				e.capabilityProvenance, err = d.provenanceList(p, 2)
			}
		}
		if err != nil {
			return err
		}
	}
	if missing := requiredFields &^ seen; missing != 0 {
		for i, name := range fieldNames {
			if missing&(1<<i) != 0 {
				return d.fail(&path{name: name}, start, "missing required field")
			}
		}
	}
	return nil
}

// Tagged unions. Their "kind" may come after the variant's fields, so the
// members are first scanned and recorded, then decoded once the kind is
// known. As in serde, a duplicate "kind" is an error, and so is a
// duplicate of one of the variant's own fields; other keys are ignored.

// A member records where the value of a known key of a tagged object is.
type member struct {
	off    int // offset of the value; 0 if the key is absent
	dupOff int // offset of the key's second occurrence; 0 if none
}

// scanTagged scans the object at d.pos, recording in ms the members whose
// keys are in names (names[0] must be "kind"). It returns the object's
// offset.
func (d *decoder) scanTagged(p *path, level int, names []string, ms []member) (int, error) {
	start := d.pos
	if err := d.openObject(p); err != nil {
		return 0, err
	}
	for first := true; ; first = false {
		key, keyOff, ok, err := d.nextKey(p, first)
		if err != nil {
			return 0, err
		}
		if !ok {
			return start, nil
		}
		for i, name := range names {
			if string(key) != name {
				continue
			}
			m := &ms[i]
			if m.off != 0 {
				if i == 0 {
					return 0, d.fail(&path{parent: p, name: name}, keyOff, "duplicate key")
				}
				if m.dupOff == 0 {
					m.dupOff = keyOff
				}
				break
			}
			m.off = d.pos
			break
		}
		if err := d.skipMember(p, key, level); err != nil {
			return 0, err
		}
	}
}

// seek positions d at the value of the variant field recorded in m, named
// by p, and reports whether it is present. A duplicate is an error, and so
// is a missing field unless optional.
func (d *decoder) seek(m member, p *path, start int, optional bool) (bool, error) {
	switch {
	case m.dupOff != 0:
		return false, d.fail(p, m.dupOff, "duplicate key")
	case m.off != 0:
		d.pos = m.off
		return true, nil
	case optional:
		return false, nil
	}
	return false, d.fail(p, start, "missing required field")
}

// kindName decodes the "kind" tag recorded in m; kp is its path.
func (d *decoder) kindName(m member, kp *path, start int) ([]byte, error) {
	if _, err := d.seek(m, kp, start, false); err != nil {
		return nil, err
	}
	if d.peek() != '"' {
		return nil, d.wrongType(kp, "string")
	}
	return d.stringBytes(kp)
}

var outcomeKeys = [...]string{"kind", "code", "retryable", "message", "missing", "retry_after_ms"}

// outcome decodes the Outcome object at d.pos into o.
func (d *decoder) outcome(o *Outcome, p *path, level int) error {
	const (
		kind = iota
		code
		retryable
		message
		missing
		retryAfterMS
	)
	var ms [len(outcomeKeys)]member
	start, err := d.scanTagged(p, level, outcomeKeys[:], ms[:])
	if err != nil {
		return err
	}
	end := d.pos

	kp := &path{parent: p, name: "kind"}
	name, err := d.kindName(ms[kind], kp, start)
	if err != nil {
		return err
	}
	k, ok := parseOutcomeKind(name)
	if !ok {
		return d.fail(kp, ms[kind].off, "unknown outcome kind "+strconv.Quote(string(name)))
	}

	v := Outcome{kind: k}
	var found bool
	switch k {
	case OutcomeExecutionFailed:
		fp := &path{parent: p, name: outcomeKeys[code]}
		if _, err = d.seek(ms[code], fp, start, false); err != nil {
			return err
		}
		if v.text, err = d.str(fp); err != nil {
			return err
		}
		fp = &path{parent: p, name: outcomeKeys[retryable]}
		if _, err = d.seek(ms[retryable], fp, start, false); err != nil {
			return err
		}
		if v.retryable, err = d.bool(fp); err != nil {
			return err
		}
	case OutcomeInvalidArgs:
		fp := &path{parent: p, name: outcomeKeys[message]}
		if _, err = d.seek(ms[message], fp, start, false); err != nil {
			return err
		}
		if v.text, err = d.str(fp); err != nil {
			return err
		}
	case OutcomeCapabilityDenied:
		fp := &path{parent: p, name: outcomeKeys[missing]}
		if _, err = d.seek(ms[missing], fp, start, false); err != nil {
			return err
		}
		if v.missing, err = d.strs(fp); err != nil {
			return err
		}
	case OutcomeRateLimited:
		fp := &path{parent: p, name: outcomeKeys[retryAfterMS]}
		if found, err = d.seek(ms[retryAfterMS], fp, start, true); err != nil {
			return err
		}
		if found {
			var isNull bool
			if isNull, err = d.null(fp); err != nil {
				return err
			}
			if !isNull {
				if v.retryAfterMS, err = d.uint(fp, math.MaxUint64, "uint64"); err != nil {
					return err
				}
				v.hasRetryAfter = true
			}
		}
	}
	d.pos = end
	*o = v
	return nil
}

var provSourceKeys = [...]string{"kind", "issuer_did", "chain_depth"}

// provSource decodes the ProvSource object at d.pos into s.
func (d *decoder) provSource(s *ProvSource, p *path, level int) error {
	const (
		kind = iota
		issuerDID
		chainDepth
	)
	var ms [len(provSourceKeys)]member
	start, err := d.scanTagged(p, level, provSourceKeys[:], ms[:])
	if err != nil {
		return err
	}
	end := d.pos

	kp := &path{parent: p, name: "kind"}
	name, err := d.kindName(ms[kind], kp, start)
	if err != nil {
		return err
	}
	k, ok := parseProvSourceKind(name)
	if !ok {
		return d.fail(kp, ms[kind].off, "unknown provenance source kind "+strconv.Quote(string(name)))
	}

	v := ProvSource{kind: k}
	if k == SourceUCANChain {
		fp := &path{parent: p, name: provSourceKeys[issuerDID]}
		if _, err = d.seek(ms[issuerDID], fp, start, false); err != nil {
			return err
		}
		if v.issuerDID, err = d.str(fp); err != nil {
			return err
		}
		fp = &path{parent: p, name: provSourceKeys[chainDepth]}
		if _, err = d.seek(ms[chainDepth], fp, start, false); err != nil {
			return err
		}
		var depth uint64
		if depth, err = d.uint(fp, math.MaxUint8, "uint8"); err != nil {
			return err
		}
		v.chainDepth = uint8(depth)
	}
	d.pos = end
	*s = v
	return nil
}

// provenance decodes the CapProvenance object at d.pos into c.
func (d *decoder) provenance(c *CapProvenance, p *path, level int) error {
	start := d.pos
	if err := d.openObject(p); err != nil {
		return err
	}
	var haveCap, haveSource bool
	for first := true; ; first = false {
		key, keyOff, ok, err := d.nextKey(p, first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(key) {
		case "cap":
			fp := &path{parent: p, name: "cap"}
			if haveCap {
				return d.fail(fp, keyOff, "duplicate key")
			}
			haveCap = true
			if c.Cap, err = d.str(fp); err != nil {
				return err
			}
		case "source":
			fp := &path{parent: p, name: "source"}
			if haveSource {
				return d.fail(fp, keyOff, "duplicate key")
			}
			haveSource = true
			if err = d.provSource(&c.Source, fp, level+1); err != nil {
				return err
			}
		default:
			if err := d.skipMember(p, key, 0); err != nil {
				return err
			}
		}
	}
	switch {
	case !haveCap:
		return d.fail(&path{parent: p, name: "cap"}, start, "missing required field")
	case !haveSource:
		return d.fail(&path{parent: p, name: "source"}, start, "missing required field")
	}
	return nil
}

// provenanceList decodes the array of provenance entries at d.pos. An
// empty array gives a non-nil empty slice.
func (d *decoder) provenanceList(p *path, level int) ([]CapProvenance, error) {
	if d.peek() != '[' {
		return nil, d.wrongType(p, "array of objects")
	}
	d.pos++
	out := []CapProvenance{}
	for i := 0; ; i++ {
		ok, err := d.nextElem(p, i == 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		var c CapProvenance
		if err := d.provenance(&c, &path{parent: p, index: i}, level+1); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}
