package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

func testThrottles(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	_, err := s.Throttle(ctx, "login:ann@example.com")
	wantCode(t, err, todo.NotFound)

	th := &todo.Throttle{Key: "login:ann@example.com", Failures: 1, WindowStart: now, Expires: time.Now().Add(time.Hour)}
	mustNil(t, s.PutThrottle(ctx, th))
	wantVersion(t, "create", th.Version, 1)
	// A second create races and loses.
	wantCode(t, s.PutThrottle(ctx, &todo.Throttle{Key: th.Key, Failures: 1, Expires: th.Expires}), todo.Conflict)

	got, err := s.Throttle(ctx, th.Key)
	mustNil(t, err)
	if got.Failures != 1 || !got.WindowStart.Equal(now) || got.Version != 1 {
		t.Fatalf("throttle round trip = %+v", got)
	}
	got.Failures = 5
	got.LockedUntil = now.Add(15 * time.Minute)
	mustNil(t, s.PutThrottle(ctx, got))
	stale := *th
	stale.Failures = 2
	wantCode(t, s.PutThrottle(ctx, &stale), todo.Conflict)

	again, err := s.Throttle(ctx, th.Key)
	mustNil(t, err)
	if again.Failures != 5 || !again.LockedUntil.Equal(now.Add(15*time.Minute)) || again.Version != 2 {
		t.Fatalf("throttle after update = %+v", again)
	}
	mustNil(t, s.DeleteThrottle(ctx, th.Key))
	mustNil(t, s.DeleteThrottle(ctx, th.Key))
	_, err = s.Throttle(ctx, th.Key)
	wantCode(t, err, todo.NotFound)
}
