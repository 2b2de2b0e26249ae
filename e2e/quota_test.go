package e2e

import (
	"strconv"
	"testing"
)

// TestQuotaBudgetAndReplay runs the per-user limits over real HTTP against
// the local server: a list of TODO_QUOTA todos refuses the next with 409
// quota_exceeded until one is deleted; a replayed Idempotency-Key answers
// the first call's todo even after it was deleted, and brings nothing
// back, and costs no write; the per-user write budget answers 429 with
// Retry-After, and RATE_LIMITS=off (the per-IP budgets) leaves it on. The budget's window
// is an hour, so that the writes never straddle two windows.
func TestQuotaBudgetAndReplay(t *testing.T) {
	base, dir := startAbuse(t, "TODO_QUOTA=3", "USER_WRITE_LIMIT=10/1h", "RATE_LIMITS=off")
	c := from("127.0.0.2")
	token := func(addr string) string {
		verifiedAccount(t, base, dir, addr)
		r := post(t, c, base+"/login", map[string]string{"email": addr, "password": ownerPassword})
		want(t, r, 200, "")
		return r.Body["accessToken"].(string)
	}
	ann, bob := token("ann.quota@example.com"), token("bob.quota@example.com")
	add := func(tok, title string, hdr ...string) response {
		t.Helper()
		return callVia(t, c, "POST", base+"/todos", tok, map[string]any{"title": title}, hdr...)
	}
	items := func(tok string) int {
		t.Helper()
		r := callVia(t, c, "GET", base+"/todos", tok, nil)
		want(t, r, 200, "")
		return len(r.Body["items"].([]any))
	}

	first := add(ann, "Buy milk", "Idempotency-Key", "quota-1") // write 1
	want(t, first, 201, "")
	want(t, add(ann, "Two"), 201, "")                // 2
	want(t, add(ann, "Three"), 201, "")              // 3
	want(t, add(ann, "Four"), 409, "quota_exceeded") // 4
	want(t, add(bob, "Bob's own list"), 201, "")     // Bob's quota and budget are his own
	id := first.Body["id"].(string)
	want(t, callVia(t, c, "DELETE", base+"/todos/"+id, ann, nil), 204, "") // 5

	again := add(ann, "Buy milk", "Idempotency-Key", "quota-1") // a replay: no write
	want(t, again, 201, "")
	if again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the replay after the delete answered %s (%v), the first call %s", again.Raw, again.Header, first.Raw)
	}
	if n := items(ann); n != 2 {
		t.Fatalf("after the replay Ann has %d todos, want 2: the deleted one came back", n)
	}
	want(t, add(ann, "Buy milk again", "Idempotency-Key", "quota-1"), 422, "idempotency_key_reused") // no write
	want(t, add(ann, "Four"), 201, "")                                                               // 6: room after the delete
	want(t, add(ann, "Five"), 409, "quota_exceeded")                                                 // 7

	for range 3 { // 8 to 10: a write that fails still counts
		want(t, callVia(t, c, "PATCH", base+"/todos/"+again.Body["id"].(string), ann, map[string]any{"done": true}), 404, "not_found")
	}
	r := add(ann, "Eleventh write")
	want(t, r, 429, "rate_limited")
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 3600 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	want(t, callVia(t, c, "GET", base+"/todos", ann, nil), 200, "") // reading is not writing
	want(t, add(bob, "Bob can still write"), 201, "")
}
