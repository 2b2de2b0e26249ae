package todolist_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// raceAdds runs n adds of uid at once (with key, if not empty) and returns
// how many stored a todo or replayed one, and the codes of the others.
func raceAdds(t *testing.T, f *fixture, uid, key string, n int) (ok int, codes map[string]int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	codes = map[string]int{}
	ids := map[string]bool{}
	for i := range n {
		wg.Go(func() {
			title := fmt.Sprint("racer ", i)
			if key != "" {
				title = "one todo"
			}
			got, _, err := f.svc.Add(context.Background(), uid, todo.TodoInput{Title: ptr(title)}, key)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				codes[todo.ErrorCode(err)]++
				return
			}
			ok++
			ids[got.ID] = true
		})
	}
	wg.Wait()
	if key != "" && len(ids) > 1 {
		t.Fatalf("one key answered %d todos", len(ids))
	}
	return ok, codes
}

// wantApplied fails t unless, in atomicMode, the store applied n atomic
// writes since the last call (none otherwise): the fast path carried them.
func (f *fixture) wantApplied(t *testing.T, n int32) {
	t.Helper()
	if !atomicMode {
		n = 0
	}
	if got := f.todos.applied.Swap(0); got != n {
		t.Fatalf("%d atomic writes applied, want %d", got, n)
	}
}

// TestAtomicAddsRaceTheQuota: adds racing for the last slots of a counted
// quota take exactly those, each with its todo (on the fast path: one
// atomic write each), and the others are refused.
func TestAtomicAddsRaceTheQuota(t *testing.T) {
	f := newFixture(t, 5, limit.Budget{})
	f.mustAdd(t, "ann", "counted", "") // the first count is the call-by-call path's
	f.wantApplied(t, 0)
	ok, codes := raceAdds(t, f, "ann", "", 30)
	if ok != 4 || codes[todo.QuotaExceeded] != 26 || len(codes) != 1 {
		t.Fatalf("%d added, refused %v; want 4 added, 26 quota_exceeded", ok, codes)
	}
	f.wantApplied(t, 4)
	if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 5 || c != 5 {
		t.Fatalf("stored %d, counter %d; want 5 and 5", n, c)
	}
	page, err := f.svc.List(context.Background(), "ann", todo.TodoQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(context.Background(), "ann", page.Items[0].ID); err != nil { // gives its slot back
		t.Fatal(err)
	}
	f.wantApplied(t, 1)
	if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 4 || c != 4 {
		t.Fatalf("after a delete: stored %d, counter %d; want 4 and 4", n, c)
	}
	ok, codes = raceAdds(t, f, "ann", "", 8)
	if ok != 1 || codes[todo.QuotaExceeded] != 7 {
		t.Fatalf("after a delete: %d added, refused %v; want 1 added, 7 quota_exceeded", ok, codes)
	}
}

// TestAtomicKeyedAddsRace: racing retries of one keyed add store one todo
// and all answer it: one atomic write claims the key with the todo, the
// others find it held and replay it, for free. (Call by call, a retry
// that finds the claim before its todo is stored pays a write and takes a
// slot of its own, see TestParallelRetriesOfOneKey: there the budget and
// the quota are off.)
func TestAtomicKeyedAddsRace(t *testing.T) {
	quota, budget := 10, limit.Budget{Max: 5, Window: time.Hour}
	if !atomicMode {
		quota, budget = 0, limit.Budget{}
	}
	f := newFixture(t, quota, budget)
	f.mustAdd(t, "ann", "counted", "")
	f.wantApplied(t, 0)
	ok, codes := raceAdds(t, f, "ann", "k1", 16)
	if ok != 16 {
		t.Fatalf("%d answered, refused %v; want all 16 answered", ok, codes)
	}
	f.wantApplied(t, 1)
	if !atomicMode {
		if n := f.stored(t, "ann"); n != 2 {
			t.Fatalf("stored %d, want 2", n)
		}
		return
	}
	if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 2 || c != 2 {
		t.Fatalf("stored %d, counter %d; want 2 and 2", n, c)
	}
	// The replays paid nothing: 3 writes of 5 are left.
	ok, codes = raceAdds(t, f, "ann", "", 8)
	if ok != 3 || codes[todo.RateLimited] != 5 {
		t.Fatalf("%d added, refused %v; want 3 added, 5 rate_limited", ok, codes)
	}
	f.wantApplied(t, 3)
}

// TestAtomicWritesRaceTheBudget: racing writes take exactly the write
// budget's tokens, the take in each one's atomic write (its low case for
// the first, in range after), and the others are refused with a wait.
func TestAtomicWritesRaceTheBudget(t *testing.T) {
	f := newFixture(t, 0, limit.Budget{Max: 6, Window: time.Hour})
	ok, codes := raceAdds(t, f, "ann", "", 20)
	if ok != 6 || codes[todo.RateLimited] != 14 {
		t.Fatalf("%d added, refused %v; want 6 added, 14 rate_limited", ok, codes)
	}
	f.wantApplied(t, 6)
	var refused atomic.Int32
	page, err := f.svc.List(context.Background(), "ann", todo.TodoQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Update(context.Background(), "ann", page.Items[0].ID, todo.TodoInput{Done: ptr(true)})
	if todo.ErrorCode(err) == todo.RateLimited {
		refused.Add(1)
	}
	if refused.Load() != 1 {
		t.Fatalf("an update past the budget: %v, want rate_limited", err)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.svc.Update(context.Background(), "ann", page.Items[0].ID, todo.TodoInput{Done: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	f.wantApplied(t, 1)
}

// TestAtomicBulk: Clear and MarkAll write each batch in atomic writes of
// at most todo.MaxAtomicWrites (the take in the first); a todo changed
// between the batch's read and its write is left as it is and the rest
// are written (the refusal names it: dropped, and the rest sent again).
func TestAtomicBulk(t *testing.T) {
	f := newFixture(t, 500, limit.Budget{Max: 3, Window: time.Hour})
	ctx := context.Background()
	for i := range 150 {
		if err := f.store.CreateTodo(ctx, &todo.Todo{ID: idAt(f.clock.Now().Add(time.Duration(i) * time.Millisecond)),
			UserID: "ann", Title: fmt.Sprint("t", i), CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// One todo is renamed while MarkAll's first batch is on its way.
	var renamed string
	f.todos.before = func(ws []todo.Write) {
		if renamed != "" || ws[len(ws)-1].Op != todo.OpUpdateTodo {
			return
		}
		td, err := f.store.Todo(ctx, "ann", ws[len(ws)-1].Todo.ID)
		if err != nil {
			t.Error(err)
			return
		}
		td.Title, renamed = "renamed", td.ID
		if err := f.store.UpdateTodo(ctx, td); err != nil {
			t.Error(err)
		}
	}
	res, err := f.svc.MarkAll(ctx, "ann", true)
	f.todos.before = nil
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed != 150 || res.More {
		// The renamed todo is read again by the next batch and marked then.
		t.Fatalf("MarkAll = %+v, want 150 changed", res)
	}
	if atomicMode { // (call by call, no atomic write to run before)
		if got, err := f.store.Todo(ctx, "ann", renamed); err != nil || !got.Done || got.Title != "renamed" {
			t.Fatalf("the renamed todo: %+v, %v; want it renamed and done", got, err)
		}
	}
	// Batches of 100 and 51: 98 of the first 99 todos (the renamed one's
	// write refused, the rest sent again), the 100th, then the other 50
	// and the renamed one, read again.
	f.wantApplied(t, 3)
	res, err = f.svc.Clear(ctx, "ann")
	if err != nil || res.Changed != 150 {
		t.Fatalf("Clear = %+v, %v; want 150 changed", res, err)
	}
	// Each young todo is a delete and its mark: 48 per atomic write.
	f.wantApplied(t, 5)
	if n := f.stored(t, "ann"); n != 0 {
		t.Fatalf("%d todos left", n)
	}
	// One write of the budget each: the third write is the last.
	f.mustAdd(t, "ann", "the third write", "")
	_, _, err = f.add(t, "ann", "a fourth", "")
	wantCode(t, err, todo.RateLimited)
}
