package reliability_test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd's process if the test process
// dies first, so that a helper never outlives a crashed test run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
