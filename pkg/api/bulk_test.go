package api_test

import (
	"fmt"
	"testing"
)

// TestBulkRoutes: DELETE /todos needs done=true and nothing else (a
// request that could be read as "delete everything" is refused), PATCH
// /todos needs done; both need a user and answer {changed, more} for the
// caller's todos only.
func TestBulkRoutes(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.signUp("ann@example.com"), e.signUp("bob@example.com")
	for i := range 5 {
		e.want(e.do("POST", "/todos", ann, map[string]any{"title": fmt.Sprint("t", i), "done": i < 2}), 201, "")
	}
	e.want(e.do("POST", "/todos", bob, map[string]any{"title": "bob's", "done": true}), 201, "")

	for _, path := range []string{"/todos", "/todos?done=false", "/todos?done=1", "/todos?done=true&done=true", "/todos?done=true&limit=1"} {
		r := e.do("DELETE", path, ann, nil)
		e.want(r, 400, "invalid_request")
		if r.errField() != "done" {
			t.Fatalf("DELETE %s: field %q, want done", path, r.errField())
		}
	}
	e.want(e.do("PATCH", "/todos", ann, map[string]any{}), 422, "validation_failed")
	e.want(e.do("PATCH", "/todos", ann, map[string]any{"done": "yes"}), 400, "invalid_request")
	e.want(e.do("PATCH", "/todos", ann, map[string]any{"done": true, "title": "x"}), 400, "invalid_request")
	e.want(e.do("PATCH", "/todos", "", map[string]any{"done": true}), 401, "unauthorized")
	e.want(e.do("DELETE", "/todos?done=true", "", nil), 401, "unauthorized")

	for _, c := range []struct {
		method, path string
		body         any
		want         string
	}{
		{"PATCH", "/todos", map[string]any{"done": true}, `{"changed":3,"more":false}`},
		{"PATCH", "/todos", map[string]any{"done": true}, `{"changed":0,"more":false}`},
		{"DELETE", "/todos?done=true", nil, `{"changed":5,"more":false}`},
		{"DELETE", "/todos?done=true", nil, `{"changed":0,"more":false}`},
	} {
		r := e.do(c.method, c.path, ann, c.body)
		e.want(r, 200, "")
		if r.raw != c.want+"\n" {
			t.Fatalf("%s %s: %s, want %s", c.method, c.path, r.raw, c.want)
		}
	}
	r := e.do("GET", "/todos", bob, nil)
	if n := len(r.body["items"].([]any)); n != 1 {
		t.Fatalf("bob has %d todos after ann's clear, want 1", n)
	}
}
