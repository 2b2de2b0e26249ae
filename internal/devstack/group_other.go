//go:build !unix

package devstack

import (
	"os"
	"os/exec"
)

// ownGroup does nothing where there are no process groups.
func ownGroup(*exec.Cmd) {}

// terminate interrupts cmd.
func terminate(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Signal(os.Interrupt) }

// kill kills cmd.
func kill(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }
