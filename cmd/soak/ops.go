package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

type todoBody struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

// How add sends its POST.
const (
	addOnce    = iota // once, with a key
	addRetried        // twice with one key, one after the other
	addRacing         // twice with one key, both at once
	addReused         // once, then the key again with another title: refused
)

var modeNames = []string{"add", "add-retried", "add-racing", "add-reused"}

func (c *client) title(kind string) string {
	c.seq++
	words := []string{"milk", "post", "call", "fix", "read", "mow", "pay", "book", "café", "日本語", "soak"}
	return fmt.Sprintf("%s c%d #%d %s %s", kind, c.n, c.seq, words[c.rng.IntN(len(words))], c.run)
}

// add posts a new todo with an Idempotency-Key, as mode says, and adds
// what the server created to the model.
func (c *client) add(ctx context.Context, mode int) {
	in := item{Title: c.title("add"), Done: c.rng.IntN(5) == 0}
	key := fmt.Sprintf("soak-%s-%d-%d", c.run, c.n, c.seq)
	body := map[string]any{"title": in.Title, "done": in.Done}
	op := modeNames[mode]
	post := func() (reply, todoBody, bool) { return c.postTodo(ctx, op, key, body, in) }
	replayed := func(rep reply) bool { return rep.header.Get("Idempotent-Replayed") == "true" }

	var first, second reply
	var a, b todoBody
	var okA, okB bool
	switch mode {
	case addRacing:
		var wg sync.WaitGroup
		wg.Go(func() { first, a, okA = post() })
		wg.Go(func() { second, b, okB = post() })
		wg.Wait()
	default:
		first, a, okA = post()
		if mode == addRetried && okA {
			second, b, okB = post()
		}
	}
	switch {
	case okA:
		c.m.add(a.ID, in)
	case okB:
		c.m.add(b.ID, in)
	default:
		if !first.retried && !second.retried {
			return // refused (counted): nothing was created
		}
		// An attempt went unanswered: the todo may exist. Ask once more
		// with the key, which answers the one it created.
		if _, got, ok := post(); ok {
			c.m.add(got.ID, in)
		} else {
			c.m.unsure[in.Title] = true
		}
		return
	}
	if mode == addRetried || mode == addRacing {
		if okA && okB && a.ID != b.ID {
			// The second stays out of the model: the read-back counts it
			// as duplicated.
			c.t.fault("%s: one Idempotency-Key, two todos: %s and %s", c.who(), a.ID, b.ID)
		}
		// One after the other, the retry is a replay; at once, either
		// may have stored the todo, so only the id is promised.
		if mode == addRetried && okB && !second.retried && !replayed(second) {
			c.t.fault("%s: POST /todos again with one Idempotency-Key: no Idempotent-Replayed: true", c.who())
		}
	}
	if mode != addRacing && okA && replayed(first) && !first.retried {
		c.t.fault("%s: POST /todos with a new key answered Idempotent-Replayed", c.who())
	}
	if mode == addReused && okA {
		other := map[string]any{"title": in.Title + " (other)", "done": in.Done}
		rep, err := c.call(ctx, op, http.MethodPost, "/todos", other, true, "Idempotency-Key", key)
		if err == nil && c.expect(rep, "POST", "/todos (key reused)", http.StatusUnprocessableEntity) && !strings.Contains(string(rep.body), "idempotency_key_reused") {
			c.t.fault("%s: POST /todos with a reused key: %s, want idempotency_key_reused", c.who(), snippet(rep.body))
		}
	}
}

// postTodo posts body with the Idempotency-Key key and checks that the
// server created in, at its Location.
func (c *client) postTodo(ctx context.Context, op, key string, body map[string]any, in item) (reply, todoBody, bool) {
	rep, err := c.call(ctx, op, http.MethodPost, "/todos", body, true, "Idempotency-Key", key)
	if err != nil || !c.expect(rep, "POST", "/todos", http.StatusCreated) {
		return rep, todoBody{}, false
	}
	var got todoBody
	if err := json.Unmarshal(rep.body, &got); err != nil || got.ID == "" {
		c.t.fault("%s: POST /todos: not a todo: %s", c.who(), snippet(rep.body))
		return rep, todoBody{}, false
	}
	if (item{Title: got.Title, Done: got.Done}) != in {
		c.t.fault("%s: POST /todos: created %q done=%v, sent %q done=%v", c.who(), got.Title, got.Done, in.Title, in.Done)
	}
	if loc := rep.header.Get("Location"); loc != "/todos/"+got.ID {
		c.t.fault("%s: POST /todos: Location %q for %s", c.who(), loc, got.ID)
	}
	return rep, got, true
}

// list reads one to three pages of a random size; the first must be the
// model's newest todos exactly.
func (c *client) list(ctx context.Context) {
	limit := 1 + c.rng.IntN(100)
	pages := 1 + c.rng.IntN(3)
	cursor := ""
	var prev string // the last id seen: ids fall from page to page
	for p := range pages {
		page, next, ok := c.page(ctx, "list", limit, cursor)
		if !ok {
			return
		}
		for _, t := range page {
			if prev != "" && t.ID >= prev {
				c.t.fault("%s: GET /todos: %s listed after %s, not newest first", c.who(), t.ID, prev)
			}
			prev = t.ID
		}
		if p == 0 && len(c.m.unsure) == 0 {
			c.comparePage(page, limit)
		}
		if next == "" {
			return
		}
		cursor = next
	}
}

// comparePage checks a first page against the model.
func (c *client) comparePage(page []listed, limit int) {
	want := c.m.newest(limit)
	if len(page) != len(want) {
		c.t.fault("%s: GET /todos?limit=%d: %d todos, the model has %d of them", c.who(), limit, len(page), len(want))
		return
	}
	for i, t := range page {
		if t.ID != want[i] {
			c.t.fault("%s: GET /todos?limit=%d: #%d is %s, want %s", c.who(), limit, i, t.ID, want[i])
			return
		}
		if m := c.m.items[t.ID]; m != (item{Title: t.Title, Done: t.Done}) {
			c.t.fault("%s: GET /todos: %s is %q done=%v, want %q done=%v", c.who(), t.ID, t.Title, t.Done, m.Title, m.Done)
			return
		}
	}
}

// page reads one page; next is "" on the last.
func (c *client) page(ctx context.Context, op string, limit int, cursor string) (items []listed, next string, ok bool) {
	path := "/todos?limit=" + strconv.Itoa(limit)
	if cursor != "" {
		path += "&cursor=" + cursor
	}
	rep, err := c.call(ctx, op, http.MethodGet, path, nil, true)
	if err != nil || !c.expect(rep, "GET", "/todos", http.StatusOK) {
		return nil, "", false
	}
	var out struct {
		Items      []listed `json:"items"`
		NextCursor *string  `json:"nextCursor"`
	}
	if err := json.Unmarshal(rep.body, &out); err != nil || out.Items == nil {
		c.t.fault("%s: GET /todos: not a page: %s", c.who(), snippet(rep.body))
		return nil, "", false
	}
	if len(out.Items) > limit {
		c.t.fault("%s: GET /todos?limit=%d: %d items", c.who(), limit, len(out.Items))
	}
	if out.NextCursor != nil {
		if *out.NextCursor == "" {
			c.t.fault("%s: GET /todos: an empty nextCursor", c.who())
			return out.Items, "", true
		}
		next = *out.NextCursor
	}
	return out.Items, next, true
}

// update changes the title, done or both of a random todo.
func (c *client) update(ctx context.Context) {
	id := c.m.pick(c.rng)
	want := c.m.items[id]
	body := map[string]any{}
	switch c.rng.IntN(3) {
	case 0:
		want.Title = c.title("edit")
		body["title"] = want.Title
	case 1:
		want.Done = !want.Done
		body["done"] = want.Done
	default:
		want.Title, want.Done = c.title("edit"), !want.Done
		body["title"], body["done"] = want.Title, want.Done
	}
	rep, err := c.call(ctx, "update", http.MethodPatch, "/todos/"+id, body, true)
	if err != nil || !c.expect(rep, "PATCH", "/todos/{id}", http.StatusOK) {
		// A failed update may have been applied or not: take the
		// server's word for it at the read-back.
		if err != nil || rep.status >= 500 {
			c.m.forget(id)
		}
		return
	}
	var got todoBody
	if err := json.Unmarshal(rep.body, &got); err != nil || got.ID != id || (item{Title: got.Title, Done: got.Done}) != want {
		c.t.fault("%s: PATCH /todos/%s: answered %s, want %q done=%v", c.who(), id, snippet(rep.body), want.Title, want.Done)
	}
	c.m.set(id, want)
}

// delete removes a random todo, and now and then deletes it again, which
// must find nothing.
func (c *client) delete(ctx context.Context) {
	id := c.m.pick(c.rng)
	rep, err := c.call(ctx, "delete", http.MethodDelete, "/todos/"+id, nil, true)
	if err != nil {
		c.m.forget(id)
		return
	}
	ok := rep.status == http.StatusNoContent || (rep.retried && rep.status == http.StatusNotFound)
	if !ok {
		c.expect(rep, "DELETE", "/todos/{id}", http.StatusNoContent)
		if rep.status >= 500 {
			c.m.forget(id)
		}
		return
	}
	c.m.remove(id)
	if c.rng.IntN(10) == 0 {
		rep, err := c.call(ctx, "delete", http.MethodDelete, "/todos/"+id, nil, true)
		if err == nil {
			c.expect(rep, "DELETE", "/todos/{id} (again)", http.StatusNotFound)
		}
	}
}

// readBack pages through the whole list with a random page size and
// compares it with the model.
func (c *client) readBack(ctx context.Context) {
	limit := 1 + c.rng.IntN(100)
	// A list four times the model's size is wrong enough: a cursor that
	// never ends is not followed further, and the list is not compared.
	maxPages := 4*(c.m.len()+limit)/limit + 10
	var got []listed
	cursor := ""
	pages := 0
	for {
		if pages == maxPages {
			c.t.fault("%s: read-back: still a nextCursor after %d pages of %d (the model holds %d todos); the list is not checked", c.who(), pages, limit, c.m.len())
			return
		}
		page, next, ok := c.page(ctx, "read-back", limit, cursor)
		if !ok {
			c.t.fault("%s: read-back: page %d not read; the list is not checked", c.who(), pages+1)
			return
		}
		pages++
		got = append(got, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	ch := c.m.compare(c.who(), got)
	ch.pages = pages
	c.t.check(ch)
}
