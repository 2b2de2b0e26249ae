package dynamodb_test

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// TestSettleUsesInjectedClock shows that Settle's condition compares the
// stored expiry (epoch seconds, rounded up) with Config.Now, so a claim
// that has expired is not settled even before the TTL deletes it.
func TestSettleUsesInjectedClock(t *testing.T) {
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	cfg := NewConfig(t)
	cfg.Now = clk.Now
	s, ctx := MustOpen(t, cfg), context.Background()

	if _, fresh, err := s.Claim(ctx, "mail:code:n", "sending:a", clk.Now().Add(time.Minute)); err != nil || !fresh {
		t.Fatalf("claim: fresh=%v err=%v", fresh, err)
	}
	clk.Advance(59 * time.Second)
	if err := s.Settle(ctx, "mail:code:n", "sending:a", "sending:a", clk.Now().Add(time.Second)); err != nil {
		t.Fatalf("Settle a second before expiry: %v", err)
	}
	clk.Advance(time.Second)
	if err := s.Settle(ctx, "mail:code:n", "sending:a", "sent", clk.Now().Add(time.Hour)); todo.ErrorCode(err) != todo.Conflict {
		t.Fatalf("Settle at expiry = %v, want Conflict", err)
	}
	if held, fresh, err := s.Claim(ctx, "mail:code:n", "sending:b", clk.Now().Add(time.Minute)); err != nil || !fresh || held != "sending:b" {
		t.Fatalf("Claim after expiry = %q, %v, %v; want sending:b, fresh", held, fresh, err)
	}
}
