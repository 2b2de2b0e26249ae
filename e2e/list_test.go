package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
)

// listFlow is issue 18's step of runFlow, on every system runFlow runs on
// (the local server on bolt, DynamoDB on dynalite and the Tablestore
// double, and the function binaries): the done filter with paging and its
// bound cursors, the counts on the first page, versions and ETags, and
// If-Match on PATCH and DELETE, raced from several client addresses. It
// deletes the todos it adds, so the flow goes on as before.
func listFlow(t *testing.T, s system, token string) {
	t.Helper()
	counts := func() (active, completed float64) {
		t.Helper()
		r := call(t, "GET", s.u("todos-list", "/todos?limit=1"), token, nil)
		want(t, r, 200, "")
		c, ok := r.Body["counts"].(map[string]any)
		if !ok {
			t.Fatalf("the first page has no counts: %s", r.Raw)
		}
		return c["active"].(float64), c["completed"].(float64)
	}
	a0, c0 := counts()
	var added []string
	for i := range 5 {
		r := call(t, "POST", s.u("todos-add", "/todos"), token, map[string]any{"title": fmt.Sprint("list18 ", i), "done": i%2 == 0})
		want(t, r, 201, "")
		if r.Body["version"] != float64(1) || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("POST: version %v, ETag %q", r.Body["version"], r.Header.Get("ETag"))
		}
		added = append(added, r.Body["id"].(string))
	}
	if a, c := counts(); a != a0+2 || c != c0+3 {
		t.Fatalf("counts after adds: active %v completed %v, want %v and %v", a, c, a0+2, c0+3)
	}

	// done=true in pages of 2: full pages, only completed todos, a cursor
	// bound to its filter, and no counts past the first page.
	var done int
	cursor := ""
	for page := 0; ; page++ {
		q := "/todos?limit=2&done=true"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		r := call(t, "GET", s.u("todos-list", q), token, nil)
		want(t, r, 200, "")
		if _, has := r.Body["counts"]; has != (page == 0) {
			t.Fatalf("page %d: counts %v", page, r.Body["counts"])
		}
		items := r.Body["items"].([]any)
		for _, it := range items {
			if it.(map[string]any)["done"] != true {
				t.Fatalf("done=true listed %v", it)
			}
			done++
		}
		next, _ := r.Body["nextCursor"].(string)
		if next == "" {
			break
		}
		if len(items) != 2 {
			t.Fatalf("a short page that is not the last: %s", r.Raw)
		}
		want(t, call(t, "GET", s.u("todos-list", "/todos?limit=2&done=false&cursor="+next), token, nil), 400, "invalid_cursor")
		want(t, call(t, "GET", s.u("todos-list", "/todos?limit=2&cursor="+next), token, nil), 400, "invalid_cursor")
		cursor = next
	}
	if float64(done) != c0+3 {
		t.Fatalf("done=true listed %d todos, want %v", done, c0+3)
	}

	// If-Match: concurrent PATCHes on version 1 from several addresses;
	// exactly one wins and the others get 412 with the winner's todo.
	id := added[1]
	const n = 4
	got := make([]response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = try(from(fmt.Sprintf("127.0.0.%d", 2+i)), "PATCH", s.u("todos-update", "/todos/"+id), token,
				map[string]any{"title": fmt.Sprint("device ", i)}, "If-Match", `"1"`)
		}()
	}
	wg.Wait()
	winner := ""
	for i, r := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch r.Status {
		case 200:
			if winner != "" || r.Header.Get("ETag") != `"2"` {
				t.Fatalf("PATCH on version 1 won again (%q, %q) or has ETag %q", winner, r.Body["title"], r.Header.Get("ETag"))
			}
			winner = r.Body["title"].(string)
		case 412:
			want(t, r, 412, "precondition_failed")
		default:
			t.Fatalf("PATCH: %d %s", r.Status, r.Raw)
		}
	}
	if winner == "" {
		t.Fatal("no PATCH on version 1 won")
	}
	for _, r := range got {
		if r.Status == 412 {
			cur, _ := r.Body["todo"].(map[string]any)
			if cur["title"] != winner || cur["version"] != float64(2) || r.Header.Get("ETag") != `"2"` {
				t.Fatalf("412 carries %s (ETag %q), want the winner's %q at version 2", r.Raw, r.Header.Get("ETag"), winner)
			}
		}
	}
	want(t, call(t, "DELETE", s.u("todos-delete", "/todos/"+id), token, nil, "If-Match", `"1"`), 412, "precondition_failed")
	want(t, call(t, "PATCH", s.u("todos-update", "/todos/"+id), token, map[string]any{"done": true}, "If-Match", `1`), 400, "invalid_request")
	for _, id := range added {
		hdr := []string{}
		if id == added[1] {
			hdr = []string{"If-Match", `"2"`}
		}
		if r := call(t, "DELETE", s.u("todos-delete", "/todos/"+id), token, nil, hdr...); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Raw)
		}
	}
	if a, c := counts(); a != a0 || c != c0 {
		t.Fatalf("counts after deletes: active %v completed %v, want %v and %v", a, c, a0, c0)
	}
}

// try is callVia for another goroutine: it returns a transport error
// rather than failing the test.
func try(c *http.Client, method, url, token string, body any, hdr ...string) (response, error) {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out, nil
}
