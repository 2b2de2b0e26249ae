package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/todo"
)

func TestVerify(t *testing.T) {
	ctx := context.Background()
	t.Run("unknown address", func(t *testing.T) {
		f := newFixture(t)
		wantCode(t, f.svc.Verify(ctx, "nobody@example.com", "123456"), todo.InvalidCode)
	})
	t.Run("malformed code", func(t *testing.T) {
		f := newFixture(t)
		wantCode(t, f.svc.Verify(ctx, "nobody@example.com", "12ab56"), todo.ValidationFailed)
	})
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t)
		f.register(t, "ann@example.com", pw, "")
		code := f.code(t, "ann@example.com")
		f.clock.Add(15 * time.Minute)
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code), todo.InvalidCode)
	})
	t.Run("one code dies after five wrong tries; a new code has its own", func(t *testing.T) {
		f := newFixture(t)
		f.register(t, "ann@example.com", pw, "")
		code := f.code(t, "ann@example.com")
		for range 5 {
			wantCode(t, f.svc.Verify(ctx, "ann@example.com", otherThan(code)), todo.InvalidCode)
		}
		// The sixth try is refused before its code is checked, the right one too.
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code), todo.RateLimited)
		f.clock.Add(time.Minute)
		f.register(t, "ann@example.com", pw, "") // the owner asks again
		if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com")); err != nil {
			t.Fatalf("the new code: %v", err)
		}
	})
	t.Run("a verified account has no live code", func(t *testing.T) {
		f := newFixture(t)
		f.register(t, "Ann@Example.com", pw, "")
		code := f.code(t, "ann@example.com")
		if err := f.svc.Verify(ctx, "ANN@example.com", code); err != nil {
			t.Fatal(err)
		}
		u := f.user(t, "ann@example.com")
		if u.Status != todo.StatusVerified || !u.VerifiedAt.Equal(f.clock.Now()) || u.CodeNonce != "" {
			t.Fatalf("after verify: %+v", u)
		}
		// Finding 8: the last code no longer answers, and its tries count.
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code), todo.InvalidCode)
	})
}

// TestCodesCannotBeFarmed is finding 4: an attacker guesses at a victim's
// address, killing codes and asking for new ones; after CodeTriesPerDay
// wrong tries across all codes, every code of the address is refused until
// the UTC day turns, the owner's right one too (then they try tomorrow).
func TestCodesCannotBeFarmed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.register(t, "victim@example.com", pw, "")
	p := account.DefaultPolicy
	wrong := 0
	for wrong < p.CodeTriesPerDay {
		code := f.code(t, "victim@example.com")
		for range p.MaxCodeAttempts {
			if wrong == p.CodeTriesPerDay {
				break
			}
			wantCode(t, f.svc.Verify(ctx, "victim@example.com", otherThan(code)), todo.InvalidCode)
			wrong++
		}
		f.clock.Add(time.Minute)
		f.register(t, "victim@example.com", "anything else entirely", "") // a new code, please
	}
	err := f.svc.Verify(ctx, "victim@example.com", f.code(t, "victim@example.com"))
	wantCode(t, err, todo.RateLimited)
	if e := err.(*todo.Error); e.RetryAfter <= 0 || e.RetryAfter > 24*3600 {
		t.Fatalf("RetryAfter %d", e.RetryAfter)
	}
	f.clock.Add(24 * time.Hour)
	f.register(t, "victim@example.com", pw, "")
	if err := f.svc.Verify(ctx, "victim@example.com", f.code(t, "victim@example.com")); err != nil {
		t.Fatalf("the next day: %v", err)
	}
}

// TestVerifySameWorkForEveryAnswer is finding 8's timing part: a wrong
// code costs the same store calls whether the address is unknown, pending
// or verified.
func TestVerifySameWorkForEveryAnswer(t *testing.T) {
	ctx := context.Background()
	var shapes []map[string]int
	for _, state := range []string{"unknown", "pending", "verified"} {
		f := newFixture(t)
		switch state {
		case "pending":
			f.register(t, "ann@example.com", pw, "")
		case "verified":
			f.verified(t, "ann@example.com", pw)
		}
		before := f.count.snapshot()
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", "000001"), todo.InvalidCode)
		after := f.count.snapshot()
		for k, v := range before {
			after[k] -= v
		}
		shapes = append(shapes, after)
	}
	for i := 1; i < len(shapes); i++ {
		for _, k := range []string{"User", "write user", "Throttle", "PutThrottle"} {
			if shapes[i][k] != shapes[0][k] {
				t.Fatalf("store calls differ: unknown %v, pending %v, verified %v", shapes[0], shapes[1], shapes[2])
			}
		}
	}
}
