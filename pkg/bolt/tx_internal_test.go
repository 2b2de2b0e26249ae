package bolt

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// TestInTransaction: the calls fn makes share one commit and see each
// other's writes; what fn returns does not undo them (each call stands as
// it would alone), a call refused inside changes nothing, and a nested
// InTransaction joins the same transaction.
func TestInTransaction(t *testing.T) {
	s := openGroupTest(t)
	ctx := context.Background()
	now := time.Now()
	exp := now.Add(time.Hour)
	td := func(id string) *todo.Todo {
		return &todo.Todo{ID: id, UserID: "u", Title: id, CreatedAt: now, UpdatedAt: now}
	}
	if err := s.CreateTodo(ctx, td("OLD")); err != nil {
		t.Fatal(err)
	}
	before := s.group.commits.Load()
	refused := errors.New("the service refuses")
	err := s.InTransaction(ctx, func(st todo.Store) error {
		if _, fresh, err := st.Claim(ctx, "k", "v", exp); err != nil || !fresh {
			t.Fatalf("Claim: %v %v", fresh, err)
		}
		if n, ok, err := st.AddCount(ctx, "c", 1, 0, 10, exp); n != 1 || !ok || err != nil {
			t.Fatalf("AddCount: %d %v %v", n, ok, err)
		}
		if err := st.CreateTodo(ctx, td("NEW")); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateTodo(ctx, td("OLD")); todo.ErrorCode(err) != todo.Conflict {
			t.Fatalf("a duplicate inside: %v, want conflict", err)
		}
		if got, err := st.Todo(ctx, "u", "NEW"); err != nil || got.Version != 1 {
			t.Fatalf("the transaction's own write: %+v %v", got, err)
		}
		nested := st.(todo.Transactor).InTransaction(ctx, func(inner todo.Store) error {
			_, _, err := inner.AddCount(ctx, "c", 1, 0, 10, exp)
			return err
		})
		if nested != nil {
			t.Fatal(nested)
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("InTransaction = %v, want fn's error", err)
	}
	if n := s.group.commits.Load() - before; n != 1 {
		t.Fatalf("%d commits, want 1", n)
	}
	if n, _, _ := s.AddCount(ctx, "c", 0, 0, 10, exp); n != 2 {
		t.Fatalf("counter %d after the transaction, want 2", n)
	}
	if held, fresh, _ := s.Claim(ctx, "k", "other", exp); held != "v" || fresh {
		t.Fatalf("claim %q %v, want the transaction's", held, fresh)
	}
	page, err := s.Todos(ctx, "u", todo.TodoQuery{Limit: 10})
	if err != nil || len(page.Items) != 2 || page.Items[0].Title != "OLD" && page.Items[1].Title != "OLD" {
		t.Fatalf("todos %+v, %v; want NEW and the untouched OLD", page.Items, err)
	}
}
