package e2e

import (
	"fmt"
	"sync"
	"testing"
)

// These tests run the budgets over real HTTP against the local server:
// token buckets counted with atomic conditional writes let a legitimate
// burst through whole. Counted by read-modify-write with retries, 10-20 %
// of a burst from one IP got 429 "too many requests at once" even under a
// budget of 1,000 a second, and the per-user write budget (then 10/1s, no
// burst) refused the 11th of a burst of adds.

// burst runs n calls at once and returns their statuses by status code.
func burst(n int, call func(i int) int) map[int]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := call(i)
			mu.Lock()
			statuses[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return statuses
}

// TestBurstFromOneIPWithinItsBudget sends 200 forgot-password requests at
// once from one client IP under IP_SIGNUP_LIMIT=1000/1s: every one is
// answered 202, none 429.
func TestBurstFromOneIPWithinItsBudget(t *testing.T) {
	base, _ := startAbuse(t, "IP_SIGNUP_LIMIT=1000/1s")
	c := from("127.0.0.2")
	statuses := burst(200, func(i int) int {
		return callVia(t, c, "POST", base+"/password/forgot", "", map[string]string{"email": fmt.Sprintf("burst%d@example.com", i)}).Status
	})
	if statuses[202] != 200 {
		t.Fatalf("a burst of 200 from one IP under a budget of 1000/1s was answered %v; want 200 × 202", statuses)
	}
	// The budget still holds: a small one refuses past its size.
	base, _ = startAbuse(t, "IP_SIGNUP_LIMIT=20/1h")
	statuses = burst(50, func(i int) int {
		return callVia(t, c, "POST", base+"/password/forgot", "", map[string]string{"email": fmt.Sprintf("small%d@example.com", i)}).Status
	})
	if statuses[202] != 20 || statuses[429] != 30 {
		t.Fatalf("a burst of 50 under a budget of 20/1h was answered %v; want 20 × 202 and 30 × 429", statuses)
	}
}

// TestUserWriteBurst adds 50 todos at once as one user under the default
// USER_WRITE_LIMIT (a bucket of 100, refilled at 10 a second): all 50 are
// created; then the same add is retried 16 times with one Idempotency-Key
// and every retry answers the first call's todo.
func TestUserWriteBurst(t *testing.T) {
	base, dir := startAbuse(t)
	const addr = "ann.burst@example.com"
	verifiedAccount(t, base, dir, addr)
	c := from("127.0.0.2")
	r := post(t, c, base+"/login", map[string]string{"email": addr, "password": ownerPassword})
	want(t, r, 200, "")
	token := r.Body["accessToken"].(string)

	statuses := burst(50, func(i int) int {
		return callVia(t, c, "POST", base+"/todos", token, map[string]any{"title": fmt.Sprintf("todo %d", i)}).Status
	})
	if statuses[201] != 50 {
		t.Fatalf("a burst of 50 adds was answered %v; want 50 × 201", statuses)
	}
	first := callVia(t, c, "POST", base+"/todos", token, map[string]any{"title": "once"}, "Idempotency-Key", "burst-retry")
	want(t, first, 201, "")
	for range 16 {
		again := callVia(t, c, "POST", base+"/todos", token, map[string]any{"title": "once"}, "Idempotency-Key", "burst-retry")
		want(t, again, 201, "")
		if again.Body["id"] != first.Body["id"] {
			t.Fatalf("a retry answered todo %v, the first call %v", again.Body["id"], first.Body["id"])
		}
	}
	list := callVia(t, c, "GET", base+"/todos?limit=100", token, nil)
	want(t, list, 200, "")
	if n := len(list.Body["items"].([]any)); n != 51 {
		t.Fatalf("the list holds %d todos, want 51", n)
	}
}
