package jsonl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
	"github.com/spillway-go/spillway/sink/jsonl"
	"github.com/spillway-go/spillway/strategy"
)

// A Writer writes each event as one line before Send returns; a Reader
// reads the lines back.
func Example() {
	ctx := context.Background()
	var buf bytes.Buffer
	w, err := jsonl.NewWriter[event.CallEvent](&buf, nil)
	if err != nil {
		panic(err)
	}
	ts := "2026-05-29T00:00:00+00:00"
	w.Send(ctx, event.New(ts, "call-1", "ref:echo.say", 17, event.Success(), "warm").WithCallerID("test-client"))
	w.Send(ctx, event.New(ts, "call-2", "ref:fs.read", 3, event.ToolNotFound(), "cold"))
	w.Close(ctx)
	fmt.Print(buf.String())

	for ev, err := range jsonl.Read[event.CallEvent](&buf, nil) {
		if err != nil {
			panic(err)
		}
		fmt.Println(ev.CallID(), ev.Outcome().Kind())
	}
	// Output:
	// {"ts":"2026-05-29T00:00:00+00:00","call_id":"call-1","tool_id":"ref:echo.say","caller_id":"test-client","granted_capabilities":[],"duration_ms":17,"outcome":{"kind":"success"},"tier":"warm","dry_run":false,"schema_version":3,"secrets_resolved":false}
	// {"ts":"2026-05-29T00:00:00+00:00","call_id":"call-2","tool_id":"ref:fs.read","granted_capabilities":[],"duration_ms":3,"outcome":{"kind":"tool_not_found"},"tier":"cold","dry_run":false,"schema_version":3,"secrets_resolved":false}
	// call-1 success
	// call-2 tool_not_found
}

// Open is the audit trail of a server: a queue in front of a file, with a
// second file catching what the queue cannot hold or the first file cannot
// take.
func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "audit")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	overflow, err := jsonl.OpenWriter[event.CallEvent](filepath.Join(dir, "overflow.jsonl"), nil)
	if err != nil {
		panic(err)
	}
	s, err := jsonl.Open(filepath.Join(dir, "audit.jsonl"), &jsonl.Options[event.CallEvent]{
		Queue: pipeline.QueueOptions[event.CallEvent]{
			Strategy: strategy.Fallback,
			Fallback: overflow,
		},
		Sync: jsonl.SyncEveryBatch,
	})
	if err != nil {
		panic(err)
	}
	for i := range 3 {
		ev := event.New(event.Now(), fmt.Sprint("call-", i), "ref:echo.say", 1, event.Success(), "warm")
		if err := s.Send(ctx, ev); err != nil {
			fmt.Println("not recorded:", err)
		}
	}
	if err := s.Close(ctx); err != nil {
		panic(err)
	}
	for _, st := range pipeline.Walk(s) {
		fmt.Printf("%s: received %d, delivered %d\n", st.Path, st.Received, st.Delivered)
	}
	// Output:
	// jsonl: received 3, delivered 3
	// jsonl/writer: received 3, delivered 3
	// jsonl[fallback]/writer: received 0, delivered 0
}

// A lenient Reader skips the lines it cannot decode and counts them; a
// strict one reports each with its line number, and tells a torn last line
// (a crash in the middle of a write) from a corrupt one.
func ExampleReader() {
	ts := "2026-05-29T00:00:00+00:00"
	line := event.New(ts, "call-1", "ref:echo.say", 17, event.Success(), "warm").String()
	input := line + "\n" + `{"ts":"oops"}` + "\n" + line[:30]

	for _, err := range jsonl.Read[event.CallEvent](strings.NewReader(input), nil) {
		if err != nil {
			fmt.Println(err, "| torn:", errors.Is(err, jsonl.ErrTornLine))
		}
	}

	r := jsonl.NewReader[event.CallEvent](strings.NewReader(input), &jsonl.ReadOptions{Lenient: true})
	n := 0
	for range r.All() {
		n++
	}
	fmt.Println(n, "read,", r.Skipped(), "skipped")
	// Output:
	// jsonl: line 2: event: field "call_id": missing required field | torn: false
	// jsonl: line 3: torn last line | torn: true
	// 1 read, 2 skipped
}
