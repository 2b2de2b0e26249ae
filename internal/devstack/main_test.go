//go:build unix

package devstack

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"
)

// TestMainEndsTheContextOnSIGTERM: a SIGTERM to the process ends run's
// context (instead of killing the process), so a tool stops its children
// and returns its code.
func TestMainEndsTheContextOnSIGTERM(t *testing.T) {
	code := runMain(func(ctx context.Context, args []string, _, _ io.Writer) int {
		if len(args) != 1 || args[0] != "-x" {
			t.Errorf("args %v", args)
		}
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
			t.Error(err)
			return 1
		}
		select {
		case <-ctx.Done():
			return 7
		case <-time.After(5 * time.Second):
			return 1
		}
	}, []string{"-x"}, io.Discard, io.Discard)
	if code != 7 {
		t.Fatalf("code %d, want 7 (the context ended by SIGTERM)", code)
	}
}
