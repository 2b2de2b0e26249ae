package tablestore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/todo"
)

// TestSettleExpiryAndCondition shows that Settle decides expiry by
// Config.Now and that its write is conditional: a row that changes between
// Settle's read and its PutRow (the double's condition failure stands in
// for the racing writer) is a Conflict, not a lost update.
func TestSettleExpiryAndCondition(t *testing.T) {
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := NewServer(t)
	cfg := NewConfig(srv)
	cfg.Now = clk.Now
	s, ctx := MustOpen(t, cfg), context.Background()

	if _, fresh, err := s.Claim(ctx, "mail:code:n", "sending:a", clk.Now().Add(time.Minute)); err != nil || !fresh {
		t.Fatalf("claim: fresh=%v err=%v", fresh, err)
	}
	srv.FailNext("PutRow", tablestoretest.Error{Status: http.StatusForbidden, Code: tablestoretest.CodeConditionCheckFail, Message: "Condition check failed."})
	if err := s.Settle(ctx, "mail:code:n", "sending:a", "sent", clk.Now().Add(time.Hour)); todo.ErrorCode(err) != todo.Conflict {
		t.Fatalf("Settle whose write lost the race = %v, want Conflict", err)
	}

	clk.Advance(59*time.Second + 999*time.Millisecond)
	if err := s.Settle(ctx, "mail:code:n", "sending:a", "sending:a", clk.Now().Add(time.Second)); err != nil {
		t.Fatalf("Settle 1 ms before expiry: %v", err)
	}
	clk.Advance(time.Second)
	if err := s.Settle(ctx, "mail:code:n", "sending:a", "sent", clk.Now().Add(time.Hour)); todo.ErrorCode(err) != todo.Conflict {
		t.Fatalf("Settle at expiry = %v, want Conflict", err)
	}
	if err := s.Settle(ctx, "", "a", "b", clk.Now()); todo.ErrorCode(err) != todo.Conflict {
		t.Fatalf("Settle of an empty key = %v, want Conflict", err)
	}
}
