package bolt_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/todo"
)

// TestAnswerAllocatesNothingPerTodo: writing a page into the answer
// (todo.TodoAnswer) costs the same allocations for 100 todos as for 1, with
// and without the counts, filtered or not: the todos are cut from the
// stored bytes into the caller's buffer, no todo is built.
func TestAnswerAllocatesNothingPerTodo(t *testing.T) {
	s := MustOpen(t, bolt.Options{})
	ctx := context.Background()
	few, many := ulid.Make().String(), ulid.Make().String()
	for i := range 100 {
		for _, uid := range []string{few, many} {
			if uid == few && i > 0 {
				continue
			}
			td := storetest.NewTodo(uid, fmt.Sprintf("todo number %d", i), time.Duration(i)*time.Second)
			td.Done = i%3 == 0
			if err := s.CreateTodo(ctx, td); err != nil {
				t.Fatal(err)
			}
		}
	}
	ans := &todo.TodoAnswer{Buf: make([]byte, 0, 64<<10), Todo: func(b []byte, _ *todo.Todo) []byte {
		t.Fatal("a todo left to the encoder")
		return b
	}}
	allocs := func(uid string, q todo.TodoQuery) float64 {
		q.Answer = ans
		return testing.AllocsPerRun(50, func() {
			ans.Buf = ans.Buf[:0]
			if _, err := s.Todos(ctx, uid, q); err != nil || !ans.Written {
				t.Fatalf("Todos: %v, written %v", err, ans.Written)
			}
		})
	}
	done := false
	for _, q := range []todo.TodoQuery{{Limit: 100}, {Limit: 100, Count: true}, {Limit: 100, Count: true, Done: &done}} {
		if a, b := allocs(few, q), allocs(many, q); a != b {
			t.Errorf("Todos(%+v): %v allocations for 1 todo, %v for 100", q, a, b)
		}
	}
}
