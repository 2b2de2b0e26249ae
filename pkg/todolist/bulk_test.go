package todolist_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// batchClock is the fixture's store with each bulk batch taking step on
// the fixture's clock (a func field's worth of mock), and a failure a
// batch can be made to end with after its writes.
type batchClock struct {
	*flaky
	clock   *clock
	step    time.Duration
	batches int
	fail    error // returned by ClearTodos after it deleted
}

func (b *batchClock) ClearTodos(ctx context.Context, userID string, todos []todo.Todo) (int, error) {
	b.batches++
	b.clock.Advance(b.step)
	n, err := b.flaky.ClearTodos(ctx, userID, todos)
	if err == nil {
		err = b.fail
	}
	return n, err
}

func (b *batchClock) MarkTodos(ctx context.Context, userID string, todos []todo.Todo, done bool, at time.Time) (int, error) {
	b.batches++
	b.clock.Advance(b.step)
	return b.flaky.MarkTodos(ctx, userID, todos, done, at)
}

func bulkFixture(t *testing.T, quota int, writes limit.Budget, step time.Duration) (*fixture, *batchClock) {
	t.Helper()
	f := newFixture(t, quota, writes)
	b := &batchClock{flaky: f.todos, clock: f.clock, step: step}
	f.svc.Todos = b
	f.svc.BulkBatch = 3
	return f, b
}

// deadline is a context whose deadline is d after the fixture's clock
// reads now (the clock starts at the real time, so it is a real deadline
// a little later than that).
func deadline(t *testing.T, f *fixture, d time.Duration) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), f.clock.Now().Add(d))
	t.Cleanup(cancel)
	return ctx
}

// TestBulkStopsBeforeTheDeadline: a bulk call starts no batch with less
// than the margin (2 s) or twice its longest batch left, answers more,
// and the calls that follow finish the job; the first batch always runs.
func TestBulkStopsBeforeTheDeadline(t *testing.T) {
	f, b := bulkFixture(t, 0, limit.Budget{}, 3*time.Second)
	for i := range 10 {
		if _, _, err := f.svc.Add(context.Background(), "ann", todo.TodoInput{Title: ptr(fmt.Sprint("t", i)), Done: ptr(true)}, ""); err != nil {
			t.Fatal(err)
		}
	}
	// 10 s left: a batch at 10 s left, one at 7 s; at 4 s left less than
	// twice the longest batch (3 s) is left.
	res, err := f.svc.Clear(deadline(t, f, 10*time.Second), "ann")
	if err != nil || res != (todo.BulkResult{Changed: 6, More: true}) || b.batches != 2 {
		t.Fatalf("Clear = %+v, %v after %d batches; want 6 changed, more, 2 batches", res, err, b.batches)
	}
	// Less than the margin left: the first batch still runs.
	res, err = f.svc.Clear(deadline(t, f, time.Second), "ann")
	if err != nil || res != (todo.BulkResult{Changed: 3, More: true}) {
		t.Fatalf("Clear near the deadline = %+v, %v; want one batch of 3, more", res, err)
	}
	res, err = f.svc.Clear(deadline(t, f, 10*time.Second), "ann")
	if err != nil || res != (todo.BulkResult{Changed: 1, More: false}) {
		t.Fatalf("the last Clear = %+v, %v; want 1 changed, no more", res, err)
	}
	if n := f.stored(t, "ann"); n != 0 {
		t.Fatalf("%d todos left", n)
	}

	// MarkAll the same way, without a deadline: all in one call.
	for i := range 7 {
		f.mustAdd(t, "ann", fmt.Sprint("u", i), "")
	}
	res, err = f.svc.MarkAll(context.Background(), "ann", true)
	if err != nil || res != (todo.BulkResult{Changed: 7, More: false}) {
		t.Fatalf("MarkAll = %+v, %v; want 7, no more", res, err)
	}
}

// TestBulkOneWrite: a bulk call is one write of the owner's write budget,
// however many todos it changes; a spent budget refuses it with
// RateLimited before it changes anything.
func TestBulkOneWrite(t *testing.T) {
	f, _ := bulkFixture(t, 0, limit.Budget{Max: 12, Window: time.Hour}, 0)
	for i := range 10 { // 10 writes
		if _, _, err := f.svc.Add(context.Background(), "ann", todo.TodoInput{Title: ptr(fmt.Sprint("t", i)), Done: ptr(i%2 == 0)}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := f.svc.MarkAll(context.Background(), "ann", true); err != nil || res.Changed != 5 { // 11
		t.Fatalf("MarkAll = %+v, %v", res, err)
	}
	if res, err := f.svc.Clear(context.Background(), "ann"); err != nil || res.Changed != 10 { // 12
		t.Fatalf("Clear = %+v, %v", res, err)
	}
	_, err := f.svc.MarkAll(context.Background(), "ann", false)
	wantCode(t, err, todo.RateLimited)
}

// TestClearGivesSlotsBackAndMarksDeleted: Clear gives each deleted todo's
// slot of the quota back, also when a batch fails after its writes (the
// slots of the todos it deleted), and a deleted todo's Idempotency-Key
// replay answers the first call without bringing the todo back.
func TestClearGivesSlotsBackAndMarksDeleted(t *testing.T) {
	f, b := bulkFixture(t, 5, limit.Budget{}, 0)
	ctx := context.Background()
	first, _, err := f.svc.Add(ctx, "ann", todo.TodoInput{Title: ptr("milk"), Done: ptr(true)}, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, _, err := f.svc.Add(ctx, "ann", todo.TodoInput{Title: ptr(fmt.Sprint("t", i)), Done: ptr(i < 2)}, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = f.add(t, "ann", "full", "")
	wantCode(t, err, todo.QuotaExceeded)

	b.fail = errLost
	if _, err := f.svc.Clear(ctx, "ann"); err == nil {
		t.Fatal("Clear with a failing batch: no error")
	}
	if got, want := f.count(t, "ann"), f.stored(t, "ann"); got != want || want != 2 {
		t.Fatalf("after a failed Clear the counter holds %d with %d todos stored, want 2 and 2", got, want)
	}
	b.fail = nil
	again, replayed, err := f.svc.Add(ctx, "ann", todo.TodoInput{Title: ptr("milk"), Done: ptr(true)}, "key-1")
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("replay of key-1: %+v, %v, %v", again, replayed, err)
	}
	if n := f.stored(t, "ann"); n != 2 {
		t.Fatalf("the replay brought a cleared todo back: %d stored", n)
	}
	for i := range 3 {
		f.mustAdd(t, "ann", fmt.Sprint("room ", i), "")
	}
	_, _, err = f.add(t, "ann", "full again", "")
	wantCode(t, err, todo.QuotaExceeded)
}
