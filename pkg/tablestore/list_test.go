package tablestore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/internal/storetest"
	"github.com/todofn/todofn/pkg/todo"
)

// TestListCalls counts the requests a first page with counts makes at 10,
// 1,000 and 5,000 todos: one GetRange for the page (51 rows and the After
// row's margin) and one per 5,000 rows for the counts (GetRange's row
// limit, which the double keeps; the service also stops at 4 MB, which
// rows of "done" and "version" alone never reach at these sizes).
func TestListCalls(t *testing.T) {
	srv := NewServer(t)
	s, ctx := MustOpen(t, NewConfig(srv)), context.Background()
	uid := "01KB3QJ7M0A5Y6N9T2V8X4Z1QD"
	have := 0
	for _, n := range []int{10, 1000, 5000, 5001} {
		ids := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ids {
					td := storetest.NewTodo(uid, fmt.Sprintf("Buy milk and bread, todo %05d", i), time.Duration(i)*time.Millisecond)
					td.Done = i%3 == 0
					if err := s.CreateTodo(ctx, td); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		for i := have; i < n; i++ {
			ids <- i
		}
		close(ids)
		wg.Wait()
		have = n

		before := srv.Requests()
		page, err := s.Todos(ctx, uid, todo.TodoQuery{Limit: todo.DefaultPageSize, Count: true})
		if err != nil {
			t.Fatal(err)
		}
		calls := srv.Requests() - before
		completed := (n + 2) / 3
		if page.Counts == nil || *page.Counts != (todo.TodoCounts{Active: n - completed, Completed: completed}) {
			t.Fatalf("%d todos: counts %+v", n, page.Counts)
		}
		if want := 1 + (n+4999)/5000; calls != want {
			t.Errorf("%d todos: a first page with counts made %d requests, want %d", n, calls, want)
		}
		t.Logf("%d todos: a first page with counts made %d GetRange requests", n, calls)
	}
}
