package account_test

import (
	"context"
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

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// counting counts the store calls of each kind, to show that paths which
// must not be told apart do the same work.
type counting struct {
	todo.Store
	mu    sync.Mutex
	calls map[string]int
}

func (c *counting) note(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *counting) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

func (c *counting) User(ctx context.Context, email string) (*todo.User, error) {
	c.note("User")
	return c.Store.User(ctx, email)
}

func (c *counting) CreateUser(ctx context.Context, u *todo.User) error {
	c.note("write user")
	return c.Store.CreateUser(ctx, u)
}

func (c *counting) UpdateUser(ctx context.Context, u *todo.User) error {
	c.note("write user")
	return c.Store.UpdateUser(ctx, u)
}

func (c *counting) Throttle(ctx context.Context, key string) (*todo.Throttle, error) {
	c.note("Throttle")
	return c.Store.Throttle(ctx, key)
}

func (c *counting) PutThrottle(ctx context.Context, t *todo.Throttle) error {
	c.note("PutThrottle")
	return c.Store.PutThrottle(ctx, t)
}

// AddCount is noted as "read count" when delta is 0 (it stores nothing),
// else as "AddCount", a conditional write.
func (c *counting) AddCount(ctx context.Context, key string, delta, floor, ceiling int64, expires time.Time) (int64, bool, error) {
	if delta == 0 {
		c.note("read count")
	} else {
		c.note("AddCount")
	}
	return c.Store.AddCount(ctx, key, delta, floor, ceiling, expires)
}

// countingHasher counts hashes and verifies.
type countingHasher struct {
	*password.Hasher
	mu               sync.Mutex
	hashes, verifies int
}

func (h *countingHasher) HashContext(ctx context.Context, p string) (string, error) {
	h.mu.Lock()
	h.hashes++
	h.mu.Unlock()
	return h.Hasher.HashContext(ctx, p)
}

func (h *countingHasher) VerifyContext(ctx context.Context, hash, p string) (bool, error) {
	h.mu.Lock()
	h.verifies++
	h.mu.Unlock()
	return h.Hasher.VerifyContext(ctx, hash, p)
}

func (h *countingHasher) counts() (int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hashes, h.verifies
}

var testParams = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type fixture struct {
	svc      *account.Service
	verifier *auth.Verifier
	store    *bolt.Store
	count    *counting
	hasher   *countingHasher
	clock    *clock
	codes    *account.Codes
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Noon UTC tomorrow: the daily limits' day does not turn during a test,
	// and the test's time is ahead of the machine's whatever the hour. The
	// store and the notifier's leases read the machine's clock, so with
	// today's noon a run in the afternoon found every budget expired as
	// soon as it was taken (its expiry, on the test's clock, was already
	// past on the machine's).
	c := &clock{t: time.Now().UTC().Truncate(24 * time.Hour).Add(36 * time.Hour)}
	key, _ := keyset.Generate("k1")
	tokens, err := auth.NewIssuer(auth.IssuerConfig{Keys: []keyset.SigningKey{key}, Issuer: "todofn", Audience: "todofn-api", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier(auth.VerifierConfig{Keys: []keyset.PublicKey{key.Public()}, Issuer: "todofn", Audience: "todofn-api", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s, count: &counting{Store: s, calls: map[string]int{}}, clock: c, verifier: verifier,
		hasher: &countingHasher{Hasher: password.NewHasher(testParams, password.WithConcurrency(64))},
		codes:  account.NewCodes([]byte("0123456789abcdef0123456789abcdef"))}
	f.svc = &account.Service{Users: f.count, Throttles: f.count, Sessions: f.count, Deleter: f.count, Todos: f.count,
		Hasher: f.hasher, Tokens: tokens, Codes: f.codes, Sealer: account.NewSealer([]byte("0123456789abcdef0123456789abcdef")),
		CheckPassword: password.Check, Policy: account.DefaultPolicy, Now: c.Now}
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

// register signs up email and fails the test on an error.
func (f *fixture) register(t *testing.T, email, pw, name string) {
	t.Helper()
	if err := f.svc.Register(context.Background(), email, pw, name); err != nil {
		t.Fatalf("Register(%s): %v", email, err)
	}
}

// verified signs up and verifies email.
func (f *fixture) verified(t *testing.T, email, pw string) {
	t.Helper()
	f.register(t, email, pw, "")
	if err := f.svc.Verify(context.Background(), email, f.code(t, email), pw); err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := todo.ErrorCode(err); got != code {
		t.Fatalf("error = %v, want code %q", err, code)
	}
}

// otherThan returns a six-digit code that is not code.
func otherThan(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// from is a context of a request from ip.
func from(ip string) context.Context { return todo.WithClientIP(context.Background(), ip) }

const pw = "correct horse battery"

func TestRegisterValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, email, password, display, field, want string
	}{
		{"bad email", "not-an-address", pw, "", "email", ""},
		{"short password", "a@example.com", "elevenchars", "", "password", "12"},
		{"common password", "a@example.com", "qwerty123456", "", "password", "common"},
		{"bidi override in the name", "a@example.com", pw, "Bob\u202e", "name", "text-direction"},
		{"zero-width joiner in the name", "a@example.com", pw, "A\u200db", "name", "invisible"},
		{"hangul filler as a name", "a@example.com", pw, "\u3164", "name", "invisible"},
		{"name too long", "a@example.com", pw, strings.Repeat("x", 101), "name", "100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.Register(ctx, tt.email, tt.password, tt.display)
			var e *todo.Error
			if !asError(err, &e) || e.Code != todo.ValidationFailed || e.Field != tt.field || !strings.Contains(e.Message, tt.want) {
				t.Fatalf("Register = %v, want validation_failed on %s mentioning %q", err, tt.field, tt.want)
			}
		})
	}
	t.Run("a name is trimmed; spaces alone are no name", func(t *testing.T) {
		f.register(t, "trim@example.com", pw, "  Ann Lee  ")
		f.register(t, "blank@example.com", pw, "   ")
		if a, b := f.user(t, "trim@example.com").Name, f.user(t, "blank@example.com").Name; a != "Ann Lee" || b != "" {
			t.Fatalf("names %q, %q", a, b)
		}
	})
}

func asError(err error, target **todo.Error) bool {
	e, ok := err.(*todo.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestLaterSignUpNeverChangesAPendingAccount is finding 1: someone signs up
// with the owner's pending address a minute later; the owner's code and
// password stay the owner's.
func TestLaterSignUpNeverChangesAPendingAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.register(t, "ann@example.com", pw, "Ann")
	before := f.user(t, "ann@example.com")
	code := f.code(t, "ann@example.com")

	f.register(t, "ann@example.com", pw, "Ann") // within the minute: nothing changes
	if u := f.user(t, "ann@example.com"); u.CodeNonce != before.CodeNonce || u.Version != before.Version {
		t.Fatalf("a repeat within the minute changed the account: %+v", u)
	}
	f.clock.Add(time.Minute)
	f.register(t, "ann@example.com", "the attacker's password", "URGENT: call +1 555")
	u := f.user(t, "ann@example.com")
	if u.PasswordHash != before.PasswordHash || u.Name != "Ann" {
		t.Fatal("a later sign-up changed the pending account's password or name")
	}
	if u.CodeNonce == before.CodeNonce {
		t.Fatal("a later sign-up after the minute did not re-send the code")
	}
	// The owner verifies with the new code and logs in with the first password.
	wantCode(t, f.svc.Verify(ctx, "ann@example.com", code, pw), todo.InvalidCode) // the old code is no longer live
	if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"), pw); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(from("127.0.0.1"), "ann@example.com", pw); err != nil {
		t.Fatalf("the owner cannot log in with their own password: %v", err)
	}
	_, err := f.svc.Login(from("127.0.0.1"), "ann@example.com", "the attacker's password")
	wantCode(t, err, todo.InvalidCredentials)
}

// TestRegisterMailsAtMostFiveADay is finding 7: one mail a minute at most,
// and CodeMailsPerDay a day, for pending and verified addresses alike.
func TestRegisterMailsAtMostFiveADay(t *testing.T) {
	for _, verified := range []bool{false, true} {
		f := newFixture(t)
		if verified {
			f.verified(t, "ann@example.com", pw)
		} else {
			f.register(t, "ann@example.com", pw, "")
		}
		nonce := func() string {
			u := f.user(t, "ann@example.com")
			if verified {
				return u.NoticeNonce
			}
			return u.CodeNonce
		}
		seen := map[string]bool{nonce(): true}
		for range 20 {
			f.clock.Add(time.Minute)
			f.register(t, "ann@example.com", pw, "")
			seen[nonce()] = true
		}
		delete(seen, "")
		want := account.DefaultPolicy.CodeMailsPerDay
		if verified {
			want-- // the code mail of the sign-up was one of the day's
		}
		if len(seen) != want {
			t.Fatalf("verified=%v: %d mails in a day, want %d", verified, len(seen), want)
		}
		f.clock.Add(24 * time.Hour) // the day turns
		f.register(t, "ann@example.com", pw, "")
		if seen[nonce()] {
			t.Fatalf("verified=%v: no mail on the next day", verified)
		}
	}
}

func TestRegisterConcurrentCreatesOneAccount(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _ = f.svc.Register(context.Background(), "race@example.com", pw, "") })
	}
	wg.Wait()
	if u := f.user(t, "race@example.com"); u.Status != todo.StatusPending {
		t.Fatalf("%+v", u)
	}
}
