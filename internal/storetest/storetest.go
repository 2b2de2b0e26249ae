// Package storetest is the conformance suite every storage engine runs: the
// same behaviour, conditional writes and paging, whatever the engine.
//
// An engine's test calls Run with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) todo.Store { return MustOpen(t) })
//	}
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// Opener returns a new, empty store; it closes the store in t.Cleanup.
type Opener func(t *testing.T) todo.Store

// Run runs the whole suite against the engine that open opens.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("UsersConcurrent", func(t *testing.T) { testUsersConcurrent(t, open) })
	t.Run("Todos", func(t *testing.T) { testTodos(t, open) })
	t.Run("TodosOwnerScope", func(t *testing.T) { testTodosOwnerScope(t, open) })
	t.Run("TodosPaging", func(t *testing.T) { testTodosPaging(t, open) })
	t.Run("TodosConcurrentUpdate", func(t *testing.T) { testTodosConcurrent(t, open) })
	t.Run("Claims", func(t *testing.T) { testClaims(t, open) })
	t.Run("Throttles", func(t *testing.T) { testThrottles(t, open) })
}

// now is a fixed, millisecond-precise instant: engines may keep no more.
var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := todo.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// NewUser returns a pending user with every field set, for tests.
func NewUser(email string) *todo.User {
	return &todo.User{
		ID:           ulid.Make().String(),
		Email:        email,
		Name:         "Ann Example",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
		Status:       todo.StatusPending,
		CodeNonce:    "nonce-1",
		CodeSentAt:   now,
		CodeExpires:  now.Add(15 * time.Minute),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
}

func sameUser(t *testing.T, got, want *todo.User) {
	t.Helper()
	g, w := *got, *want
	for _, p := range []*time.Time{&g.CodeSentAt, &g.CodeExpires, &g.NoticeAt, &g.CreatedAt, &g.UpdatedAt, &g.VerifiedAt,
		&w.CodeSentAt, &w.CodeExpires, &w.NoticeAt, &w.CreatedAt, &w.UpdatedAt, &w.VerifiedAt} {
		*p = p.UTC()
	}
	if g != w {
		t.Fatalf("user round trip:\n got %+v\nwant %+v", g, w)
	}
}

func testUsers(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()

	_, err := s.User(ctx, "nobody@example.com")
	wantCode(t, err, todo.NotFound)

	u := NewUser("ann@example.com")
	mustNil(t, s.CreateUser(ctx, u))
	if u.Version != 1 {
		t.Fatalf("Version after create = %d, want 1", u.Version)
	}
	got, err := s.User(ctx, "ann@example.com")
	mustNil(t, err)
	sameUser(t, got, u)

	dup := NewUser("ann@example.com")
	wantCode(t, s.CreateUser(ctx, dup), todo.Conflict)

	// An update with the current version wins and bumps it.
	got.Status = todo.StatusVerified
	got.VerifiedAt = now.Add(time.Minute)
	got.CodeAttempts = 2
	got.NoticeNonce = "notice-1"
	got.NoticeAt = now.Add(2 * time.Minute)
	mustNil(t, s.UpdateUser(ctx, got))
	if got.Version != 2 {
		t.Fatalf("Version after update = %d, want 2", got.Version)
	}
	again, err := s.User(ctx, "ann@example.com")
	mustNil(t, err)
	sameUser(t, again, got)

	// An update based on the old version is refused: no lost update.
	stale := *u
	stale.Name = "Stale"
	wantCode(t, s.UpdateUser(ctx, &stale), todo.Conflict)
	after, err := s.User(ctx, "ann@example.com")
	mustNil(t, err)
	if after.Name != "Ann Example" || after.Status != todo.StatusVerified {
		t.Fatalf("stale update changed the user: %+v", after)
	}

	// Updating a missing user does not create it.
	ghost := NewUser("ghost@example.com")
	ghost.Version = 1
	if err := s.UpdateUser(ctx, ghost); err == nil {
		t.Fatal("UpdateUser of a missing user succeeded")
	}
	_, err = s.User(ctx, "ghost@example.com")
	wantCode(t, err, todo.NotFound)
}

func testUsersConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateUser(ctx, NewUser("race@example.com"))
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch todo.ErrorCode(err) {
		case "":
			created++
		case todo.Conflict:
		default:
			t.Fatalf("concurrent CreateUser: %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d concurrent registrations created an account, want exactly 1", created)
	}

	// Concurrent updates from the same version: exactly one wins.
	base, err := s.User(ctx, "race@example.com")
	mustNil(t, err)
	wins := 0
	var mu sync.Mutex
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := *base
			u.Name = fmt.Sprintf("writer %d", i)
			err := s.UpdateUser(ctx, &u)
			mu.Lock()
			defer mu.Unlock()
			switch todo.ErrorCode(err) {
			case "":
				wins++
			case todo.Conflict:
			default:
				t.Errorf("concurrent UpdateUser: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent updates from one version won, want exactly 1", wins)
	}
}

// NewTodo returns a todo for tests, created at the given offset from a fixed
// instant.
func NewTodo(userID string, title string, at time.Duration) *todo.Todo {
	ts := now.Add(at)
	return &todo.Todo{
		ID:        ulid.MustNew(ulid.Timestamp(ts), ulid.DefaultEntropy()).String(),
		UserID:    userID,
		Title:     title,
		CreatedAt: ts,
		UpdatedAt: ts,
	}
}

func sameTodo(t *testing.T, got, want *todo.Todo) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	if g != w {
		t.Fatalf("todo round trip:\n got %+v\nwant %+v", g, w)
	}
}

func testTodos(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	uid := ulid.Make().String()

	td := NewTodo(uid, "Buy milk 🥛, 牛奶", 0)
	mustNil(t, s.CreateTodo(ctx, td))
	if td.Version != 1 {
		t.Fatalf("Version after create = %d, want 1", td.Version)
	}
	wantCode(t, s.CreateTodo(ctx, &todo.Todo{ID: td.ID, UserID: uid, Title: "again", CreatedAt: now, UpdatedAt: now}), todo.Conflict)

	got, err := s.Todo(ctx, uid, td.ID)
	mustNil(t, err)
	sameTodo(t, got, td)

	got.Done = true
	got.Title = "Buy oat milk"
	got.UpdatedAt = now.Add(time.Hour)
	mustNil(t, s.UpdateTodo(ctx, got))
	if got.Version != 2 {
		t.Fatalf("Version after update = %d, want 2", got.Version)
	}
	again, err := s.Todo(ctx, uid, td.ID)
	mustNil(t, err)
	sameTodo(t, again, got)

	stale := *td
	stale.Title = "stale"
	wantCode(t, s.UpdateTodo(ctx, &stale), todo.Conflict)

	missing := NewTodo(uid, "missing", time.Second)
	missing.Version = 1
	wantCode(t, s.UpdateTodo(ctx, missing), todo.NotFound)
	_, err = s.Todo(ctx, uid, missing.ID)
	wantCode(t, err, todo.NotFound)

	mustNil(t, s.DeleteTodo(ctx, uid, td.ID))
	wantCode(t, s.DeleteTodo(ctx, uid, td.ID), todo.NotFound)
	_, err = s.Todo(ctx, uid, td.ID)
	wantCode(t, err, todo.NotFound)

	page, err := s.Todos(ctx, uid, todo.TodoQuery{Limit: 10})
	mustNil(t, err)
	if len(page.Items) != 0 || page.Next != "" {
		t.Fatalf("empty list = %+v", page)
	}
}

func testTodosOwnerScope(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	ann, bob := ulid.Make().String(), ulid.Make().String()
	td := NewTodo(ann, "Ann's", 0)
	mustNil(t, s.CreateTodo(ctx, td))
	mustNil(t, s.CreateTodo(ctx, NewTodo(bob, "Bob's", time.Second)))

	_, err := s.Todo(ctx, bob, td.ID)
	wantCode(t, err, todo.NotFound)

	theft := *td
	theft.UserID = bob
	theft.Title = "stolen"
	wantCode(t, s.UpdateTodo(ctx, &theft), todo.NotFound)
	wantCode(t, s.DeleteTodo(ctx, bob, td.ID), todo.NotFound)

	got, err := s.Todo(ctx, ann, td.ID)
	mustNil(t, err)
	if got.Title != "Ann's" {
		t.Fatalf("another user changed the todo: %+v", got)
	}
	page, err := s.Todos(ctx, bob, todo.TodoQuery{Limit: 100})
	mustNil(t, err)
	if len(page.Items) != 1 || page.Items[0].Title != "Bob's" {
		t.Fatalf("Bob's list = %+v", page.Items)
	}
	// A cursor naming Ann's todo pages only through Bob's own todos.
	page, err = s.Todos(ctx, bob, todo.TodoQuery{Limit: 100, After: "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"})
	mustNil(t, err)
	for _, it := range page.Items {
		if it.UserID != bob {
			t.Fatalf("Bob's page holds %+v", it)
		}
	}
}

func testTodosPaging(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	uid, other := ulid.Make().String(), ulid.Make().String()
	const n = 23
	var want []string
	for i := range n {
		td := NewTodo(uid, fmt.Sprintf("todo %02d", i), time.Duration(i)*time.Second)
		mustNil(t, s.CreateTodo(ctx, td))
		want = append([]string{td.ID}, want...) // newest first
		mustNil(t, s.CreateTodo(ctx, NewTodo(other, "noise", time.Duration(i)*time.Second)))
	}
	for _, limit := range []int{1, 5, 10, 23, 100} {
		t.Run(fmt.Sprint("limit", limit), func(t *testing.T) {
			var got []string
			q := todo.TodoQuery{Limit: limit}
			for pages := 0; ; pages++ {
				if pages > n+1 {
					t.Fatal("paging does not end")
				}
				page, err := s.Todos(ctx, uid, q)
				mustNil(t, err)
				if len(page.Items) > limit {
					t.Fatalf("page of %d items, limit %d", len(page.Items), limit)
				}
				if page.Next != "" && len(page.Items) < limit {
					t.Fatalf("a short page (%d of %d) that is not the last", len(page.Items), limit)
				}
				for _, it := range page.Items {
					if it.UserID != uid {
						t.Fatalf("foreign todo in list: %+v", it)
					}
					got = append(got, it.ID)
				}
				if page.Next == "" {
					break
				}
				q.After = page.Next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("paged IDs\n got %v\nwant %v", got, want)
			}
		})
	}
}

func testTodosConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	uid := ulid.Make().String()
	td := NewTodo(uid, "shared", 0)
	mustNil(t, s.CreateTodo(ctx, td))
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := *td
			c.Title = fmt.Sprintf("writer %d", i)
			err := s.UpdateTodo(ctx, &c)
			mu.Lock()
			defer mu.Unlock()
			switch todo.ErrorCode(err) {
			case "":
				wins++
			case todo.Conflict:
			default:
				t.Errorf("concurrent UpdateTodo: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent updates from one version won, want exactly 1", wins)
	}
}

func testClaims(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	future := time.Now().Add(time.Hour)

	held, fresh, err := s.Claim(ctx, "idem:u1:k1", "todo-1", future)
	mustNil(t, err)
	if !fresh || held != "todo-1" {
		t.Fatalf("first claim = %q, %v; want todo-1, fresh", held, fresh)
	}
	held, fresh, err = s.Claim(ctx, "idem:u1:k1", "todo-2", future)
	mustNil(t, err)
	if fresh || held != "todo-1" {
		t.Fatalf("second claim = %q, %v; want todo-1, not fresh", held, fresh)
	}

	mustNil(t, s.Release(ctx, "idem:u1:k1"))
	mustNil(t, s.Release(ctx, "idem:u1:k1")) // releasing twice is fine
	held, fresh, err = s.Claim(ctx, "idem:u1:k1", "todo-3", future)
	mustNil(t, err)
	if !fresh || held != "todo-3" {
		t.Fatalf("claim after release = %q, %v; want todo-3, fresh", held, fresh)
	}

	// An expired claim no longer holds its key.
	_, _, err = s.Claim(ctx, "mail:n1", "a", time.Now().Add(-time.Minute))
	mustNil(t, err)
	held, fresh, err = s.Claim(ctx, "mail:n1", "b", future)
	mustNil(t, err)
	if !fresh || held != "b" {
		t.Fatalf("claim over an expired one = %q, %v; want b, fresh", held, fresh)
	}

	// Racing claims: exactly one is fresh, and all see its value.
	const n = 8
	var wg sync.WaitGroup
	results := make([]string, n)
	freshCount := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, f, err := s.Claim(ctx, "race", fmt.Sprint(i), future)
			if err != nil {
				t.Errorf("concurrent Claim: %v", err)
			}
			results[i], freshCount[i] = h, f
		}()
	}
	wg.Wait()
	winners := 0
	for i := range n {
		if freshCount[i] {
			winners++
		}
		if results[i] != results[0] {
			t.Fatalf("claims disagree on the holder: %v", results)
		}
	}
	if winners != 1 {
		t.Fatalf("%d racing claims were fresh, want 1", winners)
	}
}

func testThrottles(t *testing.T, open Opener) {
	s, ctx := open(t), context.Background()
	_, err := s.Throttle(ctx, "login:ann@example.com")
	wantCode(t, err, todo.NotFound)

	th := &todo.Throttle{Key: "login:ann@example.com", Failures: 1, WindowStart: now, Expires: time.Now().Add(time.Hour)}
	mustNil(t, s.PutThrottle(ctx, th))
	if th.Version != 1 {
		t.Fatalf("Version after create = %d, want 1", th.Version)
	}
	// A second create races and loses.
	wantCode(t, s.PutThrottle(ctx, &todo.Throttle{Key: th.Key, Failures: 1, Expires: th.Expires}), todo.Conflict)

	got, err := s.Throttle(ctx, th.Key)
	mustNil(t, err)
	if got.Failures != 1 || !got.WindowStart.Equal(now) || got.Version != 1 {
		t.Fatalf("throttle round trip = %+v", got)
	}
	got.Failures = 5
	got.LockedUntil = now.Add(15 * time.Minute)
	mustNil(t, s.PutThrottle(ctx, got))
	stale := *th
	stale.Failures = 2
	wantCode(t, s.PutThrottle(ctx, &stale), todo.Conflict)

	again, err := s.Throttle(ctx, th.Key)
	mustNil(t, err)
	if again.Failures != 5 || !again.LockedUntil.Equal(now.Add(15*time.Minute)) || again.Version != 2 {
		t.Fatalf("throttle after update = %+v", again)
	}
	mustNil(t, s.DeleteThrottle(ctx, th.Key))
	mustNil(t, s.DeleteThrottle(ctx, th.Key))
	_, err = s.Throttle(ctx, th.Key)
	wantCode(t, err, todo.NotFound)
}
