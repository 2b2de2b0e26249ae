package account_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/auth"
	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/keyset"
	"github.com/todofn/todofn/pkg/password"
	"github.com/todofn/todofn/pkg/todo"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time      { return c.t }
func (c *clock) Add(d time.Duration) { c.t = c.t.Add(d) }

// countingUsers counts conditional writes, to show every register path
// does the same work.
type countingUsers struct {
	todo.UserStore
	mu     sync.Mutex
	writes int
}

func (c *countingUsers) CreateUser(ctx context.Context, u *todo.User) error {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.UserStore.CreateUser(ctx, u)
}

func (c *countingUsers) UpdateUser(ctx context.Context, u *todo.User) error {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.UserStore.UpdateUser(ctx, u)
}

type countingHasher struct {
	*password.Hasher
	hashes, verifies int
}

func (h *countingHasher) Hash(p string) (string, error) { h.hashes++; return h.Hasher.Hash(p) }
func (h *countingHasher) Verify(hash, p string) (bool, error) {
	h.verifies++
	return h.Hasher.Verify(hash, p)
}

type fixture struct {
	svc    *account.Service
	store  *bolt.Store
	users  *countingUsers
	hasher *countingHasher
	clock  *clock
	codes  *account.Codes
	tokens *auth.Tokens
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := &clock{time.Now().UTC().Truncate(time.Millisecond)}
	key, _ := keyset.New("k1")
	tokens, err := auth.New(auth.Config{Keys: []keyset.Key{key}, Issuer: "todofn", Audience: "todofn-api", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, users: &countingUsers{UserStore: s}, clock: c, tokens: tokens,
		hasher: &countingHasher{Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})},
		codes:  account.NewCodes([]byte("0123456789abcdef0123456789abcdef"))}
	f.svc = &account.Service{Users: f.users, Throttles: s, Hasher: f.hasher, Tokens: tokens, Codes: f.codes,
		Policy: account.DefaultPolicy, Now: c.Now}
	return f
}

func (f *fixture) user(t *testing.T, email string) *todo.User {
	t.Helper()
	u, err := f.store.User(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) code(t *testing.T, email string) string {
	t.Helper()
	u := f.user(t, email)
	return f.codes.Code(u.Email, u.CodeNonce)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := todo.ErrorCode(err); got != code {
		t.Fatalf("error = %v, want code %q", err, code)
	}
}

func TestRegisterValidation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, email, password, userName, field string
	}{
		{"bad email", "not-an-email", "password1", "", "email"},
		{"display name in email", "Ann <ann@example.com>", "password1", "", "email"},
		{"short password", "ann@example.com", "short", "", "password"},
		{"long password", "ann@example.com", strings.Repeat("p", 129), "", "password"},
		{"control char in name", "ann@example.com", "password1", "A\x07nn", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.Register(context.Background(), tt.email, tt.password, tt.userName)
			var e *todo.Error
			if !errors.As(err, &e) || e.Code != todo.ValidationFailed || e.Field != tt.field {
				t.Fatalf("Register = %v, want validation_failed on %s", err, tt.field)
			}
		})
	}
}

func TestRegisterSameWorkForEveryState(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	work := func() (int, int) {
		f.users.writes, f.hasher.hashes = 0, 0
		if err := f.svc.Register(ctx, " Ann@Example.com ", "password1", "Ann"); err != nil {
			t.Fatal(err)
		}
		return f.users.writes, f.hasher.hashes
	}
	w1, h1 := work() // new
	u := f.user(t, "ann@example.com")
	if u.Status != todo.StatusPending || u.CodeNonce == "" || u.Name != "Ann" {
		t.Fatalf("new account = %+v", u)
	}
	f.clock.Add(2 * time.Minute)
	w2, h2 := work() // pending
	f.clock.Add(2 * time.Minute)
	if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com")); err != nil {
		t.Fatal(err)
	}
	w3, h3 := work() // verified
	if w1 != 1 || w2 != 1 || w3 != 1 || h1 != 1 || h2 != 1 || h3 != 1 {
		t.Fatalf("writes/hashes new %d/%d pending %d/%d verified %d/%d; want 1/1 each", w1, h1, w2, h2, w3, h3)
	}
}

func TestRegisterPendingAndVerified(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.Register(ctx, "ann@example.com", "password1", ""); err != nil {
		t.Fatal(err)
	}
	first := f.user(t, "ann@example.com")

	// Within the resend window: the password is replaced, the code kept.
	f.clock.Add(30 * time.Second)
	if err := f.svc.Register(ctx, "ann@example.com", "password2", ""); err != nil {
		t.Fatal(err)
	}
	second := f.user(t, "ann@example.com")
	if second.CodeNonce != first.CodeNonce || second.PasswordHash == first.PasswordHash || second.ID != first.ID {
		t.Fatalf("re-register within a minute: %+v", second)
	}
	// After it: a fresh code, tries reset.
	f.clock.Add(31 * time.Second)
	if err := f.svc.Register(ctx, "ann@example.com", "password3", ""); err != nil {
		t.Fatal(err)
	}
	third := f.user(t, "ann@example.com")
	if third.CodeNonce == second.CodeNonce {
		t.Fatal("re-register after a minute kept the old code")
	}
	if err := f.svc.Verify(ctx, "ann@example.com", f.codes.Code("ann@example.com", first.CodeNonce)); todo.ErrorCode(err) != todo.InvalidCode {
		t.Fatalf("old code after resend: %v", err)
	}
	if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com")); err != nil {
		t.Fatal(err)
	}
	verified := f.user(t, "ann@example.com")

	// Verified: sign-up changes nothing but the notice.
	f.clock.Add(time.Minute)
	if err := f.svc.Register(ctx, "ann@example.com", "attacker-pass", "Mallory"); err != nil {
		t.Fatal(err)
	}
	after := f.user(t, "ann@example.com")
	if after.PasswordHash != verified.PasswordHash || after.Name != verified.Name || after.Status != todo.StatusVerified {
		t.Fatalf("sign-up on a verified address changed the account: %+v", after)
	}
	if after.NoticeNonce == "" {
		t.Fatal("no notice recorded")
	}
	// And at most one notice a minute.
	if err := f.svc.Register(ctx, "ann@example.com", "attacker-pass", ""); err != nil {
		t.Fatal(err)
	}
	if again := f.user(t, "ann@example.com"); again.NoticeNonce != after.NoticeNonce {
		t.Fatal("a second notice within a minute")
	}
	if _, err := f.svc.Login(ctx, "ann@example.com", "password3"); err != nil {
		t.Fatalf("owner's password no longer works: %v", err)
	}
}

func TestRegisterConcurrentCreatesOneAccount(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.svc.Register(context.Background(), "race@example.com", "password1", ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if u := f.user(t, "race@example.com"); u.Status != todo.StatusPending {
		t.Fatalf("account = %+v", u)
	}
}

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
		f.svc.Register(ctx, "ann@example.com", "password1", "")
		code := f.code(t, "ann@example.com")
		f.clock.Add(15 * time.Minute)
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code), todo.InvalidCode)
	})
	t.Run("dies after five wrong tries", func(t *testing.T) {
		f := newFixture(t)
		f.svc.Register(ctx, "ann@example.com", "password1", "")
		code := f.code(t, "ann@example.com")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range 5 {
			wantCode(t, f.svc.Verify(ctx, "ann@example.com", wrong), todo.InvalidCode)
		}
		wantCode(t, f.svc.Verify(ctx, "ann@example.com", code), todo.InvalidCode)
		if u := f.user(t, "ann@example.com"); u.Status != todo.StatusPending || u.CodeAttempts != 5 {
			t.Fatalf("after five tries: %+v", u)
		}
	})
	t.Run("right code, twice", func(t *testing.T) {
		f := newFixture(t)
		f.svc.Register(ctx, "Ann@Example.com", "password1", "")
		code := f.code(t, "ann@example.com")
		if err := f.svc.Verify(ctx, "ANN@example.com", code); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Verify(ctx, "ann@example.com", code); err != nil {
			t.Fatalf("second click: %v", err)
		}
		u := f.user(t, "ann@example.com")
		if u.Status != todo.StatusVerified || !u.VerifiedAt.Equal(f.clock.t) {
			t.Fatalf("after verify: %+v", u)
		}
	})
}

func TestLogin(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.svc.Register(ctx, "ann@example.com", "password1", "Ann")

	_, err := f.svc.Login(ctx, "ann@example.com", "password1")
	wantCode(t, err, todo.EmailNotVerified)
	_, err = f.svc.Login(ctx, "ann@example.com", "wrong-password")
	wantCode(t, err, todo.InvalidCredentials)
	_, err = f.svc.Login(ctx, "nobody@example.com", "password1")
	wantCode(t, err, todo.InvalidCredentials)
	if msg1, msg2 := todo.ErrorMessage(err), todo.ErrorMessage(invalidFor(f, "ann@example.com")); msg1 != msg2 {
		t.Fatalf("unknown and wrong password differ: %q vs %q", msg1, msg2)
	}

	f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"))
	f.hasher.verifies = 0
	s, err := f.svc.Login(ctx, "ann@example.com", "password1")
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := f.tokens.Verify(s.AccessToken); err != nil || sub != s.User.ID || s.ExpiresIn != 900 {
		t.Fatalf("session %+v: %q %v", s, sub, err)
	}
	if f.hasher.verifies != 1 {
		t.Fatalf("login hashed %d times", f.hasher.verifies)
	}
	// Unknown addresses cost one hash too.
	f.hasher.verifies = 0
	f.svc.Login(ctx, "nobody@example.com", "password1")
	if f.hasher.verifies != 1 {
		t.Fatalf("unknown-address login hashed %d times, want 1", f.hasher.verifies)
	}
}

func invalidFor(f *fixture, email string) error {
	_, err := f.svc.Login(context.Background(), email, "definitely-wrong")
	return err
}

func TestLoginLockout(t *testing.T) {
	ctx := context.Background()
	for _, email := range []string{"ann@example.com", "nobody@example.com"} {
		t.Run(email, func(t *testing.T) {
			f := newFixture(t)
			f.svc.Register(ctx, "ann@example.com", "password1", "")
			f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"))
			for range 5 {
				_, err := f.svc.Login(ctx, email, "wrong-password")
				wantCode(t, err, todo.InvalidCredentials)
			}
			_, err := f.svc.Login(ctx, email, "password1")
			var e *todo.Error
			if !errors.As(err, &e) || e.Code != todo.RateLimited || e.RetryAfter != 900 {
				t.Fatalf("sixth try = %v, want rate_limited for 900 s", err)
			}
			f.clock.Add(15 * time.Minute)
			_, err = f.svc.Login(ctx, email, "password1")
			if email == "ann@example.com" && err != nil {
				t.Fatalf("after the lock: %v", err)
			}
			if email != "ann@example.com" {
				wantCode(t, err, todo.InvalidCredentials)
			}
		})
	}
}

func TestLoginFailuresOutsideWindowReset(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for range 4 {
		f.svc.Login(ctx, "ann@example.com", "wrong-password")
	}
	f.clock.Add(16 * time.Minute)
	for range 4 {
		_, err := f.svc.Login(ctx, "ann@example.com", "wrong-password")
		wantCode(t, err, todo.InvalidCredentials)
	}
}
