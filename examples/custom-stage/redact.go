package main

import (
	"github.com/spillway-go/spillway/event"
	"github.com/spillway-go/spillway/pipeline"
)

// newRedactor returns a stage that blanks the caller ID of every event
// before passing it on to next. An event without a caller ID passes
// unchanged; one with a caller ID keeps the field, empty, so a reader can
// tell a redacted caller from a missing one.
//
// A redaction is a pure function of the value, so the stage is a
// pipeline.Map: it counts what it passes on, refuses values after Close,
// closes next, and reports its Stats and its child to the tree.
func newRedactor(next pipeline.Sink[event.CallEvent]) (*pipeline.Map[event.CallEvent, event.CallEvent], error) {
	return pipeline.NewMap("redact", next, redactCaller)
}

// redactCaller returns e with its caller ID blanked. The With methods return
// a copy, so the producer's event is left as it was.
func redactCaller(e event.CallEvent) event.CallEvent {
	if _, ok := e.CallerID(); ok {
		return e.WithCallerID("")
	}
	return e
}
