package reliability_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// helperEnv selects a helper mode: the test binary, run again by a test
// with this variable set, plays a process to be killed instead of running
// the tests (see crash_test.go), as os/exec's tests do.
const helperEnv = "SPILLWAY_RELIABILITY_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	goleak.VerifyTestMain(m)
}
