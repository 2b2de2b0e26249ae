package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

// TestListFilterCountsAndCursors: done=true|false filters with full pages,
// the first page alone carries the counts, and a cursor of one filter is
// invalid_cursor under another (or under none).
func TestListFilterCountsAndCursors(t *testing.T) {
	e := newEnv(t)
	ann := e.signUp("ann@example.com")
	var done, active []string // newest first
	for i := range 7 {
		r := e.do("POST", "/todos", ann, map[string]any{"title": fmt.Sprint("t", i), "done": i%3 == 0})
		e.want(r, 201, "")
		if i%3 == 0 {
			done = append([]string{r.body["id"].(string)}, done...)
		} else {
			active = append([]string{r.body["id"].(string)}, active...)
		}
	}
	for filter, want := range map[string][]string{"true": done, "false": active} {
		var got []string
		cursor := ""
		for page := 0; ; page++ {
			path := "/todos?limit=2&done=" + filter
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			r := e.do("GET", path, ann, nil)
			e.want(r, 200, "")
			counts, has := r.body["counts"].(map[string]any)
			if (page == 0) != has {
				t.Fatalf("page %d: counts %v", page, r.body["counts"])
			}
			if has && (counts["active"] != float64(len(active)) || counts["completed"] != float64(len(done))) {
				t.Fatalf("counts %v, want active %d completed %d", counts, len(active), len(done))
			}
			items := r.body["items"].([]any)
			for _, it := range items {
				got = append(got, it.(map[string]any)["id"].(string))
			}
			next, _ := r.body["nextCursor"].(string)
			if next == "" {
				break
			}
			if len(items) != 2 {
				t.Fatalf("a short page that is not the last: %s", r.raw)
			}
			// The cursor is bound to its filter.
			other := map[string]string{"true": "false", "false": "true"}[filter]
			e.want(e.do("GET", "/todos?limit=2&done="+other+"&cursor="+next, ann, nil), 400, todo.InvalidCursor)
			e.want(e.do("GET", "/todos?limit=2&cursor="+next, ann, nil), 400, todo.InvalidCursor)
			cursor = next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("done=%s: got %v, want %v", filter, got, want)
		}
	}
	r := e.do("GET", "/todos?limit=2", ann, nil)
	e.want(e.do("GET", "/todos?limit=2&done=true&cursor="+r.body["nextCursor"].(string), ann, nil), 400, todo.InvalidCursor)
	for _, bad := range []string{"yes", "1", "TRUE", "true,false"} {
		r := e.do("GET", "/todos?done="+bad, ann, nil)
		e.want(r, 400, todo.Invalid)
		if r.errField() != "done" {
			t.Fatalf("done=%s: field %q", bad, r.errField())
		}
	}
}

// TestVersionsETagAndIfMatch: every todo answer has its version and ETag;
// PATCH and DELETE honour If-Match (412 with the current todo beside the
// error when stale), and without it behave as before.
func TestVersionsETagAndIfMatch(t *testing.T) {
	e := newEnv(t)
	ann := e.signUp("ann@example.com")
	r := e.do("POST", "/todos", ann, map[string]any{"title": "Buy milk"})
	e.want(r, 201, "")
	id := r.body["id"].(string)
	if r.body["version"] != float64(1) || r.header.Get("ETag") != `"1"` {
		t.Fatalf("POST: version %v, ETag %q", r.body["version"], r.header.Get("ETag"))
	}
	r = e.do("PATCH", "/todos/"+id, ann, map[string]any{"done": true}, "If-Match", `"1"`)
	e.want(r, 200, "")
	if r.body["version"] != float64(2) || r.header.Get("ETag") != `"2"` {
		t.Fatalf("PATCH: version %v, ETag %q", r.body["version"], r.header.Get("ETag"))
	}
	// Stale: 412 with the todo as it is now.
	for _, stale := range []string{`"1"`, `W/"2"`, `"1", "3"`, `"x"`} {
		r = e.do("PATCH", "/todos/"+id, ann, map[string]any{"title": "Buy oat milk"}, "If-Match", stale)
		e.want(r, 412, todo.PreconditionFailed)
		cur, _ := r.body["todo"].(map[string]any)
		if cur["title"] != "Buy milk" || cur["done"] != true || cur["version"] != float64(2) || r.header.Get("ETag") != `"2"` {
			t.Fatalf("If-Match %s: 412 body %s, ETag %q", stale, r.raw, r.header.Get("ETag"))
		}
		e.want(e.do("DELETE", "/todos/"+id, ann, nil, "If-Match", stale), 412, todo.PreconditionFailed)
	}
	// A list naming the current version, and "*", match.
	r = e.do("PATCH", "/todos/"+id, ann, map[string]any{"title": "Buy oat milk"}, "If-Match", `"7", "2"`)
	e.want(r, 200, "")
	e.want(e.do("PATCH", "/todos/"+id, ann, map[string]any{"done": false}, "If-Match", "*"), 200, "")
	for _, bad := range []string{`2`, `"2`, `*, "2"`, ``, `W/2`} {
		r = e.do("PATCH", "/todos/"+id, ann, map[string]any{"done": true}, "If-Match", bad)
		e.want(r, 400, todo.Invalid)
	}
	// Without If-Match, as before.
	r = e.do("PATCH", "/todos/"+id, ann, map[string]any{"done": true})
	e.want(r, 200, "")
	if r.body["version"] != float64(5) {
		t.Fatalf("version %v, want 5", r.body["version"])
	}
	e.want(e.do("DELETE", "/todos/"+id, ann, nil, "If-Match", `"5"`), 204, "")
	e.want(e.do("DELETE", "/todos/"+id, ann, nil, "If-Match", `"5"`), 404, todo.NotFound)
	e.want(e.do("PATCH", "/todos/"+id, ann, map[string]any{"done": true}, "If-Match", `"5"`), 404, todo.NotFound)
}

// TestIfMatchRace: of concurrent PATCHes on one version exactly one is
// 200; the rest are 412 with the winner's todo.
func TestIfMatchRace(t *testing.T) {
	e := newEnv(t)
	ann := e.signUp("ann@example.com")
	r := e.do("POST", "/todos", ann, map[string]any{"title": "shared"})
	id := r.body["id"].(string)
	const n = 6
	got := make([]resp, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = e.do("PATCH", "/todos/"+id, ann, map[string]any{"title": fmt.Sprint("writer ", i)}, "If-Match", `"1"`)
		}()
	}
	wg.Wait()
	winner := ""
	for _, r := range got {
		switch r.status {
		case http.StatusOK:
			if winner != "" {
				t.Fatalf("two PATCHes on version 1 won: %q and %q", winner, r.body["title"])
			}
			winner = r.body["title"].(string)
		case http.StatusPreconditionFailed:
		default:
			t.Fatalf("PATCH: %d %s", r.status, r.raw)
		}
	}
	if winner == "" {
		t.Fatal("no PATCH won")
	}
	for _, r := range got {
		if r.status == http.StatusPreconditionFailed {
			cur := r.body["todo"].(map[string]any)
			if cur["title"] != winner || cur["version"] != float64(2) {
				t.Fatalf("412 carries %v, want the winner's %q at version 2", cur, winner)
			}
		}
	}
	if !strings.HasPrefix(winner, "writer ") {
		t.Fatalf("winner %q", winner)
	}
}

// TestCORSIfMatchAndETag: a web app on an allowed origin may send If-Match
// and read ETag, or it could not use versions at all.
func TestCORSIfMatchAndETag(t *testing.T) {
	e := newEnv(t)
	r := httptest.NewRequest("OPTIONS", "/todos/01ARZ3NDEKTSV4RRFFQ69G5FAV", nil)
	r.Header.Set("Origin", "https://app.example")
	r.Header.Set("Access-Control-Request-Method", "PATCH")
	r.Header.Set("Access-Control-Request-Headers", "authorization, content-type, if-match")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code >= 300 || !strings.Contains(strings.ToLower(w.Header().Get("Access-Control-Allow-Headers")), "if-match") {
		t.Fatalf("preflight with If-Match: %d %v", w.Code, w.Header())
	}
	ann := e.signUp("ann@example.com")
	res := e.do("POST", "/todos", ann, map[string]any{"title": "x"}, "Origin", "https://app.example")
	if !strings.Contains(strings.ToLower(res.header.Get("Access-Control-Expose-Headers")), "etag") {
		t.Fatalf("ETag not exposed: %v", res.header)
	}
}
