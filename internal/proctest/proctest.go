// Package proctest is the testing side of internal/devstack: what the test
// adapters of the real services (dynalitetest, mailpittest, toxiproxytest)
// and the tests that run our binaries share: a free loopback port, the
// skip-or-fail rule for a service that is not installed, and a buffer that
// a child process writes its output to while a test reads it.
package proctest

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/todofn/todofn/internal/devstack"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	p, err := devstack.FreePort()
	if err != nil {
		tb.Fatalf("proctest: %v", err)
	}
	return p
}

// Need ends tb when a devstack starter failed: a service that is not
// installed (devstack.ErrMissing) skips the test, or fails it when the
// environment variable TODOFN_REQUIRE_SERVICES is "1" (as in CI and make
// test); any other error fails it. A nil err does nothing.
func Need(tb testing.TB, err error) {
	tb.Helper()
	switch {
	case err == nil:
	case errors.Is(err, devstack.ErrMissing) && os.Getenv("TODOFN_REQUIRE_SERVICES") != "1":
		tb.Skip(err)
	case errors.Is(err, devstack.ErrMissing):
		tb.Fatalf("%v (required: TODOFN_REQUIRE_SERVICES=1)", err)
	default:
		tb.Fatal(err)
	}
}

// Buffer collects a process's output; the process writes to it while the
// test may read it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
