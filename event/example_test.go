package event_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spillway-go/spillway/event"
)

func Example() {
	// Dispatch sites use event.Now(); a fixed time keeps the output stable.
	ts := event.FormatTime(time.Date(2026, 5, 29, 0, 0, 0, 0, time.UTC))
	e := event.New(ts, "01J000000000000000000000TEST", "ref:echo.say", 17, event.Success(), "warm").
		WithCallerID("test-client").
		WithGrantedCapabilities([]string{"read", "write"})

	var buf []byte // reused across events by a JSON-lines writer
	buf = e.AppendJSON(buf[:0])
	buf = append(buf, '\n')
	os.Stdout.Write(buf)
	// Output:
	// {"ts":"2026-05-29T00:00:00+00:00","call_id":"01J000000000000000000000TEST","tool_id":"ref:echo.say","caller_id":"test-client","granted_capabilities":["read","write"],"duration_ms":17,"outcome":{"kind":"success"},"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false}
}

func ExampleParse() {
	// A v2 line: no capability_provenance.
	line := []byte(`{"ts":"2026-05-29T00:00:00+00:00","call_id":"01J","tool_id":"ref:fs.read","granted_capabilities":["fs:read"],"duration_ms":4,"outcome":{"kind":"execution_failed","code":"FS_NOT_FOUND","retryable":false},"tier":"warm","dry_run":false,"schema_version":2,"secrets_resolved":false,"cursor_page":2}` + "\n")
	e, err := event.Parse(line)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, hasCaller := e.CallerID()
	page, _ := e.CursorPage()
	fmt.Println(e.ToolID(), e.Outcome().Kind(), e.Outcome().Code(), e.SchemaVersion())
	fmt.Println("caller:", hasCaller, "page:", page, "provenance:", e.CapabilityProvenance() != nil)

	_, err = event.Parse([]byte(`{"ts":"2026-05-29T00:00:00+00:00","duration_ms":-4}`))
	var de *event.DecodeError
	fmt.Println(err, errors.As(err, &de) && de.Field == "duration_ms")
	// Output:
	// ref:fs.read execution_failed FS_NOT_FOUND 2
	// caller: false page: 2 provenance: false
	// event: field "duration_ms": want uint64, got negative number -4 true
}

func ExampleCallEvent_WithCapabilityProvenance() {
	ts := "2026-05-29T00:00:00+00:00"
	base := event.New(ts, "c", "t", 1, event.Success(), "warm")

	// nil: provenance was not tracked, and the key is omitted.
	fmt.Println(base.WithCapabilityProvenance(nil))
	// Empty: tracked, and nothing was granted.
	fmt.Println(base.WithCapabilityProvenance([]event.CapProvenance{}))

	e := base.WithGrantedCapabilities([]string{"records:read", "records:write"}).
		WithCapabilityProvenance([]event.CapProvenance{
			{Cap: "records:read", Source: event.StringAllowList()},
			{Cap: "records:write", Source: event.UCANChain("did:key:zABC", 1)},
		})
	for _, p := range e.CapabilityProvenance() {
		fmt.Println(p.Cap, p.Source)
	}
	// Output:
	// {"ts":"2026-05-29T00:00:00+00:00","call_id":"c","tool_id":"t","granted_capabilities":[],"duration_ms":1,"outcome":{"kind":"success"},"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false}
	// {"ts":"2026-05-29T00:00:00+00:00","call_id":"c","tool_id":"t","granted_capabilities":[],"duration_ms":1,"outcome":{"kind":"success"},"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false,"capability_provenance":[]}
	// records:read {"kind":"string_allow_list"}
	// records:write {"kind":"ucan_chain","issuer_did":"did:key:zABC","chain_depth":1}
}

func ExampleRateLimited() {
	fmt.Println(event.RateLimited(250, true))
	fmt.Println(event.RateLimited(0, false))
	o := event.RateLimited(250, true)
	if ms, ok := o.RetryAfterMS(); ok {
		fmt.Println("retry after", time.Duration(ms)*time.Millisecond)
	}
	// Output:
	// {"kind":"rate_limited","retry_after_ms":250}
	// {"kind":"rate_limited","retry_after_ms":null}
	// retry after 250ms
}

func ExampleFormatTime() {
	t := time.Date(2026, 5, 29, 9, 30, 0, 0, time.FixedZone("CEST", 2*60*60))
	fmt.Println(event.FormatTime(t))
	fmt.Println(event.FormatTime(t.Add(250 * time.Millisecond)))
	fmt.Println(event.FormatTime(t.Add(1500 * time.Microsecond)))
	fmt.Println(event.FormatTime(t.Add(7)))
	// Output:
	// 2026-05-29T07:30:00+00:00
	// 2026-05-29T07:30:00.250+00:00
	// 2026-05-29T07:30:00.001500+00:00
	// 2026-05-29T07:30:00.000000007+00:00
}

// Through encoding/json, an Encoder with SetEscapeHTML(false) writes the
// exact wire format; json.Marshal would escape the '<' and '>'.
func ExampleCallEvent_MarshalJSON() {
	e := event.New("2026-05-29T00:00:00+00:00", "c", "t", 1, event.InvalidArgs("want <path>"), "warm")
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"event": e}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"event":{"ts":"2026-05-29T00:00:00+00:00","call_id":"c","tool_id":"t","granted_capabilities":[],"duration_ms":1,"outcome":{"kind":"invalid_args","message":"want <path>"},"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false}}
}
