package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Issue 18's bulk routes over real HTTP: DELETE /todos?done=true
// (todos-clear) and PATCH /todos (todos-mark-all), on lists longer than
// one batch.

// bulkTodos is more todos than one batch of a bulk change.
const bulkTodos = todo.MaxBatch + 5

// bulkFlow is runFlow's step for the bulk routes, on every system runFlow
// runs on (the local server, the function binaries, each engine, run-lambda
// and run-fc). It signs up its own user, whose write budget (100 at once,
// then 10 a second) the adds spend.
func bulkFlow(t *testing.T, s system) {
	t.Helper()
	const addr, pw = "bulk.e2e@example.com", "the bulk owner's secret"
	want(t, call(t, "POST", s.u("register", "/register"), "", map[string]string{"email": addr, "password": pw}), 202, "")
	m := codePattern.FindStringSubmatch(s.mail(t, addr, 1)[0].Text)
	want(t, call(t, "POST", s.u("verify", "/verify"), "", map[string]string{"email": addr, "code": m[1], "password": pw}), 200, "")
	r := call(t, "POST", s.u("login", "/login"), "", map[string]string{"email": addr, "password": pw})
	want(t, r, 200, "")
	token := r.Body["accessToken"].(string)

	// Refused before anything is written: a clear must name done=true.
	want(t, call(t, "DELETE", s.u("todos-clear", "/todos"), token, nil), 400, "invalid_request")
	want(t, call(t, "DELETE", s.u("todos-clear", "/todos?done=false"), token, nil), 400, "invalid_request")
	want(t, call(t, "DELETE", s.u("todos-clear", "/todos?done=true&limit=5"), token, nil), 400, "invalid_request")
	want(t, call(t, "PATCH", s.u("todos-mark-all", "/todos"), token, map[string]any{}), 422, "validation_failed")
	want(t, call(t, "PATCH", s.u("todos-mark-all", "/todos"), "", map[string]any{"done": true}), 401, "unauthorized")

	addMany(t, s.u("todos-add", "/todos"), token, bulkTodos, false, "127.0.0.1")
	wantBulkCounts(t, s.u("todos-list", "/todos?limit=1"), token, bulkTodos, 0)

	if n := repeatBulk(t, "PATCH", s.u("todos-mark-all", "/todos"), token, map[string]any{"done": true}); n != bulkTodos {
		t.Fatalf("mark all done changed %d todos, want %d", n, bulkTodos)
	}
	wantBulkCounts(t, s.u("todos-list", "/todos?limit=1"), token, 0, bulkTodos)

	// One todo un-ticked stays through the clear.
	r = call(t, "GET", s.u("todos-list", "/todos?limit=1"), token, nil)
	id := r.Body["items"].([]any)[0].(map[string]any)["id"].(string)
	want(t, callWaiting(t, "PATCH", s.u("todos-update", "/todos/"+id), token, map[string]any{"done": false}), 200, "")
	if n := repeatBulk(t, "DELETE", s.u("todos-clear", "/todos?done=true"), token, nil); n != bulkTodos-1 {
		t.Fatalf("clear deleted %d todos, want %d", n, bulkTodos-1)
	}
	wantBulkCounts(t, s.u("todos-list", "/todos?limit=1"), token, 1, 0)
	if n := repeatBulk(t, "PATCH", s.u("todos-mark-all", "/todos"), token, map[string]any{"done": false}); n != 0 {
		t.Fatalf("mark all active changed %d todos of a list with none done", n)
	}
	if n := repeatBulk(t, "DELETE", s.u("todos-clear", "/todos?done=true"), token, nil); n != 0 {
		t.Fatalf("a second clear deleted %d todos", n)
	}
}

// addMany adds n todos (done or not) with 4 clients from ip, and returns
// their IDs, waiting out the owner's write budget (tryWaiting).
func addMany(t *testing.T, url, token string, n int, done bool, ip string) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		ids  []string
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := from(ip)
			for i := range next {
				id, err := addOne(c, url, token, fmt.Sprint("bulk ", i), done)
				mu.Lock()
				ids, errs = append(ids, id), append(errs, err)
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// addOne adds one todo, waiting out the write budget's 429s.
func addOne(c *http.Client, url, token, title string, done bool) (string, error) {
	r, err := tryWaiting(c, "POST", url, token, map[string]any{"title": title, "done": done})
	if err != nil {
		return "", err
	}
	if r.Status != http.StatusCreated {
		return "", fmt.Errorf("POST %s: %d %s", url, r.Status, r.Raw)
	}
	return r.Body["id"].(string), nil
}

// tryWaiting is try, with each 429 of the owner's write budget waited out
// as its Retry-After says, as a client would (the server's budget runs on
// the server's clock, which the test cannot move).
func tryWaiting(c *http.Client, method, url, token string, body any) (response, error) {
	for range 30 {
		r, err := try(c, method, url, token, body)
		if err != nil || r.Status != http.StatusTooManyRequests {
			return r, err
		}
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 10 {
			return r, fmt.Errorf("%s %s: 429 with Retry-After %q", method, url, r.Header.Get("Retry-After"))
		}
		time.Sleep(time.Duration(secs) * time.Second)
	}
	return response{}, fmt.Errorf("%s %s: still 429 after 30 tries", method, url)
}

// callWaiting is call through tryWaiting.
func callWaiting(t *testing.T, method, url, token string, body any) response {
	t.Helper()
	r, err := tryWaiting(client, method, url, token, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// repeatBulk calls a bulk route until it answers more false, as a client
// does, and returns the todos changed in all.
func repeatBulk(t *testing.T, method, url, token string, body any) int {
	t.Helper()
	total := 0
	for calls := 1; ; calls++ {
		r := callWaiting(t, method, url, token, body)
		want(t, r, 200, "")
		n, ok := r.Body["changed"].(float64)
		more, ok2 := r.Body["more"].(bool)
		if !ok || !ok2 || len(r.Body) != 2 {
			t.Fatalf("%s %s: %s, want {changed, more}", method, url, r.Raw)
		}
		total += int(n)
		if !more {
			return total
		}
		if calls == 20 {
			t.Fatalf("%s %s: still more after %d calls", method, url, calls)
		}
	}
}

// wantBulkCounts compares the counts of the first page of url.
func wantBulkCounts(t *testing.T, url, token string, active, completed int) {
	t.Helper()
	r := call(t, "GET", url, token, nil)
	want(t, r, 200, "")
	c, _ := r.Body["counts"].(map[string]any)
	if c["active"] != float64(active) || c["completed"] != float64(completed) {
		t.Fatalf("counts %v, want active %d, completed %d", r.Body["counts"], active, completed)
	}
}

// TestBulkClearRacesSingleEdits runs a clear of more todos than one batch
// against single PATCHes that un-tick some of them, from several client
// addresses at once, on the local server: every todo a PATCH un-ticked
// (200) survives, active; the clear deleted every other one and said so;
// the counts are exact; and the quota's count of todos was given back
// exactly (the list takes exactly TODO_QUOTA todos again).
func TestBulkClearRacesSingleEdits(t *testing.T) {
	const quota = 2 * bulkTodos
	base, dir := startAbuse(t, "TODO_QUOTA="+strconv.Itoa(quota), "USER_WRITE_LIMIT=off", "RATE_LIMITS=off")
	const addr = "ann.bulk@example.com"
	verifiedAccount(t, base, dir, addr)
	r := post(t, from("127.0.0.2"), base+"/login", map[string]string{"email": addr, "password": ownerPassword})
	want(t, r, 200, "")
	token := r.Body["accessToken"].(string)
	ids := addMany(t, base+"/todos", token, bulkTodos, true, "127.0.0.2")

	// The clear, repeated while more, from 127.0.0.2; un-ticks of every
	// fourth todo from 127.0.0.3 to 127.0.0.5 at the same time.
	var (
		cleared int
		untick  = map[string]int{} // id -> status
		mu      sync.Mutex
		wg      sync.WaitGroup
		failure error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := from("127.0.0.2")
		for range 20 {
			r, err := try(c, "DELETE", base+"/todos?done=true", token, nil)
			if err != nil || r.Status != 200 {
				mu.Lock()
				failure = fmt.Errorf("clear: %v %d %s", err, r.Status, r.Raw)
				mu.Unlock()
				return
			}
			mu.Lock()
			cleared += int(r.Body["changed"].(float64))
			mu.Unlock()
			if r.Body["more"] != true {
				return
			}
		}
	}()
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := from(fmt.Sprintf("127.0.0.%d", 3+w))
			// Newest first, as the clear reads them: un-ticks that land
			// between its read of a batch and its deletes meet the
			// version condition.
			for i := len(ids) - 1 - w*4; i >= 0; i -= 12 {
				r, err := try(c, "PATCH", base+"/todos/"+ids[i], token, map[string]any{"done": false})
				mu.Lock()
				if err != nil {
					failure = err
				}
				untick[ids[i]] = r.Status
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failure != nil {
		t.Fatal(failure)
	}
	kept := 0
	for id, status := range untick {
		if status != 200 && status != 404 {
			t.Fatalf("un-tick of %s: %d, want 200 or 404 (deleted first)", id, status)
		}
		if status == 200 {
			kept++
		}
	}
	t.Logf("%d todos: %d un-ticks won (200), %d came after the delete (404), %d cleared", bulkTodos, kept, len(untick)-kept, cleared)
	if cleared != bulkTodos-kept {
		t.Fatalf("the clear deleted %d todos, %d un-ticks won, of %d", cleared, kept, bulkTodos)
	}
	wantBulkCounts(t, base+"/todos?limit=1", token, kept, 0)
	r = call(t, "GET", base+"/todos?limit=100", token, nil)
	for _, it := range r.Body["items"].([]any) {
		if st := untick[it.(map[string]any)["id"].(string)]; st != 200 {
			t.Fatalf("a todo survived the clear that no un-tick won: %v", it)
		}
	}

	// The quota: exactly quota-kept more fit, then 409.
	addMany(t, base+"/todos", token, quota-kept, false, "127.0.0.6")
	want(t, call(t, "POST", base+"/todos", token, map[string]any{"title": "one too many"}), 409, "quota_exceeded")
}
