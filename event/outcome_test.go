package event_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spillway-go/spillway/event"
)

func TestOutcomeKindString(t *testing.T) {
	tests := []struct {
		give event.OutcomeKind
		want string
	}{
		{event.OutcomeSuccess, "success"},
		{event.OutcomeExecutionFailed, "execution_failed"},
		{event.OutcomeInvalidArgs, "invalid_args"},
		{event.OutcomeCapabilityDenied, "capability_denied"},
		{event.OutcomeRateLimited, "rate_limited"},
		{event.OutcomeToolNotFound, "tool_not_found"},
		{event.OutcomeKind(6), "OutcomeKind(6)"},
		{event.OutcomeKind(255), "OutcomeKind(255)"},
	}
	for _, tt := range tests {
		if got := tt.give.String(); got != tt.want {
			t.Errorf("OutcomeKind(%d).String() = %q; want %q", uint8(tt.give), got, tt.want)
		}
	}
}

func TestOutcomeAccessors(t *testing.T) {
	type view struct {
		Kind          event.OutcomeKind
		Code          string
		Retryable     bool
		Message       string
		Missing       []string
		RetryAfterMS  uint64
		HasRetryAfter bool
	}
	read := func(o event.Outcome) view {
		ms, ok := o.RetryAfterMS()
		return view{o.Kind(), o.Code(), o.Retryable(), o.Message(), o.Missing(), ms, ok}
	}
	tests := []struct {
		name string
		give event.Outcome
		want view
	}{
		{name: "zero is success", give: event.Outcome{}, want: view{Kind: event.OutcomeSuccess}},
		{name: "success", give: event.Success(), want: view{Kind: event.OutcomeSuccess}},
		{name: "execution_failed", give: event.ExecutionFailed("E_IO", true), want: view{Kind: event.OutcomeExecutionFailed, Code: "E_IO", Retryable: true}},
		{name: "invalid_args", give: event.InvalidArgs("bad"), want: view{Kind: event.OutcomeInvalidArgs, Message: "bad"}},
		{name: "capability_denied", give: event.CapabilityDenied([]string{"x"}), want: view{Kind: event.OutcomeCapabilityDenied, Missing: []string{"x"}}},
		{name: "rate_limited", give: event.RateLimited(30, true), want: view{Kind: event.OutcomeRateLimited, RetryAfterMS: 30, HasRetryAfter: true}},
		{name: "rate_limited unknown", give: event.RateLimited(30, false), want: view{Kind: event.OutcomeRateLimited}},
		{name: "tool_not_found", give: event.ToolNotFound(), want: view{Kind: event.OutcomeToolNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, read(tt.give)); diff != "" {
				t.Errorf("accessors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOutcomeEqual(t *testing.T) {
	all := []event.Outcome{
		event.Success(),
		event.ExecutionFailed("E", false),
		event.ExecutionFailed("E", true),
		event.ExecutionFailed("F", false),
		event.InvalidArgs("E"),
		event.InvalidArgs(""),
		event.CapabilityDenied(nil),
		event.CapabilityDenied([]string{"E"}),
		event.CapabilityDenied([]string{"E", "F"}),
		event.RateLimited(0, false),
		event.RateLimited(0, true),
		event.RateLimited(1, true),
		event.ToolNotFound(),
	}
	for i, a := range all {
		for j, b := range all {
			if got := a.Equal(b); got != (i == j) {
				t.Errorf("%v.Equal(%v) = %v; want %v", a, b, got, i == j)
			}
			if got := cmp.Equal(a, b); got != (i == j) {
				t.Errorf("cmp.Equal(%v, %v) = %v; want %v", a, b, got, i == j)
			}
		}
	}
	if !event.CapabilityDenied(nil).Equal(event.CapabilityDenied([]string{})) {
		t.Error("CapabilityDenied(nil) != CapabilityDenied([]string{}); both are written as []")
	}
	if !(event.Outcome{}).Equal(event.Success()) {
		t.Error("the zero Outcome is not Success()")
	}
}

// TestRateLimitedMirrorsRetryAfterMS checks that RateLimited's arguments
// take RetryAfterMS's results.
func TestRateLimitedMirrorsRetryAfterMS(t *testing.T) {
	for _, o := range []event.Outcome{event.RateLimited(42, true), event.RateLimited(0, false)} {
		if c := event.RateLimited(o.RetryAfterMS()); !c.Equal(o) {
			t.Errorf("RateLimited(%v.RetryAfterMS()) = %v", o, c)
		}
	}
}

func TestProvSource(t *testing.T) {
	if got := event.SourceStringAllowList.String(); got != "string_allow_list" {
		t.Errorf("SourceStringAllowList.String() = %q", got)
	}
	if got := event.SourceUCANChain.String(); got != "ucan_chain" {
		t.Errorf("SourceUCANChain.String() = %q", got)
	}
	if got := event.ProvSourceKind(2).String(); got != "ProvSourceKind(2)" {
		t.Errorf("ProvSourceKind(2).String() = %q", got)
	}

	s := event.UCANChain("did:key:z", 7)
	if s.Kind() != event.SourceUCANChain || s.IssuerDID() != "did:key:z" || s.ChainDepth() != 7 {
		t.Errorf("UCANChain(did:key:z, 7) reads as %v, %q, %d", s.Kind(), s.IssuerDID(), s.ChainDepth())
	}
	a := event.StringAllowList()
	if a.Kind() != event.SourceStringAllowList || a.IssuerDID() != "" || a.ChainDepth() != 0 {
		t.Errorf("StringAllowList() reads as %v, %q, %d", a.Kind(), a.IssuerDID(), a.ChainDepth())
	}
	if !(event.ProvSource{}).Equal(a) {
		t.Error("the zero ProvSource is not StringAllowList()")
	}
	for _, tt := range []struct {
		a, b event.ProvSource
		want bool
	}{
		{a, a, true},
		{s, event.UCANChain("did:key:z", 7), true},
		{s, event.UCANChain("did:key:y", 7), false},
		{s, event.UCANChain("did:key:z", 6), false},
		{s, a, false},
		{event.UCANChain("", 0), a, false},
	} {
		if got := tt.a.Equal(tt.b); got != tt.want {
			t.Errorf("%v.Equal(%v) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
	p := event.CapProvenance{Cap: "c", Source: s}
	if !p.Equal(event.CapProvenance{Cap: "c", Source: event.UCANChain("did:key:z", 7)}) ||
		p.Equal(event.CapProvenance{Cap: "d", Source: s}) {
		t.Error("CapProvenance.Equal compares wrongly")
	}
}
