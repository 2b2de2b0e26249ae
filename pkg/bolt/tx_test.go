package bolt_test

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/todolist"
)

// TestTodoWritesAreOneCommit: on the embedded store, each todo write of
// the service, with its Idempotency-Key, write budget and quota, is one
// commit (one pair of syncs), not one per store call as before (seven for
// an add).
func TestTodoWritesAreOneCommit(t *testing.T) {
	s := MustOpen(t, bolt.Options{})
	svc := &todolist.Service{Todos: s, Claims: s, Throttles: s, Quota: 100,
		Writes: limit.Budget{Max: 100, Window: time.Minute}}
	ctx := context.Background()
	title, done := "Buy milk", true
	commits := func(what string, f func() error) {
		t.Helper()
		before := bolt.Commits(s)
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n := bolt.Commits(s) - before; n != 1 {
			t.Errorf("%s: %d commits, want 1", what, n)
		}
	}
	var td *todo.Todo
	commits("first add (counts the quota)", func() (err error) {
		td, _, err = svc.Add(ctx, "ann", todo.TodoInput{Title: &title}, "key-1")
		return err
	})
	commits("add", func() error { _, _, err := svc.Add(ctx, "ann", todo.TodoInput{Title: &title}, "key-2"); return err })
	commits("replay", func() error { _, _, err := svc.Add(ctx, "ann", todo.TodoInput{Title: &title}, "key-2"); return err })
	commits("update", func() error {
		_, err := svc.UpdateIf(ctx, "ann", td.ID, todo.TodoInput{Done: &done}, []int64{1})
		return err
	})
	commits("delete", func() error { return svc.DeleteIf(ctx, "ann", td.ID, []int64{2}) })
}
