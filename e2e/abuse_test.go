package e2e

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests are the account-abuse findings, each tried over real HTTP
// against the local server as an attacker would. Clients bind other
// loopback addresses (127.0.0.2, 127.0.0.3, …) to act as other client IPs;
// the server sees them as the socket's peer.

// from is an HTTP client whose connections come from ip.
func from(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// startAbuse runs the local server with env on a fresh data folder.
func startAbuse(t *testing.T, env ...string) (base string, mailDir string) {
	t.Helper()
	data := t.TempDir()
	port := freePort(t)
	base = start(t, "local", port, append([]string{"DATA_DIR=" + data, "APP_URL=http://127.0.0.1:" + port + "/"}, env...)...)
	return base, filepath.Join(data, "mail")
}

func post(t *testing.T, c *http.Client, url string, body map[string]string) response {
	t.Helper()
	return callVia(t, c, "POST", url, "", body)
}

const ownerPassword, attackerPassword = "the owner's long secret", "an attacker's password"

// TestTakeoverBeforeVerification is finding 1.
func TestTakeoverBeforeVerification(t *testing.T) {
	base, dir := startAbuse(t)
	owner, attacker := from("127.0.0.2"), from("127.0.0.3")
	addr := "ann.takeover@example.com"
	want(t, post(t, owner, base+"/register", map[string]string{"email": addr, "password": ownerPassword, "name": "Ann"}), 202, "")
	want(t, post(t, attacker, base+"/register", map[string]string{"email": addr, "password": attackerPassword, "name": "Mallory"}), 202, "")
	msgs := dirMail(dir)(t, addr, 1)
	time.Sleep(500 * time.Millisecond) // a second mail would be on its way by now
	if again := dirMail(dir)(t, addr, 1); len(again) != 1 {
		t.Fatalf("the second sign-up sent %d mails, want none", len(again)-1)
	}
	code := codePattern.FindStringSubmatch(msgs[0].Text)[1]
	want(t, post(t, owner, base+"/verify", map[string]string{"email": addr, "code": code, "password": ownerPassword}), 200, "")
	want(t, post(t, attacker, base+"/login", map[string]string{"email": addr, "password": attackerPassword}), 401, "invalid_credentials")
	r := post(t, owner, base+"/login", map[string]string{"email": addr, "password": ownerPassword})
	want(t, r, 200, "")
	if r.Body["user"].(map[string]any)["name"] != "Ann" {
		t.Fatalf("the account's name changed: %s", r.Raw)
	}
}

// verifiedAccount signs up and verifies addr through the API and its mail.
func verifiedAccount(t *testing.T, base, dir, addr string) {
	t.Helper()
	c := from("127.0.0.9")
	want(t, post(t, c, base+"/register", map[string]string{"email": addr, "password": ownerPassword}), 202, "")
	code := codePattern.FindStringSubmatch(dirMail(dir)(t, addr, 1)[0].Text)[1]
	want(t, post(t, c, base+"/verify", map[string]string{"email": addr, "code": code, "password": ownerPassword}), 200, "")
}

// TestOwnerIsNotLockedOutFromAnotherIP is finding 2: an attacker failing at
// an address only slows themself down.
func TestOwnerIsNotLockedOutFromAnotherIP(t *testing.T) {
	base, dir := startAbuse(t)
	addr := "ann.lockout@example.com"
	verifiedAccount(t, base, dir, addr)
	attacker, owner := from("127.0.0.3"), from("127.0.0.2")
	limited := 0
	for range 25 {
		r := post(t, attacker, base+"/login", map[string]string{"email": addr, "password": attackerPassword})
		switch r.Status {
		case 401:
		case 429:
			limited++
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		default:
			t.Fatalf("attacker: %d %s", r.Status, r.Raw)
		}
	}
	if limited < 15 {
		t.Fatalf("only %d of 25 failing attempts were slowed down", limited)
	}
	// Even the right password waits from the attacker's address ...
	want(t, post(t, attacker, base+"/login", map[string]string{"email": addr, "password": ownerPassword}), 429, "rate_limited")
	// ... but the owner, from theirs, logs in at once.
	want(t, post(t, owner, base+"/login", map[string]string{"email": addr, "password": ownerPassword}), 200, "")
}

// TestLoginBurst is finding 3: 50 wrong passwords at once get no more
// answers that were hashed (401) than the budget allows; the rest wait.
func TestLoginBurst(t *testing.T) {
	base, dir := startAbuse(t)
	addr := "ann.burst@example.com"
	verifiedAccount(t, base, dir, addr)
	c := from("127.0.0.4")
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 50 {
		wg.Go(func() {
			r := post(t, c, base+"/login", map[string]string{"email": addr, "password": attackerPassword})
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[401] > 5 || statuses[401]+statuses[429] != 50 {
		t.Fatalf("answers %v: want at most 5 hashed (401), the rest 429", statuses)
	}
}

// TestCodeFarming is finding 4 (the whole sequence, with a clock, is in
// pkg/account): after CODE_TRIES_PER_DAY wrong codes, every code of the
// address is refused until the day turns, the owner's right one too.
func TestCodeFarming(t *testing.T) {
	base, dir := startAbuse(t, "CODE_TRIES_PER_DAY=3")
	addr := "victim.codes@example.com"
	owner, attacker := from("127.0.0.2"), from("127.0.0.3")
	want(t, post(t, owner, base+"/register", map[string]string{"email": addr, "password": ownerPassword}), 202, "")
	code := codePattern.FindStringSubmatch(dirMail(dir)(t, addr, 1)[0].Text)[1]
	for range 3 {
		want(t, post(t, attacker, base+"/verify", map[string]string{"email": addr, "code": otherCode(code), "password": attackerPassword}), 400, "invalid_code")
	}
	r := post(t, owner, base+"/verify", map[string]string{"email": addr, "code": code, "password": ownerPassword})
	want(t, r, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func otherCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// TestNamesAndMails is finding 6: a name with hidden characters is refused,
// and an unverified address is never mailed the name it was signed up with.
func TestNamesAndMails(t *testing.T) {
	base, dir := startAbuse(t)
	c := from("127.0.0.5")
	r := post(t, c, base+"/register", map[string]string{"email": "bidi@example.com", "password": ownerPassword, "name": "Ann\u202eknab ruoy"})
	want(t, r, 422, "validation_failed")
	if r.Body["error"].(map[string]any)["field"] != "name" {
		t.Fatalf("field: %s", r.Raw)
	}
	want(t, post(t, c, base+"/register", map[string]string{"email": "spam@example.com", "password": ownerPassword,
		"name": "URGENT your bank account is locked call 555"}), 202, "")
	m := dirMail(dir)(t, "spam@example.com", 1)[0]
	if strings.Contains(m.Text, "URGENT") || strings.Contains(m.Subject, "URGENT") {
		t.Fatalf("the sign-up's name reached an unverified address:\n%s", m.Text)
	}
	r = post(t, c, base+"/register", map[string]string{"email": "weak@example.com", "password": "qwerty123456"})
	want(t, r, 422, "validation_failed")
	if !strings.Contains(r.Raw, "common") {
		t.Fatalf("a common password's answer does not say why: %s", r.Raw)
	}
}

// TestMailBombing is finding 7: repeated sign-ups mail an address once a
// minute at most, and one client IP has a budget of sign-ups.
func TestMailBombing(t *testing.T) {
	base, dir := startAbuse(t, "IP_SIGNUP_LIMIT=10/5m")
	c := from("127.0.0.6")
	for range 10 {
		want(t, post(t, c, base+"/register", map[string]string{"email": "target@example.com", "password": attackerPassword}), 202, "")
	}
	r := post(t, c, base+"/register", map[string]string{"email": "target@example.com", "password": attackerPassword})
	want(t, r, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	time.Sleep(500 * time.Millisecond)
	if got := dirMail(dir)(t, "target@example.com", 1); len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
}

// TestVerifiedAccountHasNoLiveCode is finding 8: the last code of a
// verified account is refused like any wrong one.
func TestVerifiedAccountHasNoLiveCode(t *testing.T) {
	base, dir := startAbuse(t)
	c := from("127.0.0.7")
	addr := "done@example.com"
	want(t, post(t, c, base+"/register", map[string]string{"email": addr, "password": ownerPassword}), 202, "")
	code := codePattern.FindStringSubmatch(dirMail(dir)(t, addr, 1)[0].Text)[1]
	want(t, post(t, c, base+"/verify", map[string]string{"email": addr, "code": code, "password": ownerPassword}), 200, "")
	want(t, post(t, c, base+"/verify", map[string]string{"email": addr, "code": code, "password": ownerPassword}), 400, "invalid_code")
	unknown := post(t, c, base+"/verify", map[string]string{"email": "nobody@example.com", "code": code, "password": ownerPassword})
	again := post(t, c, base+"/verify", map[string]string{"email": addr, "code": code, "password": ownerPassword})
	if unknown.Raw != again.Raw {
		t.Fatalf("an unknown address answers %q, a verified one %q", unknown.Raw, again.Raw)
	}
}
