//go:build unix

package devstack_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/devstack"
)

// TestGroupStopsGrandchildren: with Spec.Group, Stop ends what the child
// started too (as a runtime emulator's bootstrap), and Err reports how the
// child ended.
func TestGroupStopsGrandchildren(t *testing.T) {
	p, err := devstack.Start(context.Background(), devstack.Spec{Name: "sh", Bin: "/bin/sh",
		Args: []string{"-c", "sleep 1000 & echo child $!; echo ready; wait"}, Ready: "ready", Group: true, Grace: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for _, l := range strings.Split(p.Output(), "\n") {
		if s, ok := strings.CutPrefix(l, "child "); ok {
			pid, _ = strconv.Atoi(s)
		}
	}
	if pid == 0 {
		t.Fatalf("no grandchild pid in %q", p.Output())
	}
	p.Stop()
	var ee interface{ ExitCode() int }
	if !errors.As(p.Err(), &ee) {
		t.Errorf("Err = %v, want the exit status of a terminated shell", p.Err())
	}
	// The grandchild is gone once it is reaped; it was re-parented, so wait
	// for it briefly.
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("grandchild %d still runs after Stop", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
