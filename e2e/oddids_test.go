package e2e

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
)

// oddIDs is issue 15's finding 7, run by runFlow on every engine: PATCH
// and DELETE with IDs that name no todo (the largest ULID, dated in the
// year 10889; far future; far past; another owner's todo in lower case;
// Crockford-invalid; not 26 characters) answer 404 not_found, never a 5xx,
// sent at once (a 429 of the owner's write budget is waited out). mine is a todo of token's owner: in
// lower case it is still found. The marks a delete leaves are checked in
// pkg/todolist (TestOddIDsNameNoTodo).
func oddIDs(t *testing.T, s system, token, mine string) {
	t.Helper()
	at := func(tm time.Time) string { return ulid.MustNew(ulid.Timestamp(tm), ulid.DefaultEntropy()).String() }
	ids := []string{
		"7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
		"8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
		at(time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)),
		at(time.Now().Add(3 * time.Hour)),
		"00000000000000000000000000",
		at(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)),
		at(time.Now()),
		"01ARZ3NDEKTSV4RRFFQ69G5FAU", // U is not Crockford base32
		"01ARZ3NDEKTSV4RRFFQ69G5ILO",
		"01ARZ3NDEKTSV4RRFFQ69G5FA",
		"01ARZ3NDEKTSV4RRFFQ69G5FAVV",
		"01ARZ3NDEKTSV4RRFFQ69G5F%C3%84",
		"..%2F..%2Fetc",
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for _, id := range ids {
		for _, m := range []struct{ method, fn string }{{"PATCH", "todos-update"}, {"DELETE", "todos-delete"}} {
			wg.Go(func() {
				var body any
				if m.method == "PATCH" {
					body = map[string]any{"done": true}
				}
				r := call(t, m.method, s.u(m.fn, "/todos/"+id), token, body)
				// A well-formed ID takes a write from the owner's budget
				// before the store says it has no such todo; wait as told.
				for try := 0; r.Status == 429 && try < 5; try++ {
					wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
					time.Sleep(time.Duration(max(wait, 1)) * time.Second)
					r = call(t, m.method, s.u(m.fn, "/todos/"+id), token, body)
				}
				if r.Status != 404 || r.code() != "not_found" {
					mu.Lock()
					bad = append(bad, m.method+" "+id+": "+r.Raw)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("odd IDs, want 404 not_found:\n%s", strings.Join(bad, "\n"))
	}
	r := call(t, "PATCH", s.u("todos-update", "/todos/"+url.PathEscape(strings.ToLower(mine))), token, map[string]any{"title": "Buy oat milk"})
	want(t, r, 200, "")
}
