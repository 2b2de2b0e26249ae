package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/proctest"
)

// TestShortSoak is the short soak make test runs (through go test ./...):
// 8 clients for 5 s on the local server, then on dynalite with Mailpit.
// The second skips without dynalite or Mailpit, or fails when
// TODOFN_REQUIRE_SERVICES=1.
func TestShortSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the short soak takes about 20 s")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	st := &starter{root: root}
	t.Cleanup(st.close)
	for _, kind := range []string{targetLocal, targetServices} {
		t.Run(kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			srv, err := st.start(ctx, kind)
			proctest.Need(t, err)
			defer srv.Stop()
			m, err := NewMailbox(srv.Mailbox, &http.Client{})
			if err != nil {
				t.Fatal(err)
			}
			r := Run(ctx, Config{Base: srv.Base, Mailbox: m, Clients: 8, Duration: 5 * time.Second, Seed: 1})
			var out strings.Builder
			r.Print(&out, srv.Name)
			t.Log("\n" + out.String())
			if r.Failed() || r.Todos == 0 {
				t.Errorf("the soak failed:\n%s\nthe server's last lines:\n%s", out.String(), srv.Logs())
			}
		})
	}
}

// TestRunFindsFaults runs the soak against a fake API that breaks one
// promise at a time: the soak must count each, and nothing against the
// fake that keeps them.
func TestRunFindsFaults(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault fault
		count func(Report) int64
	}{
		{"none", fault{}, func(r Report) int64 { return b2i(r.Failed()) }},
		{"lost", fault{lose: 7}, func(r Report) int64 { return int64(r.Lost) }},
		{"duplicated", fault{ignoreKeys: true}, func(r Report) int64 { return int64(r.Duplicated) }},
		{"phantom", fault{phantom: 5}, func(r Report) int64 { return int64(r.Phantom) }},
		{"deleted comes back", fault{undelete: 4}, func(r Report) int64 { return int64(r.Phantom) }},
		{"mismatched", fault{staleUpdate: 3}, func(r Report) int64 { return int64(r.Mismatched) }},
		{"5xx", fault{fail: 11}, func(r Report) int64 { return r.ServerErrors }},
		{"throttled", fault{throttle: 5}, func(r Report) int64 { return b2i(r.Throttled == 0 || r.Failed()) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(tt.fault)
			srv := httptest.NewServer(api)
			defer srv.Close()
			r := Run(context.Background(), Config{Base: srv.URL, Mailbox: api, Clients: 3, Duration: 700 * time.Millisecond, Seed: 7})
			var out strings.Builder
			r.Print(&out, tt.name)
			t.Log("\n" + out.String())
			got := tt.count(r)
			if want := tt.name != "none" && tt.name != "throttled"; (got > 0) != want || r.Requests == 0 {
				t.Errorf("count %d, want it non-zero: %v\n%s", got, want, out.String())
			}
			if tt.name != "none" && tt.name != "throttled" && !r.Failed() {
				t.Errorf("a run with a fault did not fail:\n%s", out.String())
			}
		})
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// fault says which promise the fake breaks, every n-th time.
type fault struct {
	lose        int  // answer 201 but keep no todo
	ignoreKeys  bool // every POST creates a todo, key or not
	phantom     int  // add a todo nobody posted
	undelete    int  // answer 204 but keep the todo
	staleUpdate int  // answer the change but keep the old todo
	fail        int  // answer 500
	throttle    int  // answer 429 with Retry-After: 0
}

// fakeAPI is an in-memory todo API with the real one's routes and
// answers, and a mailbox that always has code 123456.
type fakeAPI struct {
	f   fault
	mu  sync.Mutex
	n   int // requests, creates…: counts the faults' turns
	seq int
	// todos by owner, then id; keys by owner and key
	todos map[string]map[string]todoBody
	keys  map[string]todoBody
	mux   *http.ServeMux
}

func newFakeAPI(f fault) *fakeAPI {
	a := &fakeAPI{f: f, todos: map[string]map[string]todoBody{}, keys: map[string]todoBody{}, mux: http.NewServeMux()}
	a.mux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) {
		answer(w, 202, map[string]string{"status": "pending_verification"})
	})
	a.mux.HandleFunc("POST /verify", func(w http.ResponseWriter, r *http.Request) { answer(w, 200, map[string]string{"status": "verified"}) })
	a.mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email string }
		json.NewDecoder(r.Body).Decode(&in)
		answer(w, 200, map[string]string{"accessToken": "tok-" + in.Email, "refreshToken": "r"})
	})
	a.mux.HandleFunc("POST /todos", a.auth(a.add))
	a.mux.HandleFunc("GET /todos", a.auth(a.list))
	a.mux.HandleFunc("PATCH /todos/{id}", a.auth(a.update))
	a.mux.HandleFunc("DELETE /todos/{id}", a.auth(a.delete))
	return a
}

func (a *fakeAPI) Code(context.Context, string) (string, error) { return "123456", nil }

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// turn reports whether this is the every-th time of a fault.
func (a *fakeAPI) turn(every int) bool { return every > 0 && a.n%every == 0 }

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.n++
	fail, throttle := a.turn(a.f.fail), a.turn(a.f.throttle)
	a.mu.Unlock()
	switch {
	case fail:
		answer(w, 500, map[string]any{"error": map[string]string{"code": "internal", "message": "Boom."}})
	case throttle:
		w.Header().Set("Retry-After", "0")
		answer(w, 429, map[string]any{"error": map[string]string{"code": "rate_limited", "message": "Slow down."}})
	default:
		a.mux.ServeHTTP(w, r)
	}
}

func (a *fakeAPI) auth(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer tok-")
		if !ok {
			answer(w, 401, map[string]any{"error": map[string]string{"code": "unauthorized", "message": "No."}})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.todos[user] == nil {
			a.todos[user] = map[string]todoBody{}
		}
		h(w, r, user)
	}
}

func (a *fakeAPI) add(w http.ResponseWriter, r *http.Request, user string) {
	var in struct {
		Title string
		Done  bool
	}
	json.NewDecoder(r.Body).Decode(&in)
	key := user + " " + r.Header.Get("Idempotency-Key")
	if t, ok := a.keys[key]; ok && !a.f.ignoreKeys {
		if t.Title != in.Title {
			answer(w, 422, map[string]any{"error": map[string]string{"code": "idempotency_key_reused", "message": "Reused."}})
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Location", "/todos/"+t.ID)
		answer(w, 201, t)
		return
	}
	a.seq++
	t := todoBody{ID: fmt.Sprintf("%026d", a.seq), Title: in.Title, Done: in.Done}
	a.keys[key] = t
	if !a.turn(a.f.lose) {
		a.todos[user][t.ID] = t
	}
	if a.turn(a.f.phantom) {
		a.seq++
		id := fmt.Sprintf("%026d", a.seq)
		a.todos[user][id] = todoBody{ID: id, Title: "intruder " + id}
	}
	w.Header().Set("Location", "/todos/"+t.ID)
	answer(w, 201, t)
}

func (a *fakeAPI) list(w http.ResponseWriter, r *http.Request, user string) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	after := r.URL.Query().Get("cursor")
	var ids []string
	for id := range a.todos[user] {
		if after == "" || id < after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	out := struct {
		Items      []todoBody `json:"items"`
		NextCursor *string    `json:"nextCursor"`
	}{Items: []todoBody{}}
	for _, id := range ids[:min(limit, len(ids))] {
		out.Items = append(out.Items, a.todos[user][id])
	}
	if len(ids) > limit {
		next := ids[limit-1]
		out.NextCursor = &next
	}
	answer(w, 200, out)
}

func (a *fakeAPI) update(w http.ResponseWriter, r *http.Request, user string) {
	t, ok := a.todos[user][r.PathValue("id")]
	if !ok {
		answer(w, 404, map[string]any{"error": map[string]string{"code": "not_found", "message": "No."}})
		return
	}
	var in struct {
		Title *string
		Done  *bool
	}
	json.NewDecoder(r.Body).Decode(&in)
	if in.Title != nil {
		t.Title = *in.Title
	}
	if in.Done != nil {
		t.Done = *in.Done
	}
	if !a.turn(a.f.staleUpdate) {
		a.todos[user][t.ID] = t
	}
	answer(w, 200, t)
}

func (a *fakeAPI) delete(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	if _, ok := a.todos[user][id]; !ok {
		answer(w, 404, map[string]any{"error": map[string]string{"code": "not_found", "message": "No."}})
		return
	}
	if !a.turn(a.f.undelete) {
		delete(a.todos[user], id)
	}
	w.WriteHeader(204)
}
