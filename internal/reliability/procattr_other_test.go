//go:build !linux

package reliability_test

import "os/exec"

// dieWithParent does nothing where the kernel cannot kill a child with its
// parent: a helper stops by itself after crashWriterMax events.
func dieWithParent(*exec.Cmd) {}
