package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/mailboxtest"
)

// These are issue 15's account limits under bursts (items 2, 6 and 10, and
// the Idempotency-Key replays), over real HTTP against the local server,
// with clients on several loopback addresses acting as different client
// IPs.

// verifyBody is the body of every POST /verify these tests send: the
// guesser sends a password of their own (POST /verify takes one: a right
// code would verify the account with it).
func verifyBody(addr, code string) map[string]string {
	return map[string]string{"email": addr, "code": code, "password": attackerPassword}
}

// attackers are the ten client IPs of a burst: 127.0.0.2 to 127.0.0.11.
var attackers = func() []string {
	var ips []string
	for i := 2; i <= 11; i++ {
		ips = append(ips, fmt.Sprintf("127.0.0.%d", i))
	}
	return ips
}()

// codeBurst sends 100 wrong codes at once from the ten attackers, through
// send, and the right one from 127.0.0.12 in the middle of the burst, once
// five wrong ones were checked (invalid_code); if the race lets fewer than
// five be checked, more wrong ones follow one by one until five were, and
// then the right one. It fails unless at most five wrong codes were
// checked, every other answer was 429 with Retry-After, and the right code
// was refused with 429.
func codeBurst(t *testing.T, send func(c clientIP, code string) response, right, wrong string) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{}
	five := make(chan struct{})
	checked := 0
	note := func(r response) {
		mu.Lock()
		defer mu.Unlock()
		key := strconv.Itoa(r.Status) + " " + r.code()
		statuses[key]++
		if r.code() == "invalid_code" {
			if checked++; checked == 5 {
				close(five)
			}
		}
		if r.Status == 429 && r.Header.Get("Retry-After") == "" {
			statuses["429 without Retry-After"]++
		}
	}
	start := make(chan struct{})
	for i := range 100 {
		c := clientIP(attackers[i%len(attackers)])
		wg.Go(func() {
			<-start
			note(send(c, wrong))
		})
	}
	burstDone := make(chan struct{})
	var rightAnswer response
	hidden := false
	go func() {
		wg.Wait()
		close(burstDone)
	}()
	close(start)
	select {
	case <-five:
		select {
		case <-burstDone:
		default:
			hidden = true
		}
		rightAnswer = send("127.0.0.12", right)
	case <-burstDone:
	}
	<-burstDone
	for checked < 5 && !hidden && rightAnswer.Status == 0 {
		r := send("127.0.0.12", wrong)
		note(r)
		if r.Status != 400 && r.Status != 429 {
			t.Fatalf("a wrong code: %d %s", r.Status, r.Raw)
		}
		if r.Status == 429 {
			break
		}
	}
	if rightAnswer.Status == 0 {
		rightAnswer = send("127.0.0.12", right)
	}
	t.Logf("100 wrong codes from 10 IPs: %v; the right code (hidden in the burst: %v): %d %s", statuses, hidden, rightAnswer.Status, rightAnswer.code())
	if statuses["400 invalid_code"] > 5 || statuses["429 without Retry-After"] > 0 {
		t.Fatalf("answers %v: want at most 5 checked (400 invalid_code), the rest 429 with Retry-After", statuses)
	}
	for k, n := range statuses {
		if k != "400 invalid_code" && k != "429 rate_limited" {
			t.Fatalf("%d answers %q: want only 400 invalid_code and 429 rate_limited (%v)", n, k, statuses)
		}
	}
	if rightAnswer.Status != 429 || rightAnswer.code() != "rate_limited" {
		t.Fatalf("the right code after five wrong ones: %d %s, want 429 rate_limited", rightAnswer.Status, rightAnswer.Raw)
	}
}

// resetCodeIn is the code of the one reset mail among mails.
func resetCodeIn(t *testing.T, mails []mailboxtest.Message) string {
	t.Helper()
	var codes []string
	for _, m := range mails {
		if c := resetPattern.FindStringSubmatch(m.Text); c != nil {
			codes = append(codes, c[1])
		}
	}
	if len(codes) != 1 {
		t.Fatalf("%d reset mails, want 1", len(codes))
	}
	return codes[0]
}

// clientIP is a loopback source address.
type clientIP string

// TestCodeBurstVerify is item 2 through /verify: three rounds of 100
// parallel wrong codes from 10 IPs against one code.
func TestCodeBurstVerify(t *testing.T) {
	base, dir := startAbuse(t, "IP_VERIFY_LIMIT=100000/5m")
	for round := range 3 {
		addr := fmt.Sprintf("burst.verify%d@example.com", round)
		want(t, post(t, from("127.0.0.13"), base+"/register", map[string]string{"email": addr, "password": ownerPassword}), 202, "")
		code := codePattern.FindStringSubmatch(dirMail(dir)(t, addr, 1)[0].Text)[1]
		codeBurst(t, func(c clientIP, code string) response {
			return post(t, from(string(c)), base+"/verify", verifyBody(addr, code))
		}, code, otherCode(code))
		// The account is still pending: the right password cannot log in.
		want(t, post(t, from("127.0.0.13"), base+"/login", map[string]string{"email": addr, "password": ownerPassword}), 403, "email_not_verified")
	}
}

// TestCodeBurstReset is item 2 through /password/reset: the right code,
// hidden in a burst after five wrong ones, sets no password.
func TestCodeBurstReset(t *testing.T) {
	base, dir := startAbuse(t, "IP_VERIFY_LIMIT=100000/5m")
	for round := range 3 {
		addr := fmt.Sprintf("burst.reset%d@example.com", round)
		verifiedAccount(t, base, dir, addr)
		want(t, post(t, from("127.0.0.13"), base+"/password/forgot", map[string]string{"email": addr}), 202, "")
		code := resetCodeIn(t, dirMail(dir)(t, addr, 2))
		codeBurst(t, func(c clientIP, code string) response {
			return post(t, from(string(c)), base+"/password/reset", map[string]string{"email": addr, "code": code, "password": attackerPassword})
		}, code, otherCode(code))
		want(t, post(t, from("127.0.0.13"), base+"/login", map[string]string{"email": addr, "password": attackerPassword}), 401, "invalid_credentials")
		want(t, post(t, from("127.0.0.13"), base+"/login", map[string]string{"email": addr, "password": ownerPassword}), 200, "")
	}
}

// TestOwnersResetAfterABurst is item 6: six parallel and five spaced
// forgot-password requests of an attacker send one reset mail and spend
// nothing of the owner's: the owner's own request answers 202, the code in
// the owner's mailbox works, and the owner resets. (The spacing past a
// code's life and a spent day are in pkg/account's TestOwnersResetGetsThrough,
// with a clock.)
func TestOwnersResetAfterABurst(t *testing.T) {
	base, dir := startAbuse(t)
	addr := "owner.reset@example.com"
	verifiedAccount(t, base, dir, addr) // mail 1: the sign-up code
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 6 {
		wg.Go(func() {
			r := post(t, from(attackers[i]), base+"/password/forgot", map[string]string{"email": addr})
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	for i := range 5 {
		time.Sleep(200 * time.Millisecond) // spaced, within the code's life
		r := post(t, from(attackers[6+i%4]), base+"/password/forgot", map[string]string{"email": addr})
		statuses[r.Status]++
	}
	if statuses[202] != 11 {
		t.Fatalf("the attacker's requests answered %v, want 11 × 202", statuses)
	}
	want(t, post(t, from("127.0.0.20"), base+"/password/forgot", map[string]string{"email": addr}), 202, "")
	dirMail(dir)(t, addr, 2)
	time.Sleep(500 * time.Millisecond) // a second reset mail would be on its way by now
	mails := dirMail(dir)(t, addr, 2)
	if len(mails) != 2 {
		t.Fatalf("%d mails to the address, want 2 (the sign-up code and one reset code)", len(mails))
	}
	code := resetCodeIn(t, mails)
	const next = "the owner's next long password"
	want(t, post(t, from("127.0.0.20"), base+"/password/reset", map[string]string{"email": addr, "code": code, "password": next}), 200, "")
	want(t, post(t, from("127.0.0.20"), base+"/login", map[string]string{"email": addr, "password": next}), 200, "")
}

// TestLoginCapAcrossIPs is item 10: 50 wrong passwords at once from 10
// IPs against one account get at most LOGIN_ACCOUNT_LIMIT's 10 checked
// (401), the rest 429 with Retry-After; the owner, from an IP of their
// own, then gets 200 or a 429 whose Retry-After is at most one refill of
// the token bucket: 10/6m refills a token every 360 s / 10 = 36 s, and
// Retry-After rounds up to whole seconds (+1 s of slack for that).
func TestLoginCapAcrossIPs(t *testing.T) {
	const maxWait = 360/10 + 1
	base, dir := startAbuse(t, "LOGIN_ACCOUNT_LIMIT=10/6m")
	addr := "ann.cap@example.com"
	verifiedAccount(t, base, dir, addr)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{}
	start := make(chan struct{})
	for i := range 50 {
		c := from(attackers[i%len(attackers)])
		wg.Go(func() {
			<-start
			r := post(t, c, base+"/login", map[string]string{"email": addr, "password": attackerPassword})
			key := strconv.Itoa(r.Status)
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); r.Status == 429 && (err != nil || ra < 1 || ra > maxWait) {
				key += " Retry-After " + r.Header.Get("Retry-After")
			}
			mu.Lock()
			statuses[key]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	t.Logf("50 wrong passwords from 10 IPs: %v", statuses)
	if statuses["401"] > 10 || statuses["401"]+statuses["429"] != 50 {
		t.Fatalf("answers %v: want at most 10 checked (401), the rest 429 with a Retry-After of 1 to %d s", statuses, maxWait)
	}
	r := post(t, from("127.0.0.20"), base+"/login", map[string]string{"email": addr, "password": ownerPassword})
	switch r.Status {
	case 200:
	case 429:
		ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > maxWait {
			t.Fatalf("the owner's Retry-After %q, want 1 to %d s", r.Header.Get("Retry-After"), maxWait)
		}
		t.Logf("the owner waits %d s", ra)
	default:
		t.Fatalf("the owner: %d %s", r.Status, r.Raw)
	}
}

// TestIdempotentRetriesAreFree: with a write budget of one an hour, one add
// retried 16 times with its Idempotency-Key gets 16 × 201 (the first, then
// 15 replays of it); a new todo then gets 429.
func TestIdempotentRetriesAreFree(t *testing.T) {
	base, dir := startAbuse(t, "USER_WRITE_LIMIT=1/1h")
	c := from("127.0.0.2")
	verifiedAccount(t, base, dir, "ann.retries@example.com")
	r := post(t, c, base+"/login", map[string]string{"email": "ann.retries@example.com", "password": ownerPassword})
	want(t, r, 200, "")
	token := r.Body["accessToken"].(string)
	add := func(title string, hdr ...string) response {
		return callVia(t, c, "POST", base+"/todos", token, map[string]any{"title": title}, hdr...)
	}
	first := add("Buy milk", "Idempotency-Key", "retry-1")
	want(t, first, 201, "")
	for i := range 15 {
		again := add("Buy milk", "Idempotency-Key", "retry-1")
		want(t, again, 201, "")
		if again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry %d answered %s (%v), the first %s", i+1, again.Raw, again.Header, first.Raw)
		}
	}
	want(t, add("Something new"), 429, "rate_limited")
}
