package main

import (
	"errors"
	"os"
	"sync/atomic"
)

// errInjected is the write error the flaky writer returns while it fails.
var errInjected = errors.New("injected write failure: audit volume unavailable")

// A flakyWriter writes to a file, except while it is set to fail: then
// every Write fails whole, writing nothing, as a volume that went away
// would. It stands in for the disk trouble a real audit file meets.
type flakyWriter struct {
	f       *os.File
	failing atomic.Bool
}

// setFailing starts or ends the stretch of failures.
func (w *flakyWriter) setFailing(on bool) { w.failing.Store(on) }

func (w *flakyWriter) Write(p []byte) (int, error) {
	if w.failing.Load() {
		return 0, errInjected
	}
	return w.f.Write(p)
}

// Sync makes what was written durable, so the writer can sync every batch.
func (w *flakyWriter) Sync() error { return w.f.Sync() }
