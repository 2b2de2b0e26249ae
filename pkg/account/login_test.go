package account_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/account"
	"github.com/todofn/todofn/pkg/password"
	"github.com/todofn/todofn/pkg/todo"
)

func TestLogin(t *testing.T) {
	f := newFixture(t)
	ctx := from("127.0.0.1")
	f.register(t, "ann@example.com", pw, "Ann")

	_, err := f.svc.Login(ctx, "ann@example.com", pw)
	wantCode(t, err, todo.EmailNotVerified)
	_, err = f.svc.Login(ctx, "ann@example.com", "wrong password!")
	wantCode(t, err, todo.InvalidCredentials)
	_, errUnknown := f.svc.Login(ctx, "nobody@example.com", pw)
	wantCode(t, errUnknown, todo.InvalidCredentials)
	if todo.ErrorMessage(err) != todo.ErrorMessage(errUnknown) {
		t.Fatalf("unknown and wrong password differ: %q vs %q", todo.ErrorMessage(err), todo.ErrorMessage(errUnknown))
	}
	if err := f.svc.Verify(ctx, "ann@example.com", f.code(t, "ann@example.com"), pw); err != nil {
		t.Fatal(err)
	}
	sess, err := f.svc.Login(ctx, "ANN@example.com", pw)
	if err != nil || sess.AccessToken == "" || sess.User.Email != "ann@example.com" || sess.ExpiresIn != 10*60 ||
		sess.RefreshToken == "" || sess.RefreshExpiresIn != 7*24*3600 {
		t.Fatalf("Login = %+v, %v", sess, err)
	}
	if c, err := f.verifier.Verify(sess.AccessToken); err != nil || c.UserID != sess.User.ID || c.SessionID == "" {
		t.Fatalf("the access token: %+v, %v", c, err)
	}
}

// TestLoginBacksOffPerAddressAndIP is findings 2 and 3: failures slow down
// the (address, IP) pair that fails, 1 s, 2 s, 4 s …, while the owner from
// another IP logs in at once.
func TestLoginBacksOffPerAddressAndIP(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	attacker, owner := from("127.0.0.2"), from("127.0.0.3")
	p := account.DefaultPolicy
	for range p.LoginBackoffAfter {
		_, err := f.svc.Login(attacker, "ann@example.com", "wrong password!")
		wantCode(t, err, todo.InvalidCredentials)
	}
	for i, wait := range []int{1, 2, 4, 8} {
		_, err := f.svc.Login(attacker, "ann@example.com", pw) // even the right password waits
		wantCode(t, err, todo.RateLimited)
		if ra := err.(*todo.Error).RetryAfter; ra != wait {
			t.Fatalf("wait %d: Retry-After %d, want %d", i, ra, wait)
		}
		if _, err := f.svc.Login(owner, "ann@example.com", pw); err != nil {
			t.Fatalf("the owner from another IP is locked out: %v", err)
		}
		f.clock.Add(time.Duration(wait) * time.Second)
		_, err = f.svc.Login(attacker, "ann@example.com", "wrong password!")
		wantCode(t, err, todo.InvalidCredentials)
	}
	// The wait grows to LoginBackoffMax and no further.
	for range 20 {
		f.clock.Add(p.LoginBackoffMax)
		_, _ = f.svc.Login(attacker, "ann@example.com", "wrong password!")
	}
	_, err := f.svc.Login(attacker, "ann@example.com", pw)
	if ra := err.(*todo.Error).RetryAfter; ra != int(p.LoginBackoffMax/time.Second) {
		t.Fatalf("Retry-After %d, want the maximum %d", ra, int(p.LoginBackoffMax/time.Second))
	}
	// A success clears the pair.
	f.clock.Add(p.LoginBackoffMax)
	if _, err := f.svc.Login(attacker, "ann@example.com", pw); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(attacker, "ann@example.com", "wrong password!"); todo.ErrorCode(err) != todo.InvalidCredentials {
		t.Fatalf("after a success the pair starts again: %v", err)
	}
}

// TestLoginBurstGetsNoMoreHashesThanTheBudget is finding 3: 50 wrong
// passwords at once from one IP hash at most LoginBackoffAfter times.
func TestLoginBurstGetsNoMoreHashesThanTheBudget(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	_, before := f.hasher.counts()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 50 {
		wg.Go(func() {
			_, err := f.svc.Login(from("127.0.0.2"), "ann@example.com", "wrong password!")
			mu.Lock()
			codes[todo.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	_, after := f.hasher.counts()
	if hashed := after - before; hashed > account.DefaultPolicy.LoginBackoffAfter {
		t.Fatalf("%d of 50 were hashed, want at most %d (answers %v)", hashed, account.DefaultPolicy.LoginBackoffAfter, codes)
	}
	if codes[todo.InvalidCredentials] == 0 || codes[todo.RateLimited] == 0 || codes[todo.InvalidCredentials]+codes[todo.RateLimited] != 50 {
		t.Fatalf("answers %v", codes)
	}
}

// TestLoginIPBudgetAcrossAddresses: one client IP has IPLoginFailures
// failures across all addresses.
func TestLoginIPBudgetAcrossAddresses(t *testing.T) {
	f := newFixture(t)
	b := account.DefaultPolicy.IPLoginFailures
	for i := range b.Max {
		_, err := f.svc.Login(from("127.0.0.4"), fmt.Sprintf("user%d@example.com", i), "wrong password!")
		wantCode(t, err, todo.InvalidCredentials)
	}
	_, err := f.svc.Login(from("127.0.0.4"), "another@example.com", "wrong password!")
	wantCode(t, err, todo.RateLimited)
	if _, err := f.svc.Login(from("127.0.0.5"), "another@example.com", "wrong password!"); todo.ErrorCode(err) != todo.InvalidCredentials {
		t.Fatalf("another IP is limited too: %v", err)
	}
}

// TestLoginAlertsTheOwnerOnce: the failure that spends the address's
// budget across all IPs sets one alert for the mailer.
func TestLoginAlertsTheOwnerOnce(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	f.svc.Policy.LoginAlert.Max = 12
	// The cap across IPs is TestLoginAccountCap's.
	f.svc.Policy.LoginAccountFailures.Max = 100
	for i := range 20 { // from 20 IPs, under every per-pair and per-IP limit
		_, err := f.svc.Login(from(fmt.Sprintf("10.0.0.%d", i+1)), "ann@example.com", "wrong password!")
		wantCode(t, err, todo.InvalidCredentials)
		u := f.user(t, "ann@example.com")
		if i+1 < 12 && u.AlertNonce != "" || i+1 >= 12 && u.AlertNonce == "" {
			t.Fatalf("after %d failures: alert %q", i+1, u.AlertNonce)
		}
	}
	first := f.user(t, "ann@example.com").AlertNonce
	_, _ = f.svc.Login(from("10.0.1.1"), "ann@example.com", "wrong password!")
	if f.user(t, "ann@example.com").AlertNonce != first {
		t.Fatal("a second alert in the same window")
	}
	if _, err := f.svc.Login(from("127.0.0.9"), "ann@example.com", pw); err != nil {
		t.Fatalf("the owner cannot log in: %v", err)
	}
}

// TestLoginRehashesOldHashes: a hash made with other parameters is
// replaced on the next successful log-in.
func TestLoginRehashesOldHashes(t *testing.T) {
	f := newFixture(t)
	f.verified(t, "ann@example.com", pw)
	old := password.NewHasher(password.Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	u := f.user(t, "ann@example.com")
	u.PasswordHash, _ = old.Hash(pw)
	if err := f.store.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(from("127.0.0.1"), "ann@example.com", pw); err != nil {
		t.Fatal(err)
	}
	if got := f.user(t, "ann@example.com").PasswordHash; got == u.PasswordHash || f.hasher.NeedsRehash(got) {
		t.Fatalf("hash not renewed: %s", got)
	}
	if _, err := f.svc.Login(from("127.0.0.1"), "ann@example.com", pw); err != nil {
		t.Fatalf("the renewed hash: %v", err)
	}
}

func TestLoginRefusesUnboundedInput(t *testing.T) {
	f := newFixture(t)
	if account.MaxPasswordBytes != password.MaxBytes {
		t.Fatalf("log-in reads %d bytes, package password admits %d", account.MaxPasswordBytes, password.MaxBytes)
	}
	before := f.count.snapshot()
	_, err := f.svc.Login(context.Background(), "ann@example.com", string(make([]byte, account.MaxPasswordBytes+1)))
	wantCode(t, err, todo.ValidationFailed)
	if todo.ErrorMessage(err) != todo.ErrorMessage(password.Check(strings.Repeat("a", todo.MaxPasswordLen+1))) {
		t.Fatalf("log-in answers %v, sign-up another message", err)
	}
	if _, v := f.hasher.counts(); v != 0 || f.count.snapshot()["PutThrottle"] != before["PutThrottle"] || f.count.snapshot()["AddCount"] != before["AddCount"] {
		t.Fatal("an oversized password was hashed or counted")
	}
	_, err = f.svc.Login(context.Background(), "ann@example.com", "")
	wantCode(t, err, todo.ValidationFailed)
}
