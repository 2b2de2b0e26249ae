package e2e

import (
	"fmt"
	"sync"
	"testing"
)

// TestPreRegistrationHijack is issue 15's finding 5, over HTTP against the
// local server: a stranger (127.0.0.3) signs up first with the owner's
// address and a password of their own; the owner (127.0.0.2) signs up too,
// while the stranger keeps signing up and trying to log in from three more
// addresses, and verifies with the code in the mail and the owner's own
// password. The owner logs in; the stranger's password never works, before
// or after. The resend window (one mail a minute) is not a setting, so the
// owner uses the code the stranger's sign-up mailed; the case where the
// owner's own sign-up a minute later mails a new code runs with a clock in
// pkg/account (TestPreRegistrationHijack). The opposite order, the owner
// first, is TestTakeoverBeforeVerification.
func TestPreRegistrationHijack(t *testing.T) {
	base, dir := startAbuse(t)
	owner, stranger := from("127.0.0.2"), from("127.0.0.3")
	addr := "ann.prehijack@example.com"
	want(t, post(t, stranger, base+"/register", map[string]string{"email": addr, "password": attackerPassword, "name": "Mallory"}), 202, "")

	// The owner signs up while the stranger signs up again and tries the
	// stranger's password, from several addresses at once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	note := func(what string, r response) {
		mu.Lock()
		answers[fmt.Sprintf("%s %d %s", what, r.Status, r.code())]++
		mu.Unlock()
	}
	wg.Go(func() {
		note("owner sign-up", post(t, owner, base+"/register", map[string]string{"email": addr, "password": ownerPassword, "name": "Ann"}))
	})
	for _, ip := range []string{"127.0.0.4", "127.0.0.5", "127.0.0.6"} {
		c := from(ip)
		wg.Go(func() {
			for range 3 {
				note("stranger sign-up", post(t, c, base+"/register", map[string]string{"email": addr, "password": attackerPassword, "name": "Mallory"}))
				note("stranger log-in", post(t, c, base+"/login", map[string]string{"email": addr, "password": attackerPassword}))
			}
		})
	}
	wg.Wait()
	for a, n := range answers {
		switch a {
		case "owner sign-up 202 ", "stranger sign-up 202 ", "stranger log-in 403 email_not_verified":
		default:
			t.Fatalf("%d× %q while pending; answers %v", n, a, answers)
		}
	}

	code := codePattern.FindStringSubmatch(dirMail(dir)(t, addr, 1)[0].Text)[1]
	// Without the mailbox the stranger verifies nothing; without a valid
	// password of their own the owner is asked for one, and no try counts.
	want(t, post(t, stranger, base+"/verify", map[string]string{"email": addr, "code": otherCode(code), "password": attackerPassword}), 400, "invalid_code")
	r := post(t, owner, base+"/verify", map[string]string{"email": addr, "code": code})
	want(t, r, 422, "validation_failed")
	if r.Body["error"].(map[string]any)["field"] != "password" {
		t.Fatalf("a verify without a password: %s, want the field password", r.Raw)
	}
	want(t, post(t, owner, base+"/verify", map[string]string{"email": addr, "code": code, "password": "qwerty123456"}), 422, "validation_failed")

	want(t, post(t, owner, base+"/verify", map[string]string{"email": addr, "code": code, "password": ownerPassword}), 200, "")
	r = post(t, owner, base+"/login", map[string]string{"email": addr, "password": ownerPassword})
	want(t, r, 200, "")
	if name := r.Body["user"].(map[string]any)["name"]; name != "" {
		t.Fatalf("the account kept the stranger's name %q", name)
	}
	for _, ip := range []string{"127.0.0.3", "127.0.0.7"} {
		want(t, post(t, from(ip), base+"/login", map[string]string{"email": addr, "password": attackerPassword}), 401, "invalid_credentials")
	}
}
