package storetest

import (
	"errors"
	"net"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

// WantUnavailable fails tb unless err is the Unavailable every engine
// answers when its service is busy, slow or unreachable: a Retry-After of
// at least a second and the one message.
func WantUnavailable(tb testing.TB, err error) {
	tb.Helper()
	var e *todo.Error
	if !errors.As(err, &e) || e.Code != todo.Unavailable || e.RetryAfter < 1 {
		tb.Fatalf("error = %v, want Unavailable with a Retry-After", err)
	}
	if e.Message != "The service is busy; try again in a moment." {
		tb.Fatalf("message = %q", e.Message)
	}
}

// ClosedEndpoint returns an http:// URL on 127.0.0.1 where nothing
// listens, so a dial is refused.
func ClosedEndpoint(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
