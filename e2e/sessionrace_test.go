package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/mailboxtest"
)

// These tests are issue 15's findings 1, 3 and 4 over real HTTP against the
// local server: log-ins racing a reset, a change and a deletion leave no
// session alive; a deleted account's access token writes nothing; a forged
// refresh token ends nothing.

// raceRounds is how often each race is run, on a fresh account each time.
const raceRounds = 3

// racers are the client addresses that keep logging in with the old
// password while the owner (127.0.0.6) acts.
var racers = []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}

// raced is one log-in of a racer: when it was sent and answered, and what
// it got.
type raced struct {
	start, end time.Time
	r          response
}

// mailAbout waits for a mail to `to` whose subject contains subject, in
// the local server's mail folder.
func mailAbout(t *testing.T, dir, to, subject string) mailboxtest.Message {
	t.Helper()
	for n := 1; ; n++ {
		for _, m := range dirMail(dir)(t, to, n) { // fails the test after 15 s without the n-th mail
			if strings.Contains(m.Subject, subject) {
				return m
			}
		}
	}
}

// logIn logs addr in from c with ownerPassword.
func logIn(t *testing.T, c *http.Client, base, addr string) response {
	t.Helper()
	return post(t, c, base+"/login", map[string]string{"email": addr, "password": ownerPassword})
}

// addTodo adds a todo with an access token.
func addTodo(t *testing.T, c *http.Client, base, token string) response {
	t.Helper()
	return callVia(t, c, "POST", base+"/todos", token, map[string]string{"title": "written by an old session"})
}

// raceLogIns has every racer log addr in with ownerPassword again and again
// until one log-in is refused (or maxTries), while act, started once
// `head` log-ins succeeded, does what ends the sessions. It returns every
// log-in with its timing, and when act ran.
func raceLogIns(t *testing.T, base, addr string, act func()) (tries []raced, actStart, actEnd time.Time) {
	t.Helper()
	const head, maxTries = 4, 200
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		ok    int
		ready = make(chan struct{})
		once  sync.Once
	)
	for _, ip := range racers {
		c := from(ip)
		wg.Go(func() {
			defer once.Do(func() { close(ready) })
			for range maxTries {
				start := time.Now()
				r := logIn(t, c, base, addr)
				mu.Lock()
				tries = append(tries, raced{start, time.Now(), r})
				if r.Status == 200 {
					ok++
					if ok >= head {
						once.Do(func() { close(ready) })
					}
				}
				mu.Unlock()
				if r.Status == 401 {
					return // the password (or the account) is gone
				}
			}
		})
	}
	<-ready
	actStart = time.Now()
	act()
	actEnd = time.Now()
	wg.Wait()
	return tries, actStart, actEnd
}

// wantAllEnded checks, with nothing waited out, that every session a racer
// got is over: its refresh token gets 401 and its access token cannot add
// a todo. It returns how many log-ins succeeded after act began and how
// many overlapped act.
func wantAllEnded(t *testing.T, base string, tries []raced, actStart, actEnd time.Time) (late, overlapped int) {
	t.Helper()
	c := from("127.0.0.7")
	for _, tr := range tries {
		if tr.start.Before(actEnd) && tr.end.After(actStart) {
			overlapped++
		}
		switch tr.r.Status {
		case 200:
		case 401:
			if tr.r.code() != "invalid_credentials" {
				t.Fatalf("a racing log-in: %s", tr.r.Raw)
			}
			continue
		case 503:
			continue // argon2 at its limit of parallel hashes: a try that did not happen
		default:
			t.Fatalf("a racing log-in: %d %s", tr.r.Status, tr.r.Raw)
		}
		if tr.end.After(actStart) {
			late++
		}
		want(t, post(t, c, base+"/refresh", map[string]string{"refreshToken": str(tr.r, "refreshToken")}), 401, "unauthorized")
		want(t, addTodo(t, c, base, str(tr.r, "accessToken")), 401, "unauthorized")
	}
	return late, overlapped
}

// TestLogInsRacingAResetLeaveNoSession is finding 1 for a password reset.
func TestLogInsRacingAResetLeaveNoSession(t *testing.T) {
	base, dir := startAbuse(t)
	owner := from("127.0.0.6")
	late, overlapped := 0, 0
	for round := range raceRounds {
		addr := "reset.race" + itoa(round) + "@example.com"
		verifiedAccount(t, base, dir, addr)
		want(t, post(t, owner, base+"/password/forgot", map[string]string{"email": addr}), 202, "")
		code := resetPattern.FindStringSubmatch(mailAbout(t, dir, addr, "password reset code").Text)[1]
		tries, s, e := raceLogIns(t, base, addr, func() {
			want(t, post(t, owner, base+"/password/reset", map[string]string{"email": addr, "code": code, "password": "a new long password for the race"}), 200, "")
		})
		l, o := wantAllEnded(t, base, tries, s, e)
		late, overlapped = late+l, overlapped+o
	}
	t.Logf("%d rounds: %d log-ins overlapped the reset, %d succeeded after it began; every session ended", raceRounds, overlapped, late)
}

// TestLogInsRacingAPasswordChangeLeaveNoSession is finding 1 for a
// password change: only the owner's own session lives on.
func TestLogInsRacingAPasswordChangeLeaveNoSession(t *testing.T) {
	base, dir := startAbuse(t)
	owner := from("127.0.0.6")
	late, overlapped := 0, 0
	for round := range raceRounds {
		addr := "change.race" + itoa(round) + "@example.com"
		verifiedAccount(t, base, dir, addr)
		mine := logIn(t, owner, base, addr)
		want(t, mine, 200, "")
		tries, s, e := raceLogIns(t, base, addr, func() {
			want(t, callVia(t, owner, "POST", base+"/password", str(mine, "accessToken"),
				map[string]string{"currentPassword": ownerPassword, "newPassword": "a new long password for the race"}), 204, "")
		})
		l, o := wantAllEnded(t, base, tries, s, e)
		late, overlapped = late+l, overlapped+o
		want(t, addTodo(t, owner, base, str(mine, "accessToken")), 201, "")
		want(t, post(t, owner, base+"/refresh", map[string]string{"refreshToken": str(mine, "refreshToken")}), 200, "")
	}
	t.Logf("%d rounds: %d log-ins overlapped the change, %d succeeded after it began; every other session ended", raceRounds, overlapped, late)
}

// TestLogInsRacingAnAccountDeletionLeaveNoSession is finding 1 for an
// account deletion, and finding 3: the deleting session's own access token
// neither adds nor lists afterwards.
func TestLogInsRacingAnAccountDeletionLeaveNoSession(t *testing.T) {
	base, dir := startAbuse(t)
	owner := from("127.0.0.6")
	late, overlapped := 0, 0
	for round := range raceRounds {
		addr := "delete.race" + itoa(round) + "@example.com"
		verifiedAccount(t, base, dir, addr)
		mine := logIn(t, owner, base, addr)
		want(t, mine, 200, "")
		tries, s, e := raceLogIns(t, base, addr, func() {
			want(t, callVia(t, owner, "DELETE", base+"/account", str(mine, "accessToken"), map[string]string{"password": ownerPassword}), 204, "")
		})
		l, o := wantAllEnded(t, base, tries, s, e)
		late, overlapped = late+l, overlapped+o
		want(t, addTodo(t, owner, base, str(mine, "accessToken")), 401, "unauthorized")
		want(t, callVia(t, owner, "GET", base+"/todos", str(mine, "accessToken"), nil), 401, "unauthorized")
	}
	t.Logf("%d rounds: %d log-ins overlapped the deletion, %d succeeded after it began; every session ended", raceRounds, overlapped, late)
}

// TestDeletedAccountTokensWriteNothing is finding 3: after DELETE /account,
// the access tokens of the account's sessions (the deleting one and
// another) get 401 on add and list, and the address signed up again sees
// no todo of the old account.
func TestDeletedAccountTokensWriteNothing(t *testing.T) {
	base, dir := startAbuse(t)
	owner, other := from("127.0.0.2"), from("127.0.0.3")
	const addr = "deleted.tokens@example.com"
	verifiedAccount(t, base, dir, addr)
	a, b := logIn(t, owner, base, addr), logIn(t, other, base, addr)
	want(t, a, 200, "")
	want(t, b, 200, "")
	want(t, addTodo(t, other, base, str(b, "accessToken")), 201, "")
	want(t, callVia(t, owner, "DELETE", base+"/account", str(a, "accessToken"), map[string]string{"password": ownerPassword}), 204, "")
	for _, s := range []struct {
		c   *http.Client
		tok string
	}{{owner, str(a, "accessToken")}, {other, str(b, "accessToken")}} {
		want(t, addTodo(t, s.c, base, s.tok), 401, "unauthorized")
		want(t, callVia(t, s.c, "GET", base+"/todos", s.tok, nil), 401, "unauthorized")
	}
}

// TestForgedRefreshTokenEndsNothing is finding 4: `sub.sid.` (both read
// from an access token) + 43 characters is a plain 401; the owner's real
// token still works and no notice is mailed. A token the session really
// issued, spent three rotations ago (no grace period: only the last spent
// token has one, for 10 s of real time the server's clock does not let a
// test skip; pkg/account's TestRefreshReuseOfAnyRecentSpentToken covers
// the last one after its grace with an injected clock), still ends the
// session and mails the one notice. The local server mails from the
// store's change feed in order, so a notice a forged token had caused
// would be in the folder before the real one.
func TestForgedRefreshTokenEndsNothing(t *testing.T) {
	base, dir := startAbuse(t)
	owner, attacker := from("127.0.0.2"), from("127.0.0.3")
	const addr = "forged.refresh@example.com"
	verifiedAccount(t, base, dir, addr)
	login := logIn(t, owner, base, addr)
	want(t, login, 200, "")
	first := str(login, "refreshToken")
	parts := strings.Split(first, ".")
	for _, secret := range []string{strings.Repeat("A", 43), strings.Repeat("-", 43), parts[2][:42] + "Q"} {
		if parts[0]+"."+parts[1]+"."+secret == first {
			continue
		}
		want(t, post(t, attacker, base+"/refresh", map[string]string{"refreshToken": parts[0] + "." + parts[1] + "." + secret}), 401, "unauthorized")
	}
	// The owner's session lives on: three rotations.
	tok := first
	for range 3 {
		r := post(t, owner, base+"/refresh", map[string]string{"refreshToken": tok})
		want(t, r, 200, "")
		tok = str(r, "refreshToken")
	}
	// The really spent first token comes back: the session ends, and the
	// owner is mailed once.
	want(t, post(t, attacker, base+"/refresh", map[string]string{"refreshToken": first}), 401, "unauthorized")
	want(t, post(t, owner, base+"/refresh", map[string]string{"refreshToken": tok}), 401, "unauthorized")
	mailAbout(t, dir, addr, "session of your account was ended")
	notices := 0
	for _, m := range dirMail(dir)(t, addr, 2) {
		if strings.Contains(m.Subject, "session of your account was ended") {
			notices++
		}
	}
	if notices != 1 {
		t.Fatalf("%d session-ended notices, want 1 (the forged tokens must mail none)", notices)
	}
}
