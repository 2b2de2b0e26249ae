package bolt_test

import (
	"context"
	"fmt"
	"sync/atomic"
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

// BenchmarkMixedLoad is the mixed load's store side through the todo
// service, as deployed on the embedded store (write budget, quota,
// Idempotency-Keys): 32 clients over 64 owners, each op one of add, tick
// (PATCH done), list and delete in turn. It measures what the group commit
// and the one transaction per write save, on the same service code.
func BenchmarkMixedLoad(b *testing.B) {
	s := MustOpen(b, bolt.Options{})
	svc := &todolist.Service{Todos: s, Claims: s, Throttles: s, Quota: 1 << 20,
		Writes: limit.Budget{Max: 1 << 20, Window: time.Minute}}
	ctx := context.Background()
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var mine []string // this client's todos, oldest first
		title, done := "load", true
		n := seq.Add(1)
		uid := fmt.Sprint("owner-", n%64)
		for i := 0; pb.Next(); i++ {
			var err error
			switch {
			case i%4 == 0 || len(mine) == 0:
				var td *todo.Todo
				td, _, err = svc.Add(ctx, uid, todo.TodoInput{Title: &title}, fmt.Sprint("k-", n, "-", i))
				if err == nil {
					mine = append(mine, td.ID)
				}
			case i%4 == 1:
				_, err = svc.Update(ctx, uid, mine[len(mine)-1], todo.TodoInput{Done: &done})
			case i%4 == 2:
				_, err = svc.List(ctx, uid, todo.TodoQuery{Limit: todo.DefaultPageSize})
			default:
				err = svc.Delete(ctx, uid, mine[0])
				mine = mine[1:]
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
