package tablestore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/internal/tablestoretest"
	"github.com/todofn/todofn/pkg/todo"
)

// TestSettleCondition shows that Settle's write is conditional (its expiry
// by the store's clock is the conformance suite's SettleClock): a row that
// changes between Settle's read and its PutRow (the double's condition
// failure stands in for the racing writer) is a Conflict, not a lost
// update.
func TestSettleCondition(t *testing.T) {
	clk := storetest.NewClock()
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
	if err := s.Settle(ctx, "", "a", "b", clk.Now()); todo.ErrorCode(err) != todo.Conflict {
		t.Fatalf("Settle of an empty key = %v, want Conflict", err)
	}
}
