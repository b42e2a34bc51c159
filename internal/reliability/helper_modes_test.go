package reliability_test

import (
	"fmt"
	"os"
)

// runHelper runs the helper mode the test binary was started in, and
// returns the exit status.
func runHelper(mode string) int {
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 2
}
