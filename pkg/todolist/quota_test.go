package todolist_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

func TestQuota(t *testing.T) {
	f := newFixture(t, 3, limit.Budget{})
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		ids = append(ids, f.mustAdd(t, "ann", fmt.Sprint("t", i), "").ID)
	}
	_, _, err := f.add(t, "ann", "one too many", "")
	wantCode(t, err, todo.QuotaExceeded)
	_, _, err = f.add(t, "ann", "one too many", "k-full") // with a key too
	wantCode(t, err, todo.QuotaExceeded)
	f.mustAdd(t, "bob", "another owner's list is another quota", "")

	if err := f.svc.Delete(ctx, "ann", ids[0]); err != nil {
		t.Fatal(err)
	}
	f.mustAdd(t, "ann", "room again", "")
	wantCode(t, f.svc.Delete(ctx, "ann", ids[0]), todo.NotFound) // a second delete frees nothing
	_, _, err = f.add(t, "ann", "full again", "")
	wantCode(t, err, todo.QuotaExceeded)
	if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 3 || c != 3 {
		t.Fatalf("stored %d, counter %d; want 3 and 3", n, c)
	}
}

func TestQuotaCountsTodosFromBeforeIt(t *testing.T) {
	f := newFixture(t, 3, limit.Budget{})
	ctx := context.Background()
	for i := range 2 { // written before there was a counter, so dated before it
		then := f.clock.Now().Add(-time.Minute)
		td := &todo.Todo{ID: ulid.MustNew(ulid.Timestamp(then), ulid.DefaultEntropy()).String(), UserID: "ann",
			Title: fmt.Sprint("old ", i), CreatedAt: then, UpdatedAt: then}
		if err := f.store.CreateTodo(ctx, td); err != nil {
			t.Fatal(err)
		}
	}
	f.mustAdd(t, "ann", "third", "")
	_, _, err := f.add(t, "ann", "fourth", "")
	wantCode(t, err, todo.QuotaExceeded)
	if c := f.count(t, "ann"); c != 3 {
		t.Fatalf("counter %d, want 3", c)
	}
}

func TestQuotaFailedCreates(t *testing.T) {
	f := newFixture(t, 2, limit.Budget{})
	f.mustAdd(t, "ann", "one", "")
	// A write the store refused stored nothing: its slot comes back.
	f.todos.create = func(context.Context, *bolt.Store, *todo.Todo) error { return todo.Errorf(todo.Conflict, "test: taken") }
	_, _, err := f.add(t, "ann", "refused", "")
	wantCode(t, err, todo.Conflict)
	if c := f.count(t, "ann"); c != 1 {
		t.Fatalf("after a refused write the counter is %d, want 1", c)
	}
	// A write whose outcome is unknown keeps its slot: too high, never too low.
	f.todos.create = func(context.Context, *bolt.Store, *todo.Todo) error { return errLost }
	_, _, err = f.add(t, "ann", "lost", "")
	wantCode(t, err, todo.Internal)
	f.todos.create = nil
	if atomicMode {
		// One atomic write takes the slot and stores the todo, or neither:
		// this one stored nothing, so the count did not drift.
		if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 1 || c != 1 {
			t.Fatalf("after a lost atomic write: stored %d, counter %d; want 1 and 1", n, c)
		}
		return
	}
	_, _, err = f.add(t, "ann", "blocked by the drift", "")
	wantCode(t, err, todo.QuotaExceeded)

	// The drift is repaired once no add can still be running and the last
	// count is old enough.
	f.clock.Advance(30 * time.Second)
	_, _, err = f.add(t, "ann", "too soon to count again", "")
	wantCode(t, err, todo.QuotaExceeded)
	f.clock.Advance(31 * time.Second)
	f.mustAdd(t, "ann", "after the recount", "")
	if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 2 || c != 2 {
		t.Fatalf("stored %d, counter %d; want 2 and 2", n, c)
	}
}

func TestQuotaDeleteDuringARecountFreesNothing(t *testing.T) {
	if !callByCallMode {
		t.Skip("in one transaction no add can run inside a delete: the race is the call-by-call path's")
	}
	if atomicMode {
		t.Skip("the atomic delete gives its slot back only if the stamp it read still holds, in its own write")
	}
	f := newFixture(t, 2, limit.Budget{})
	ctx := context.Background()
	a := f.mustAdd(t, "ann", "one", "")
	f.mustAdd(t, "ann", "two", "")
	f.clock.Advance(2 * time.Minute)
	// While the delete runs, another add finds the list full and counts it
	// again, after the todo is gone: that count already lacks it, so the
	// delete must not give its slot back as well.
	f.todos.delete = func(ctx context.Context, st *bolt.Store, uid, id string) error {
		if err := st.DeleteTodo(ctx, uid, id); err != nil {
			return err
		}
		f.mustAdd(t, "ann", "added by the recount", "")
		return nil
	}
	if err := f.svc.Delete(ctx, "ann", a.ID); err != nil {
		t.Fatal(err)
	}
	f.todos.delete = nil
	if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 2 || c != 2 {
		t.Fatalf("stored %d, counter %d; want 2 and 2", n, c)
	}
	_, _, err := f.add(t, "ann", "over the quota", "")
	wantCode(t, err, todo.QuotaExceeded)
}

func TestQuotaHoldsUnderConcurrentAdds(t *testing.T) {
	f := newFixture(t, 5, limit.Budget{})
	var ok, full atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := f.svc.Add(context.Background(), "ann", todo.TodoInput{Title: ptr(fmt.Sprint("t", i))}, "")
			switch todo.ErrorCode(err) {
			case "":
				ok.Add(1)
			case todo.QuotaExceeded:
				full.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 5 || full.Load() != 15 || f.stored(t, "ann") != 5 {
		t.Fatalf("%d added, %d refused, %d stored; want 5, 15, 5", ok.Load(), full.Load(), f.stored(t, "ann"))
	}
}

func TestWriteBudget(t *testing.T) {
	f := newFixture(t, 0, limit.Budget{Max: 3, Window: time.Minute})
	ctx := context.Background()
	a := f.mustAdd(t, "ann", "one", "")
	if _, err := f.svc.Update(ctx, "ann", a.ID, todo.TodoInput{Done: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(ctx, "ann", a.ID); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		do   func() error
	}{
		{"add", func() error { _, _, err := f.add(t, "ann", "x", ""); return err }},
		{"update", func() error { _, err := f.svc.Update(ctx, "ann", a.ID, todo.TodoInput{Done: ptr(false)}); return err }},
		{"delete", func() error { return f.svc.Delete(ctx, "ann", a.ID) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			wantCode(t, err, todo.RateLimited)
			if e := err.(*todo.Error); e.RetryAfter < 1 || e.RetryAfter > 60 {
				t.Fatalf("RetryAfter = %d", e.RetryAfter)
			}
		})
	}
	f.mustAdd(t, "bob", "another owner has a budget of their own", "")
	if _, err := f.svc.List(ctx, "ann", todo.TodoQuery{Limit: 10}); err != nil {
		t.Fatalf("reading is not a write: %v", err)
	}
	f.clock.Advance(time.Minute)
	f.mustAdd(t, "ann", "the next window", "")
}
