package todo

import (
	"context"
	"testing"
)

func TestSessionIDContext(t *testing.T) {
	ctx := context.Background()
	if got := SessionID(ctx); got != "" {
		t.Fatalf("SessionID of an anonymous context = %q", got)
	}
	ctx = WithSessionID(WithUserID(ctx, "u1"), "s1")
	if SessionID(ctx) != "s1" || UserID(ctx) != "u1" {
		t.Fatalf("SessionID, UserID = %q, %q", SessionID(ctx), UserID(ctx))
	}
}
