package event

import "strconv"

// A CapProvenance records one granted capability and the mechanism that
// granted it. [CallEvent.GrantedCapabilities] is the resulting set; a
// CallEvent's [CallEvent.CapabilityProvenance] lists where each came from,
// so an operator can answer "why did caller X have capability Y?".
//
// Its wire form is {"cap":...,"source":{...}}. The zero CapProvenance has
// an empty Cap granted by the string allow-list.
type CapProvenance struct {
	Cap    string     // the capability, as in GrantedCapabilities
	Source ProvSource // how it was granted
}

// Equal reports whether p and q name the same capability from the same
// source.
func (p CapProvenance) Equal(q CapProvenance) bool {
	return p.Cap == q.Cap && p.Source.Equal(q.Source)
}

// MarshalJSON returns p's wire form, as it appears in a CallEvent's
// "capability_provenance" array. It never fails.
func (p CapProvenance) MarshalJSON() ([]byte, error) {
	return appendProvenance(make([]byte, 0, 64), &p), nil
}

// UnmarshalJSON decodes a provenance entry's wire form into p, with the
// rules of [CallEvent.UnmarshalJSON]. On error p is left unchanged.
func (p *CapProvenance) UnmarshalJSON(data []byte) error {
	var v CapProvenance
	if err := decodeWhole(data, func(d *decoder) error {
		return d.provenance(&v, nil, 1)
	}); err != nil {
		return err
	}
	*p = v
	return nil
}

// ProvSourceKind says which mechanism a [ProvSource] names. Its String
// method returns the wire name (the value of the source's "kind" key).
type ProvSourceKind uint8

// The provenance source kinds. The zero ProvSourceKind is
// SourceStringAllowList.
const (
	// SourceStringAllowList: granted by the operator's string allow-list
	// (the granted capability flags intersected with the capabilities the
	// client requested). Wire name "string_allow_list".
	SourceStringAllowList ProvSourceKind = iota
	// SourceUCANChain: granted by a link of a UCAN-lite delegation chain.
	// Wire name "ucan_chain".
	SourceUCANChain
)

var provSourceKindNames = [...]string{
	SourceStringAllowList: "string_allow_list",
	SourceUCANChain:       "ucan_chain",
}

// String returns the snake_case wire name of k, such as "ucan_chain",
// or "ProvSourceKind(N)" for a value that is not one of the declared kinds.
func (k ProvSourceKind) String() string {
	if int(k) < len(provSourceKindNames) {
		return provSourceKindNames[k]
	}
	return "ProvSourceKind(" + strconv.Itoa(int(k)) + ")"
}

func parseProvSourceKind(name []byte) (ProvSourceKind, bool) {
	for k, n := range provSourceKindNames {
		if string(name) == n {
			return ProvSourceKind(k), true
		}
	}
	return 0, false
}

// A ProvSource says where a granted capability came from. It is a tagged
// union of two variants, built with [StringAllowList] and [UCANChain]; its
// [ProvSource.Kind] says which. The zero ProvSource is StringAllowList().
// Use [ProvSource.Equal] to compare two ProvSources.
//
// A ProvSource is an immutable value, safe for concurrent use.
type ProvSource struct {
	kind       ProvSourceKind
	chainDepth uint8
	issuerDID  string
}

// StringAllowList returns the source of a capability granted by the
// operator's string allow-list. Its wire form is {"kind":"string_allow_list"}.
func StringAllowList() ProvSource { return ProvSource{kind: SourceStringAllowList} }

// UCANChain returns the source of a capability granted by a UCAN-lite
// chain link: issuerDID is the link's issuer ("iss") and chainDepth its
// position in the chain (0 is the root). Its wire form is
// {"kind":"ucan_chain","issuer_did":...,"chain_depth":...}.
func UCANChain(issuerDID string, chainDepth uint8) ProvSource {
	return ProvSource{kind: SourceUCANChain, issuerDID: issuerDID, chainDepth: chainDepth}
}

// Kind returns which variant s is.
func (s ProvSource) Kind() ProvSourceKind { return s.kind }

// IssuerDID returns the issuer of a UCANChain source, and "" for any other
// kind.
func (s ProvSource) IssuerDID() string {
	if s.kind != SourceUCANChain {
		return ""
	}
	return s.issuerDID
}

// ChainDepth returns the chain position of a UCANChain source (0 is the
// root), and 0 for any other kind.
func (s ProvSource) ChainDepth() uint8 {
	if s.kind != SourceUCANChain {
		return 0
	}
	return s.chainDepth
}

// Equal reports whether s and t are the same source.
func (s ProvSource) Equal(t ProvSource) bool {
	if s.kind != t.kind {
		return false
	}
	return s.kind != SourceUCANChain || s.issuerDID == t.issuerDID && s.chainDepth == t.chainDepth
}

// String returns s's wire form, for debugging and test failure messages.
func (s ProvSource) String() string { return string(appendProvSource(nil, &s)) }

// MarshalJSON returns s's wire form, as it appears under a provenance
// entry's "source" key. It never fails.
func (s ProvSource) MarshalJSON() ([]byte, error) {
	return appendProvSource(make([]byte, 0, 64), &s), nil
}

// UnmarshalJSON decodes a provenance source's wire form into s, with the
// rules of [CallEvent.UnmarshalJSON]. On error s is left unchanged.
func (s *ProvSource) UnmarshalJSON(data []byte) error {
	var v ProvSource
	if err := decodeWhole(data, func(d *decoder) error {
		return d.provSource(&v, nil, 1)
	}); err != nil {
		return err
	}
	*s = v
	return nil
}
