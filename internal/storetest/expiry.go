package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// testExpiry checks that an expired claim or counter is gone or ignored,
// whether or not the engine has dropped it yet: a claim of an expired key
// is fresh again, an expired counter is NotFound and a new one may replace
// it, and an expired claim cannot be settled.
func testExpiry(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	past, future := time.Now().Add(-time.Second), time.Now().Add(time.Hour)

	_, _, err := s.Claim(ctx, "idem:u1:old", "todo-1", past)
	mustNil(t, err)
	held, fresh, err := s.Claim(ctx, "idem:u1:old", "todo-2", future)
	mustNil(t, err)
	if !fresh || held != "todo-2" {
		t.Fatalf("claim of an expired key = %q, %v; want todo-2, fresh", held, fresh)
	}
	// A claim settled to a past expiry is expired too.
	_, _, err = s.Claim(ctx, "mail:code:old", "sending:a", future)
	mustNil(t, err)
	mustNil(t, s.Settle(ctx, "mail:code:old", "sending:a", "sent", past))
	wantCode(t, s.Settle(ctx, "mail:code:old", "sent", "sent again", future), todo.Conflict)
	held, fresh, err = s.Claim(ctx, "mail:code:old", "sending:b", future)
	mustNil(t, err)
	if !fresh || held != "sending:b" {
		t.Fatalf("claim over a claim settled to the past = %q, %v; want sending:b, fresh", held, fresh)
	}

	th := &todo.Throttle{Key: "login:old@example.com", Failures: 4, WindowStart: now, Expires: past}
	mustNil(t, s.PutThrottle(ctx, th))
	_, err = s.Throttle(ctx, th.Key)
	wantCode(t, err, todo.NotFound)
	fresh2 := &todo.Throttle{Key: th.Key, Failures: 1, WindowStart: now, Expires: future}
	mustNil(t, s.PutThrottle(ctx, fresh2))
	wantVersion(t, "create over an expired counter", fresh2.Version, 1)
	got, err := s.Throttle(ctx, th.Key)
	mustNil(t, err)
	if got.Failures != 1 {
		t.Fatalf("counter after replacing an expired one = %+v, want 1 failure", got)
	}
}
