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
		wantCode(t, f.svc.Verify(ctx, "nobody@example.com", "123456", pw), todo.InvalidCode)
	})
	t.Run("malformed code", func(t *testing.T) {
		f := newFixture(t)
		wantCode(t, f.svc.Verify(ctx, "nobody@example.com", "12ab56", pw), todo.ValidationFailed)
	})
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t)
		f.register(t, "ann@example.com", pw, "")
		code := f.code(t, "ann@example.com")
		f.clock.Add(15 * time.Minute)
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code, pw), todo.InvalidCode)
	})
	t.Run("one code dies after five wrong tries; a new code has its own", func(t *testing.T) {
		f := newFixture(t)
		f.register(t, "ann@example.com", pw, "")
		code := f.code(t, "ann@example.com")
		for range 5 {
			wantCode(t, f.svc.Verify(ctx, "ann@example.com", otherThan(code), pw), todo.InvalidCode)
		}
		// The sixth try is refused before its code is checked, the right one too.
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code, pw), todo.RateLimited)
		f.clock.Add(time.Minute)
		f.register(t, "ann@example.com", pw, "") // the owner asks again
		if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"), pw); err != nil {
			t.Fatalf("the new code: %v", err)
		}
	})
	t.Run("a verified account has no live code", func(t *testing.T) {
		f := newFixture(t)
		f.register(t, "Ann@Example.com", pw, "")
		code := f.code(t, "ann@example.com")
		if err := f.svc.Verify(ctx, "ANN@example.com", code, pw); err != nil {
			t.Fatal(err)
		}
		u := f.user(t, "ann@example.com")
		if u.Status != todo.StatusVerified || !u.VerifiedAt.Equal(f.clock.Now()) || u.CodeNonce != "" {
			t.Fatalf("after verify: %+v", u)
		}
		// Finding 8: the last code no longer answers, and its tries count.
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code, pw), todo.InvalidCode)
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
			wantCode(t, f.svc.Verify(ctx, "victim@example.com", otherThan(code), pw), todo.InvalidCode)
			wrong++
		}
		f.clock.Add(time.Minute)
		f.register(t, "victim@example.com", "anything else entirely", "") // a new code, please
	}
	err := f.svc.Verify(ctx, "victim@example.com", f.code(t, "victim@example.com"), pw)
	wantCode(t, err, todo.RateLimited)
	if e := err.(*todo.Error); e.RetryAfter <= 0 || e.RetryAfter > 24*3600 {
		t.Fatalf("RetryAfter %d", e.RetryAfter)
	}
	f.clock.Add(24 * time.Hour)
	f.register(t, "victim@example.com", pw, "")
	if err := f.svc.Verify(ctx, "victim@example.com", f.code(t, "victim@example.com"), pw); err != nil {
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
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", "000001", pw), todo.InvalidCode)
		after := f.count.snapshot()
		for k, v := range before {
			after[k] -= v
		}
		shapes = append(shapes, after)
	}
	for i := 1; i < len(shapes); i++ {
		for _, k := range []string{"User", "write user", "Throttle", "PutThrottle", "read count", "AddCount"} {
			if shapes[i][k] != shapes[0][k] {
				t.Fatalf("store calls differ: unknown %v, pending %v, verified %v", shapes[0], shapes[1], shapes[2])
			}
		}
	}
}

// TestPreRegistrationHijack is issue 15's finding 5: a stranger signs up
// first with the owner's address and a password of their own; a minute
// later the owner signs up (a new code is mailed) and verifies with it. The
// account is verified with the owner's password, the stranger's name is
// gone, and the stranger's password never works. The opposite order is
// TestLaterSignUpNeverChangesAPendingAccount.
func TestPreRegistrationHijack(t *testing.T) {
	const stranger = "the stranger's own password"
	for _, tc := range []struct {
		name   string
		resend bool // the owner signs up a minute later and uses that code
	}{
		{"the owner signs up a minute later", true},
		{"the owner uses the code the stranger's sign-up mailed", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			f.register(t, "ann@example.com", stranger, "Mallory")
			first := f.code(t, "ann@example.com")
			if tc.resend {
				f.clock.Add(time.Minute)
				f.register(t, "ann@example.com", pw, "Ann")
				if f.code(t, "ann@example.com") == first {
					t.Fatal("the owner's sign-up did not mail a new code")
				}
			}
			// Without the mailbox the stranger activates nothing, and a
			// password the policy refuses is refused before any try counts.
			wantCode(t, f.svc.Verify(ctx, "ann@example.com", otherThan(f.code(t, "ann@example.com")), stranger), todo.InvalidCode)
			before := f.count.snapshot()
			wantCode(t, f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"), ""), todo.ValidationFailed)
			wantCode(t, f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"), "qwerty123456"), todo.ValidationFailed)
			if after := f.count.snapshot(); after["AddCount"] != before["AddCount"] || after["write user"] != before["write user"] {
				t.Fatalf("a refused password counted a try: %v -> %v", before, after)
			}
			if u := f.user(t, "ann@example.com"); u.Status != todo.StatusPending {
				t.Fatalf("verified without a right code and a valid password: %+v", u)
			}

			if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"), pw); err != nil {
				t.Fatalf("the owner's verification: %v", err)
			}
			u := f.user(t, "ann@example.com")
			if u.Status != todo.StatusVerified || u.Name != "" {
				t.Fatalf("after the owner's verification: status %q, name %q (want verified, the stranger's name dropped)", u.Status, u.Name)
			}
			sess, err := f.svc.Login(from("127.0.0.2"), "ann@example.com", pw)
			if err != nil || sess.User.Email != "ann@example.com" {
				t.Fatalf("the owner cannot log in with their own password: %v", err)
			}
			_, err = f.svc.Login(from("127.0.0.3"), "ann@example.com", stranger)
			wantCode(t, err, todo.InvalidCredentials)
		})
	}
}

// TestVerifyKeepsTheSignUpPassword: verifying with the password of the
// sign-up keeps its hash (no second hash is made) and its name.
func TestVerifyKeepsTheSignUpPassword(t *testing.T) {
	f := newFixture(t)
	f.register(t, "ann@example.com", pw, "Ann")
	before := f.user(t, "ann@example.com")
	hashes, _ := f.hasher.counts()
	if err := f.svc.Verify(context.Background(), "ann@example.com", f.code(t, "ann@example.com"), pw); err != nil {
		t.Fatal(err)
	}
	u := f.user(t, "ann@example.com")
	if n, _ := f.hasher.counts(); n != hashes || u.PasswordHash != before.PasswordHash || u.Name != "Ann" {
		t.Fatalf("the sign-up's own password was replaced: %d new hashes, name %q", n-hashes, u.Name)
	}
}
