package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

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

// storedTodo reads want's todo back from s and fails t unless it equals
// want.
func storedTodo(t *testing.T, ctx context.Context, s todo.Store, want *todo.Todo) *todo.Todo {
	t.Helper()
	got, err := s.Todo(ctx, want.UserID, want.ID)
	mustNil(t, err)
	g, w := *got, *want
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	if g != w {
		t.Fatalf("todo round trip:\n got %+v\nwant %+v", g, w)
	}
	return got
}

func testTodos(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()

	td := NewTodo(uid, "Buy milk 🥛, 牛奶", 0)
	mustNil(t, s.CreateTodo(ctx, td))
	wantVersion(t, "create", td.Version, 1)
	wantCode(t, s.CreateTodo(ctx, &todo.Todo{ID: td.ID, UserID: uid, Title: "again", CreatedAt: now, UpdatedAt: now}), todo.Conflict)

	got := storedTodo(t, ctx, s, td)

	got.Done = true
	got.Title = "Buy oat milk"
	got.UpdatedAt = now.Add(time.Hour)
	mustNil(t, s.UpdateTodo(ctx, got))
	wantVersion(t, "update", got.Version, 2)
	storedTodo(t, ctx, s, got)

	stale := *td
	stale.Title = "stale"
	wantCode(t, s.UpdateTodo(ctx, &stale), todo.Conflict)

	missing := NewTodo(uid, "missing", time.Second)
	missing.Version = 1
	wantCode(t, s.UpdateTodo(ctx, missing), todo.NotFound)
	_, err := s.Todo(ctx, uid, missing.ID)
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
	s, ctx := open(t, nil), context.Background()
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
	s, ctx := open(t, nil), context.Background()
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
				checkAnswer(t, s, uid, q, &page)
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
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	td := NewTodo(uid, "shared", 0)
	mustNil(t, s.CreateTodo(ctx, td))
	errs := race(8, func(i int) error {
		c := *td
		c.Title = fmt.Sprintf("writer %d", i)
		return s.UpdateTodo(ctx, &c)
	})
	wantOneWinner(t, errs, "UpdateTodo", "concurrent updates from one version won")
}
