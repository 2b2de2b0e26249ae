package e2e

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/mailboxtest"
)

var resetPattern = regexp.MustCompile(`password reset code is (\d{6})`)

// mailWith waits for a mail to `to` whose subject contains subject.
func mailWith(t *testing.T, s system, to, subject string) mailboxtest.Message {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range s.mail(t, to, 1) {
			if strings.Contains(m.Subject, subject) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s about %q", to, subject)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signUpAndLogIn makes a verified account and logs it in.
func signUpAndLogIn(t *testing.T, s system, email, password string) response {
	t.Helper()
	want(t, call(t, "POST", s.u("register", "/register"), "", map[string]string{"email": email, "password": password}), 202, "")
	code := codePattern.FindStringSubmatch(mailWith(t, s, email, "verification code").Text)[1]
	want(t, call(t, "POST", s.u("verify", "/verify"), "", map[string]string{"email": email, "code": code, "password": password}), 200, "")
	r := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": email, "password": password})
	want(t, r, 200, "")
	if r.Body["refreshToken"] == "" || r.Body["refreshExpiresIn"].(float64) != 7*24*3600 {
		t.Fatalf("login: %s", r.Raw)
	}
	return r
}

func refresh(t *testing.T, s system, token string) response {
	t.Helper()
	return call(t, "POST", s.u("refresh", "/refresh"), "", map[string]string{"refreshToken": token})
}

func str(r response, k string) string { v, _ := r.Body[k].(string); return v }

// runSessionFlow is the sessions issue's flow over real HTTP: refresh and
// rotation, reuse of a spent token, two refreshes at once, log-out local
// and global, forgot and reset through the mailbox, change password, and
// account deletion.
func runSessionFlow(t *testing.T, s system) {
	const sam, pw = "sam.e2e@example.com", "sam's long password"
	login := signUpAndLogIn(t, s, sam, pw)
	first := str(login, "refreshToken")

	// Refresh twice: each answer is a new pair, and the access token works.
	r1 := refresh(t, s, first)
	want(t, r1, 200, "")
	r2 := refresh(t, s, str(r1, "refreshToken"))
	want(t, r2, 200, "")
	want(t, call(t, "GET", s.u("todos-list", "/todos"), str(r2, "accessToken"), nil), 200, "")
	// The first token, spent two rotations ago, comes back: the session
	// ends and the owner is told.
	want(t, refresh(t, s, first), 401, "unauthorized")
	want(t, refresh(t, s, str(r2, "refreshToken")), 401, "unauthorized")
	if m := mailWith(t, s, sam, "session of your account was ended"); !strings.Contains(m.Text, "127.0.0.1") {
		t.Fatalf("the reuse notice does not name the client IP:\n%s", m.Text)
	}

	// Two refreshes at once with one token: both get the same new token,
	// so only one is live.
	login = call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": sam, "password": pw})
	want(t, login, 200, "")
	var wg sync.WaitGroup
	var got [2]response
	for i := range got {
		wg.Go(func() { got[i] = refresh(t, s, str(login, "refreshToken")) })
	}
	wg.Wait()
	want(t, got[0], 200, "")
	want(t, got[1], 200, "")
	if str(got[0], "refreshToken") != str(got[1], "refreshToken") {
		t.Fatal("two concurrent refreshes with one token gave two live tokens")
	}
	live := str(got[0], "refreshToken")

	// Log-out: local ends this session, global every session.
	other := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": sam, "password": pw})
	want(t, call(t, "POST", s.u("logout", "/logout"), str(got[0], "accessToken"), map[string]string{"scope": "local"}), 204, "")
	want(t, refresh(t, s, live), 401, "unauthorized")
	third := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": sam, "password": pw})
	want(t, call(t, "POST", s.u("logout", "/logout"), str(third, "accessToken"), map[string]string{"scope": "global"}), 204, "")
	want(t, refresh(t, s, str(other, "refreshToken")), 401, "unauthorized")
	want(t, call(t, "POST", s.u("logout", "/logout"), "", map[string]string{"refreshToken": "nonsense"}), 204, "")

	runResetFlow(t, s, sam, pw)
}

// runResetFlow: forgot → mail → reset ends the old sessions and the old
// password; change password; delete the account.
func runResetFlow(t *testing.T, s system, email, oldPassword string) {
	old := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": email, "password": oldPassword})
	want(t, old, 200, "")
	for _, addr := range []string{email, "nobody.e2e@example.com"} {
		r := call(t, "POST", s.u("password-forgot", "/password/forgot"), "", map[string]string{"email": addr})
		want(t, r, 202, "")
		if r.Raw != `{"status":"reset_requested"}`+"\n" {
			t.Fatalf("forgot answered %q", r.Raw)
		}
	}
	m := mailWith(t, s, email, "password reset code")
	code := resetPattern.FindStringSubmatch(m.Text)[1]
	if !strings.Contains(m.Text, "#/reset?code="+code) {
		t.Fatalf("the reset mail has no link to the reset page:\n%s", m.Text)
	}
	const newPassword = "a brand new long password"
	want(t, call(t, "POST", s.u("password-reset", "/password/reset"), "", map[string]string{"email": email, "code": otherCode(code), "password": newPassword}), 400, "invalid_code")
	want(t, call(t, "POST", s.u("password-reset", "/password/reset"), "", map[string]string{"email": email, "code": code, "password": newPassword}), 200, "")
	mailWith(t, s, email, "password was reset")
	want(t, refresh(t, s, str(old, "refreshToken")), 401, "unauthorized")
	want(t, call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": email, "password": oldPassword}), 401, "invalid_credentials")

	// Change the password: the other sessions end, this one stays.
	a := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": email, "password": newPassword})
	b := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": email, "password": newPassword})
	const third = "the third long password"
	r := call(t, "POST", s.u("password-change", "/password"), str(a, "accessToken"), map[string]string{"currentPassword": "wrong password!", "newPassword": third})
	want(t, r, 401, "invalid_credentials")
	want(t, call(t, "POST", s.u("password-change", "/password"), str(a, "accessToken"), map[string]string{"currentPassword": newPassword, "newPassword": third}), 204, "")
	mailWith(t, s, email, "password was changed")
	want(t, refresh(t, s, str(b, "refreshToken")), 401, "unauthorized")
	want(t, refresh(t, s, str(a, "refreshToken")), 200, "")

	// Delete the account: log-in refused, todos gone, the address free again.
	c := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": email, "password": third})
	tok := str(c, "accessToken")
	want(t, call(t, "POST", s.u("todos-add", "/todos"), tok, map[string]any{"title": "to be deleted"}), 201, "")
	want(t, call(t, "DELETE", s.u("account-delete", "/account"), tok, map[string]string{"password": "wrong password!"}), 401, "invalid_credentials")
	want(t, call(t, "DELETE", s.u("account-delete", "/account"), tok, map[string]string{"password": third}), 204, "")
	mailWith(t, s, email, "account was deleted")
	want(t, call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": email, "password": third}), 401, "invalid_credentials")
	want(t, refresh(t, s, str(c, "refreshToken")), 401, "unauthorized")
	want(t, call(t, "POST", s.u("register", "/register"), "", map[string]string{"email": email, "password": third}), 202, "")
}
