package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// Clock is a settable clock for an Opener's now: it starts at a whole
// second (so an engine that keeps expiry in epoch seconds and one that
// keeps milliseconds agree on every step of the cases) and moves only when
// the test moves it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock at a fixed whole second.
func NewClock() *Clock { return &Clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testExpiryClock: a claim and a counter expire at their Expires as the
// store's clock reads it, not by the TTL (which deletes lazily) nor by the
// machine's clock: live a millisecond before, gone at the instant. A live
// counter cannot be created again from Version 0; an expired one can.
func testExpiryClock(t *testing.T, open Opener) {
	clk := NewClock()
	s, ctx := open(t, clk.Now), context.Background()

	if _, fresh, err := s.Claim(ctx, "k", "first", clk.Now().Add(time.Minute)); err != nil || !fresh {
		t.Fatalf("first claim: fresh=%v err=%v", fresh, err)
	}
	th := &todo.Throttle{Key: "login:a@example.com", Failures: 3, WindowStart: clk.Now(), Expires: clk.Now().Add(time.Minute)}
	mustNil(t, s.PutThrottle(ctx, th))
	steps := []struct {
		name      string
		advance   time.Duration
		wantHeld  string
		wantFresh bool
		wantCode  string // Throttle's error code
	}{
		{name: "before expiry", advance: time.Minute - time.Millisecond, wantHeld: "first", wantCode: ""},
		{name: "at expiry", advance: time.Millisecond, wantHeld: "second", wantFresh: true, wantCode: todo.NotFound},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.Advance(st.advance)
			held, fresh, err := s.Claim(ctx, "k", "second", clk.Now().Add(time.Minute))
			if err != nil || held != st.wantHeld || fresh != st.wantFresh {
				t.Fatalf("Claim = %q, %v, %v; want %q, %v", held, fresh, err, st.wantHeld, st.wantFresh)
			}
			_, err = s.Throttle(ctx, th.Key)
			if got := todo.ErrorCode(err); got != st.wantCode {
				t.Fatalf("Throttle error = %v, want code %q", err, st.wantCode)
			}
		})
	}
	live := &todo.Throttle{Key: "login:b@example.com", Failures: 1, WindowStart: clk.Now(), Expires: clk.Now().Add(time.Minute)}
	mustNil(t, s.PutThrottle(ctx, live))
	wantCode(t, s.PutThrottle(ctx, &todo.Throttle{Key: live.Key, Failures: 1, WindowStart: clk.Now(), Expires: clk.Now().Add(time.Minute)}), todo.Conflict)
	again := &todo.Throttle{Key: th.Key, Failures: 1, WindowStart: clk.Now(), Expires: clk.Now().Add(time.Minute)}
	mustNil(t, s.PutThrottle(ctx, again))
	wantVersion(t, "create over an expired counter", again.Version, 1)
	got, err := s.Throttle(ctx, th.Key)
	if err != nil || got.Failures != 1 || got.Version != 1 || !got.Expires.Equal(again.Expires) {
		t.Fatalf("Throttle after re-create = %+v, %v", got, err)
	}
}

// testSessionsExpiryClock: a session is live until its ExpiresAt as the
// store's clock reads it and NotFound from that instant, to reads and to
// updates alike.
func testSessionsExpiryClock(t *testing.T, open Opener) {
	clk := NewClock()
	s, ctx := open(t, clk.Now), context.Background()
	uid := ulid.Make().String()
	rs := newOwnedSession(t, s, uid)
	rs.CreatedAt, rs.LastUsedAt = clk.Now(), clk.Now()
	rs.ExpiresAt = clk.Now().Add(time.Hour)
	mustNil(t, s.CreateSession(ctx, rs))

	clk.Advance(time.Hour - time.Millisecond)
	got, err := s.Session(ctx, uid, rs.ID)
	mustNil(t, err)
	got.LastUsedAt = clk.Now()
	mustNil(t, s.UpdateSession(ctx, got))

	clk.Advance(time.Millisecond)
	_, err = s.Session(ctx, uid, rs.ID)
	wantCode(t, err, todo.NotFound)
}

// testSettleClock: Settle compares the claim's stored expiry with the
// store's clock, so a claim that has expired is not settled even before the
// TTL deletes it, and may be claimed afresh.
func testSettleClock(t *testing.T, open Opener) {
	clk := NewClock()
	s, ctx := open(t, clk.Now), context.Background()
	if _, fresh, err := s.Claim(ctx, "mail:code:n", "sending:a", clk.Now().Add(time.Minute)); err != nil || !fresh {
		t.Fatalf("claim: fresh=%v err=%v", fresh, err)
	}
	clk.Advance(59 * time.Second)
	if err := s.Settle(ctx, "mail:code:n", "sending:a", "sending:a", clk.Now().Add(time.Second)); err != nil {
		t.Fatalf("Settle a second before expiry: %v", err)
	}
	clk.Advance(time.Second)
	wantCode(t, s.Settle(ctx, "mail:code:n", "sending:a", "sent", clk.Now().Add(time.Hour)), todo.Conflict)
	if held, fresh, err := s.Claim(ctx, "mail:code:n", "sending:b", clk.Now().Add(time.Minute)); err != nil || !fresh || held != "sending:b" {
		t.Fatalf("Claim after expiry = %q, %v, %v; want sending:b, fresh", held, fresh, err)
	}
}
