package account_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// These are issue 15's account limits under bursts: code tries reserved
// before the check (item 2), reset mails nobody can spend for the owner
// (item 6), the same store work for known and unknown addresses in
// ForgotPassword (item 8), and a per-address cap on failed log-ins across
// IPs (item 10).

// verifyWith sends a code (with the sign-up password) to Verify; every new test verifies through it,
// so a change of Verify's parameters is one edit here.
func verifyWith(f *fixture, email, code string) error {
	return f.svc.Verify(from("127.0.0.9"), email, code, pw)
}

// resetCode is the live reset code of email's account.
func (f *fixture) resetCode(t *testing.T, email string) string {
	t.Helper()
	u := f.user(t, email)
	if u.ResetNonce == "" {
		t.Fatalf("%s has no reset code", email)
	}
	return f.codes.Code(u.Email, u.ResetNonce)
}

// burst runs n calls at once and counts their answers by error code ("" for
// success).
func burst(n int, call func(i int) error) map[string]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := call(i)
			mu.Lock()
			codes[todo.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return codes
}

// TestCodeTriesAreReservedBeforeTheCheck is item 2: 100 wrong codes at once
// against one code get at most MaxCodeAttempts checked (InvalidCode), the
// rest are refused (RateLimited) and nothing else fails; the right code
// afterwards is refused too, and the account is as it was. For verify and
// for reset, over several rounds.
func TestCodeTriesAreReservedBeforeTheCheck(t *testing.T) {
	ctx := context.Background()
	p := account.DefaultPolicy
	for round := range 3 {
		t.Run(fmt.Sprintf("verify round %d", round), func(t *testing.T) {
			f := newFixture(t)
			f.register(t, "ann@example.com", pw, "")
			code := f.code(t, "ann@example.com")
			got := burst(100, func(int) error { return verifyWith(f, "ann@example.com", otherThan(code)) })
			if got[todo.InvalidCode] > p.MaxCodeAttempts || got[todo.InvalidCode]+got[todo.RateLimited] != 100 {
				t.Fatalf("answers %v: want at most %d checked (invalid_code), the rest rate_limited", got, p.MaxCodeAttempts)
			}
			t.Logf("100 wrong codes at once: %v", got)
			for got[todo.InvalidCode] < p.MaxCodeAttempts { // spend the code, whatever the race left
				if todo.ErrorCode(verifyWith(f, "ann@example.com", otherThan(code))) == todo.InvalidCode {
					got[todo.InvalidCode]++
				}
			}
			wantCode(t, verifyWith(f, "ann@example.com", code), todo.RateLimited)
			if u := f.user(t, "ann@example.com"); u.Status != todo.StatusPending {
				t.Fatal("a spent code verified the account")
			}
		})
		t.Run(fmt.Sprintf("reset round %d", round), func(t *testing.T) {
			f := newFixture(t)
			f.verified(t, "ann@example.com", pw)
			if err := f.svc.ForgotPassword(ctx, "ann@example.com"); err != nil {
				t.Fatal(err)
			}
			code := f.resetCode(t, "ann@example.com")
			got := burst(100, func(int) error {
				return f.svc.ResetPassword(ctx, "ann@example.com", otherThan(code), "an attacker's new password")
			})
			if got[todo.InvalidCode] > p.MaxCodeAttempts || got[todo.InvalidCode]+got[todo.RateLimited] != 100 {
				t.Fatalf("answers %v: want at most %d checked (invalid_code), the rest rate_limited", got, p.MaxCodeAttempts)
			}
			for got[todo.InvalidCode] < p.MaxCodeAttempts {
				if todo.ErrorCode(f.svc.ResetPassword(ctx, "ann@example.com", otherThan(code), "an attacker's new password")) == todo.InvalidCode {
					got[todo.InvalidCode]++
				}
			}
			wantCode(t, f.svc.ResetPassword(ctx, "ann@example.com", code, "an attacker's new password"), todo.RateLimited)
			if _, err := f.svc.Login(from("127.0.0.1"), "ann@example.com", pw); err != nil {
				t.Fatalf("the owner's password no longer works: %v", err)
			}
		})
	}
}

// TestCodeTriesPerDayHoldUnderBursts: bursts at fresh codes of one address
// get at most CodeTriesPerDay wrong codes checked in the UTC day, however
// they are spread over codes; a right code gives its tries back.
func TestCodeTriesPerDayHoldUnderBursts(t *testing.T) {
	f := newFixture(t)
	p := account.DefaultPolicy
	f.register(t, "ann@example.com", pw, "")
	// Four wrong at the first code, then bursts of twenty at fresh codes.
	code := f.code(t, "ann@example.com")
	for range 4 {
		wantCode(t, verifyWith(f, "ann@example.com", otherThan(code)), todo.InvalidCode)
	}
	f.clock.Add(time.Minute)
	f.register(t, "ann@example.com", pw, "") // a new code
	checked := 4
	for range 10 {
		code := f.code(t, "ann@example.com")
		got := burst(20, func(int) error { return verifyWith(f, "ann@example.com", otherThan(code)) })
		checked += got[todo.InvalidCode]
		f.clock.Add(time.Minute)
		f.register(t, "ann@example.com", pw, "")
	}
	if checked != p.CodeTriesPerDay {
		t.Fatalf("%d wrong codes checked in the day, want exactly %d", checked, p.CodeTriesPerDay)
	}
	err := verifyWith(f, "ann@example.com", f.code(t, "ann@example.com"))
	wantCode(t, err, todo.RateLimited)
	f.clock.Add(24 * time.Hour)
	f.register(t, "ann@example.com", pw, "")
	if err := verifyWith(f, "ann@example.com", f.code(t, "ann@example.com")); err != nil {
		t.Fatalf("the next day: %v", err)
	}
}

// TestCodeTriesGivenBackByTheRightCode: four wrong tries and the right code
// leave the day's count at four, so sixteen more wrong ones are checked.
func TestCodeTriesGivenBackByTheRightCode(t *testing.T) {
	f := newFixture(t)
	p := account.DefaultPolicy
	f.verified(t, "ann@example.com", pw)
	ctx := context.Background()
	if err := f.svc.ForgotPassword(ctx, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	code := f.resetCode(t, "ann@example.com")
	for range p.MaxCodeAttempts - 1 {
		wantCode(t, f.svc.ResetPassword(ctx, "ann@example.com", otherThan(code), "a brand new password"), todo.InvalidCode)
	}
	if err := f.svc.ResetPassword(ctx, "ann@example.com", code, "a brand new password"); err != nil {
		t.Fatalf("the right code on its last try: %v", err)
	}
	checked := p.MaxCodeAttempts - 1
	for range 10 { // new codes, each tried to its end, until the day is spent
		f.clock.Add(p.CodeTTL)
		if err := f.svc.ForgotPassword(ctx, "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		wrong := otherThan(f.resetCode(t, "ann@example.com"))
		for range p.MaxCodeAttempts {
			err := f.svc.ResetPassword(ctx, "ann@example.com", wrong, "a brand new password")
			if todo.ErrorCode(err) == todo.InvalidCode {
				checked++
			} else {
				wantCode(t, err, todo.RateLimited)
			}
		}
	}
	if checked != p.CodeTriesPerDay {
		t.Fatalf("%d wrong codes checked in the day, want %d: the right code's tries were not given back", checked, p.CodeTriesPerDay)
	}
}

// nonceLog keeps the distinct reset nonces issued: one mail each.
type nonceLog struct {
	f    *fixture
	seen []string
}

func (n *nonceLog) look(t *testing.T) {
	t.Helper()
	if r := n.f.user(t, "ann@example.com").ResetNonce; r != "" && !slices.Contains(n.seen, r) {
		n.seen = append(n.seen, r)
	}
}

// TestOwnersResetGetsThrough is item 6: after an attacker's six parallel
// and five spaced requests, and then a day's worth of requests spaced to
// spend the reset mails, the owner's own request leaves a working reset
// code in the owner's mailbox; the address got one mail per code life and
// at most ResetMailsPerDay in the day; the losers of a race gave their
// take back.
func TestOwnersResetGetsThrough(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := account.DefaultPolicy
	f.verified(t, "ann@example.com", pw)
	mails := &nonceLog{f: f}

	got := burst(6, func(int) error { return f.svc.ForgotPassword(from("127.0.0.3"), "ann@example.com") })
	if got[""] != 6 {
		t.Fatalf("six parallel requests answered %v, want six successes", got)
	}
	mails.look(t)
	for range 5 { // spaced a minute apart: the code is live, nothing is sent
		f.clock.Add(time.Minute)
		if err := f.svc.ForgotPassword(from("127.0.0.3"), "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		mails.look(t)
	}
	if len(mails.seen) != 1 {
		t.Fatalf("%d reset mails after 6 parallel and 5 spaced requests, want 1", len(mails.seen))
	}
	if n, err := f.svc.DayCount(ctx, "resetmails", "ann@example.com"); err != nil || n != 1 {
		t.Fatalf("the reset-mail budget holds %d (%v), want 1 taken: the losers of the race kept theirs", n, err)
	}
	// The owner asks now: the code mailed for the attacker's request is
	// in the owner's mailbox and works.
	if err := f.svc.ForgotPassword(from("127.0.0.2"), "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	mailed := f.resetCode(t, "ann@example.com")

	// The attacker spaces requests past each code's life all day.
	for range 40 {
		f.clock.Add(p.CodeTTL)
		if err := f.svc.ForgotPassword(from("127.0.0.3"), "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		mails.look(t)
	}
	if len(mails.seen) != p.ResetMailsPerDay {
		t.Fatalf("%d reset mails in the day, want at most and exactly %d", len(mails.seen), p.ResetMailsPerDay)
	}
	// The budget is spent and no code is live; the owner asks, and the
	// last code mailed works again.
	f.clock.Add(p.CodeTTL)
	if err := f.svc.ForgotPassword(from("127.0.0.2"), "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	mails.look(t)
	if len(mails.seen) != p.ResetMailsPerDay {
		t.Fatal("a mail beyond the day's budget")
	}
	last := f.codes.Code("ann@example.com", mails.seen[len(mails.seen)-1])
	if mailed == last {
		t.Fatal("test broken: expected new codes over the day")
	}
	wantCode(t, f.svc.ResetPassword(ctx, "ann@example.com", mailed, "the owner's new password"), todo.InvalidCode) // an old mail's code is dead
	if err := f.svc.ResetPassword(ctx, "ann@example.com", last, "the owner's new password"); err != nil {
		t.Fatalf("the owner's reset with the code in the mailbox: %v", err)
	}
	if _, err := f.svc.Login(from("127.0.0.2"), "ann@example.com", "the owner's new password"); err != nil {
		t.Fatalf("log-in with the new password: %v", err)
	}
	// The next day has a budget again.
	f.clock.Add(24 * time.Hour)
	if err := f.svc.ForgotPassword(from("127.0.0.2"), "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	mails.look(t)
	if len(mails.seen) != p.ResetMailsPerDay+1 {
		t.Fatal("no reset mail on the next day")
	}
}

// TestForgotPasswordNewCodeWhenTriesAreSpent: a live code whose tries an
// attacker spent does not stop the owner's request from mailing a new one.
func TestForgotPasswordNewCodeWhenTriesAreSpent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	if err := f.svc.ForgotPassword(ctx, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	first := f.resetCode(t, "ann@example.com")
	for range account.DefaultPolicy.MaxCodeAttempts {
		wantCode(t, f.svc.ResetPassword(ctx, "ann@example.com", otherThan(first), "a brand new password"), todo.InvalidCode)
	}
	f.clock.Add(time.Minute)
	if err := f.svc.ForgotPassword(ctx, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	second := f.resetCode(t, "ann@example.com")
	if err := f.svc.ResetPassword(ctx, "ann@example.com", second, "a brand new password"); err != nil {
		t.Fatalf("the new code: %v", err)
	}
}

// hooked is the store with a hook before each user and counter call
// (func-field style, as the doubles under internal/ are): Before gets the
// method's name.
type hooked struct {
	todo.Store
	Before func(method string)
}

func (h *hooked) User(ctx context.Context, email string) (*todo.User, error) {
	h.Before("User")
	return h.Store.User(ctx, email)
}

func (h *hooked) CreateUser(ctx context.Context, u *todo.User) error {
	h.Before("CreateUser")
	return h.Store.CreateUser(ctx, u)
}

func (h *hooked) UpdateUser(ctx context.Context, u *todo.User) error {
	h.Before("UpdateUser")
	return h.Store.UpdateUser(ctx, u)
}

func (h *hooked) Throttle(ctx context.Context, key string) (*todo.Throttle, error) {
	h.Before("Throttle")
	return h.Store.Throttle(ctx, key)
}

func (h *hooked) PutThrottle(ctx context.Context, th *todo.Throttle) error {
	h.Before("PutThrottle")
	return h.Store.PutThrottle(ctx, th)
}

// AddCount is "read count" when delta is 0 (it stores nothing), else
// "AddCount", one conditional write.
func (h *hooked) AddCount(ctx context.Context, key string, delta, floor, ceiling int64, expires time.Time) (int64, bool, error) {
	if delta == 0 {
		h.Before("read count")
	} else {
		h.Before("AddCount")
	}
	return h.Store.AddCount(ctx, key, delta, floor, ceiling, expires)
}

func (h *hooked) DeleteThrottle(ctx context.Context, key string) error {
	h.Before("DeleteThrottle")
	return h.Store.DeleteThrottle(ctx, key)
}

// kind is what a store call costs: one read, or one conditional write.
func kind(method string) string {
	switch method {
	case "User", "Throttle", "read count":
		return "read"
	}
	return "write"
}

// TestForgotPasswordSameWork is item 8 without a clock on the wall: a known
// and an unknown address make the same sequence of store calls (reads and
// conditional writes, in the same order), on the first request, on a
// repeat while the code is live, and once the day's mails are spent.
func TestForgotPasswordSameWork(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	var mu sync.Mutex
	var calls []string
	h := &hooked{Store: f.store, Before: func(m string) { mu.Lock(); calls = append(calls, m); mu.Unlock() }}
	svc := *f.svc
	svc.Users, svc.Throttles = h, h
	record := func(email string) []string {
		t.Helper()
		calls = nil
		if err := svc.ForgotPassword(context.Background(), email); err != nil {
			t.Fatal(err)
		}
		return calls
	}
	kinds := func(methods []string) []string {
		var out []string
		for _, m := range methods {
			out = append(out, kind(m))
		}
		return out
	}
	steps := []struct {
		name    string
		advance time.Duration
	}{
		{"first request", 0},
		{"repeat while the code is live", time.Minute},
		{"after the code's life", account.DefaultPolicy.CodeTTL},
	}
	for _, st := range steps {
		f.clock.Add(st.advance)
		known, unknown := record("ann@example.com"), record("nobody@example.com")
		if !slices.Equal(kinds(known), kinds(unknown)) {
			t.Fatalf("%s: known %v, unknown %v", st.name, known, unknown)
		}
		t.Logf("%s: %v", st.name, kinds(known))
	}
	for range account.DefaultPolicy.ResetMailsPerDay { // spend the day's mails of both
		f.clock.Add(account.DefaultPolicy.CodeTTL)
		record("ann@example.com")
		record("nobody@example.com")
	}
	f.clock.Add(account.DefaultPolicy.CodeTTL)
	known, unknown := record("ann@example.com"), record("nobody@example.com")
	if !slices.Equal(kinds(known), kinds(unknown)) || len(known) != 5 {
		t.Fatalf("mails spent: known %v, unknown %v, want the same 3 reads and 2 writes", known, unknown)
	}
}

// TestLoginAccountCap is item 10: 50 wrong passwords at once from 10 IPs
// get at most LoginAccountFailures.Max checked, the rest RateLimited with
// a Retry-After of at most the budget's window; the owner from their own
// IP is slowed, not locked: after the Retry-After their right password
// logs in, and a success gives its try back.
func TestLoginAccountCap(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	b := account.DefaultPolicy.LoginAccountFailures
	_, before := f.hasher.counts()
	got := burst(50, func(i int) error {
		_, err := f.svc.Login(from(fmt.Sprintf("127.0.0.%d", 2+i%10)), "ann@example.com", "wrong password!")
		if todo.ErrorCode(err) == todo.RateLimited {
			if ra := err.(*todo.Error).RetryAfter; ra < 1 || ra > int(b.Window/time.Second) {
				return fmt.Errorf("Retry-After %d", ra)
			}
		}
		return err
	})
	_, after := f.hasher.counts()
	if got[todo.InvalidCredentials] > b.Max || after-before > b.Max || got[todo.InvalidCredentials]+got[todo.RateLimited] != 50 {
		t.Fatalf("answers %v, %d hashed: want at most %d checked, the rest rate_limited with a Retry-After within %s",
			got, after-before, b.Max, b.Window)
	}
	t.Logf("50 wrong passwords at once from 10 IPs: %v", got)
	owner := from("127.0.0.20")
	_, err := f.svc.Login(owner, "ann@example.com", pw)
	if todo.ErrorCode(err) == todo.RateLimited {
		ra := err.(*todo.Error).RetryAfter
		if ra < 1 || ra > int(b.Window/time.Second) {
			t.Fatalf("the owner's Retry-After %d, want at most %s", ra, b.Window)
		}
		for range 8 { // refused tries do not count on the owner's own pair
			_, err := f.svc.Login(owner, "ann@example.com", pw)
			wantCode(t, err, todo.RateLimited)
		}
		f.clock.Add(time.Duration(ra) * time.Second)
		_, err = f.svc.Login(owner, "ann@example.com", pw)
	}
	if err != nil {
		t.Fatalf("the owner after the wait: %v", err)
	}
	// A success gives its try back: the owner logs in again at once.
	if _, err := f.svc.Login(owner, "ann@example.com", pw); err != nil {
		t.Fatalf("the owner's second log-in: %v", err)
	}
}

// TestIPv6ClientsShareTheirPrefix: an IPv6 client's addresses in one /64
// share one failure budget (todo.NetworkOf), another /64 has its own.
func TestIPv6ClientsShareTheirPrefix(t *testing.T) {
	f := newFixture(t)
	b := account.DefaultPolicy.IPLoginFailures
	for i := range b.Max {
		_, err := f.svc.Login(from(fmt.Sprintf("2001:db8:1:2::%x", i+1)), fmt.Sprintf("user%d@example.com", i), "wrong password!")
		wantCode(t, err, todo.InvalidCredentials)
	}
	_, err := f.svc.Login(from("2001:db8:1:2:ffff:ffff:ffff:ffff"), "another@example.com", "wrong password!")
	wantCode(t, err, todo.RateLimited)
	_, err = f.svc.Login(from("2001:db8:1:3::1"), "another@example.com", "wrong password!")
	wantCode(t, err, todo.InvalidCredentials)
}

// TestRegisterRaceGivesBackItsMail: of eight repeated sign-ups at once,
// the one whose write stores the new code keeps its mail from the day's
// budget; the others, whose writes lost the race, give theirs back.
func TestRegisterRaceGivesBackItsMail(t *testing.T) {
	f := newFixture(t)
	f.register(t, "ann@example.com", pw, "")
	f.clock.Add(time.Minute)
	got := burst(8, func(int) error { return f.svc.Register(context.Background(), "ann@example.com", pw, "") })
	if got[""] != 8 {
		t.Fatalf("answers %v", got)
	}
	if n, err := f.svc.DayCount(context.Background(), "mails", "ann@example.com"); err != nil || n != 2 {
		t.Fatalf("the day's mails hold %d (%v), want 2: the sign-up's and one new code's", n, err)
	}
}

// TestLoginAlertOncePerWindow is the log-in alert under a sustained
// attack: 300 failures within an hour mail the owner one alert, not one at
// every refill of a token bucket (which LOGIN_ALERT_LIMIT's "100/1h" parses
// to: a token every 36 s), and the next hour's 100th failure one more.
// Only the alert's budget is on, and the mail budget is wide, so nothing
// else caps the alerts.
func TestLoginAlertOncePerWindow(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	p := &f.svc.Policy
	p.LoginAlert = limit.Budget{Max: 100, Window: time.Hour} // as parsed from "100/1h"
	p.LoginAccountFailures, p.IPLoginFailures = limit.Budget{}, limit.Budget{}
	p.LoginBackoffAfter, p.CodeMailsPerDay = 1000, 1000
	alerts, last := 0, f.user(t, "ann@example.com").AlertNonce
	fail := func(n int, every time.Duration) {
		t.Helper()
		for i := range n {
			_, err := f.svc.Login(from(fmt.Sprintf("127.0.%d.%d", 1+i/200, 2+i%200)), "ann@example.com", "wrong password!")
			wantCode(t, err, todo.InvalidCredentials)
			if a := f.user(t, "ann@example.com").AlertNonce; a != last {
				alerts, last = alerts+1, a
			}
			f.clock.Add(every)
		}
	}
	fail(300, 11*time.Second) // 3,300 s from noon: one hour's window
	if alerts != 1 {
		t.Fatalf("300 failed log-ins within an hour set %d alerts, want 1", alerts)
	}
	f.clock.Add(time.Hour)
	fail(100, time.Second)
	if alerts != 2 {
		t.Fatalf("the next hour's 100 failures: %d alerts in all, want 2", alerts)
	}
	t.Logf("300 failures in 55 min: 1 alert; 100 more the next hour: 1 more")
}
