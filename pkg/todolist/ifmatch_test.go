package todolist_test

import (
	"context"
	"errors"
	"testing"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// between is the embedded store with a hook run between the service's read
// of a todo and its conditional write: another device's change lands there.
type between struct {
	*bolt.Store
	hook func()
}

func (b *between) UpdateTodo(ctx context.Context, t *todo.Todo) error {
	if b.hook != nil {
		b.hook()
	}
	return b.Store.UpdateTodo(ctx, t)
}

func (b *between) DeleteTodoIf(ctx context.Context, userID, id string, version int64) error {
	if b.hook != nil {
		b.hook()
	}
	return b.Store.DeleteTodoIf(ctx, userID, id, version)
}

// otherDevice changes the todo once, the first time it is called, on the
// version it reads.
func otherDevice(t *testing.T, s *bolt.Store, uid, id, title string) func() {
	done := false
	return func() {
		if done {
			return
		}
		done = true
		cur, err := s.Todo(context.Background(), uid, id)
		if err != nil {
			t.Error(err)
			return
		}
		cur.Title = title
		if err := s.UpdateTodo(context.Background(), cur); err != nil {
			t.Error(err)
		}
	}
}

// wantPrecondition fails t unless err is PreconditionFailed carrying the
// todo titled title at version.
func wantPrecondition(t *testing.T, err error, title string, version int64) {
	t.Helper()
	var e *todo.Error
	if !errors.As(err, &e) || e.Code != todo.PreconditionFailed || e.Current == nil {
		t.Fatalf("err = %v, want precondition_failed with the current todo", err)
	}
	if e.Current.Title != title || e.Current.Version != version {
		t.Fatalf("current todo %+v, want %q at version %d", *e.Current, title, version)
	}
}

// TestIfMatchIsOneConditionalWrite: with If-Match, a change that lands
// between the read and the write is not overwritten (no retry on a newer
// version), and the answer carries it; without If-Match, the service
// retries on the latest version as before.
func TestIfMatchIsOneConditionalWrite(t *testing.T) {
	f := newFixture(t, 0, limit.Budget{})
	ctx := context.Background()
	b := &between{Store: f.store}
	f.svc.Todos = b
	td := f.mustAdd(t, "ann", "Buy milk", "")

	b.hook = otherDevice(t, f.store, "ann", td.ID, "Buy oat milk")
	_, err := f.svc.UpdateIf(ctx, "ann", td.ID, todo.TodoInput{Done: ptr(true)}, []int64{1})
	wantPrecondition(t, err, "Buy oat milk", 2)
	b.hook = nil
	if got, _ := f.store.Todo(ctx, "ann", td.ID); got.Done || got.Title != "Buy oat milk" {
		t.Fatalf("the other device's change was overwritten: %+v", *got)
	}
	_, err = f.svc.UpdateIf(ctx, "ann", td.ID, todo.TodoInput{Done: ptr(true)}, []int64{1})
	wantPrecondition(t, err, "Buy oat milk", 2) // stale before any write
	_, err = f.svc.UpdateIf(ctx, "ann", td.ID, todo.TodoInput{Done: ptr(true)}, []int64{})
	wantPrecondition(t, err, "Buy oat milk", 2) // only tags that name no version

	b.hook = otherDevice(t, f.store, "ann", td.ID, "Buy soy milk")
	wantPrecondition(t, f.svc.DeleteIf(ctx, "ann", td.ID, []int64{2}), "Buy soy milk", 3)
	b.hook = nil
	if _, err := f.store.Todo(ctx, "ann", td.ID); err != nil {
		t.Fatalf("the todo was deleted on a stale version: %v", err)
	}

	b.hook = otherDevice(t, f.store, "ann", td.ID, "Buy rice milk")
	got, err := f.svc.Update(ctx, "ann", td.ID, todo.TodoInput{Done: ptr(true)})
	if err != nil || !got.Done || got.Title != "Buy rice milk" || got.Version != 5 {
		t.Fatalf("Update without If-Match: %+v, %v; want done on the other change, version 5", got, err)
	}
	b.hook = nil
	if err := f.svc.DeleteIf(ctx, "ann", td.ID, []int64{4, 5}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.DeleteIf(ctx, "ann", td.ID, []int64{5}), todo.NotFound)
}
