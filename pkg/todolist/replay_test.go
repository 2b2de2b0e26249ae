package todolist_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// TestReplaysCostNoWrites: with a budget of one write an hour, one add
// retried 16 times with its Idempotency-Key gets 16 answers (the first,
// then 15 replays); a fresh key the budget refuses leaves no trace, so its
// retry after the refill is a first request.
func TestReplaysCostNoWrites(t *testing.T) {
	f := newFixture(t, 0, limit.Budget{Max: 1, Window: time.Hour})
	first, replayed, err := f.add(t, "ann", "Buy milk", "k1")
	if err != nil || replayed {
		t.Fatalf("first: replayed %v, err %v", replayed, err)
	}
	for i := range 15 {
		again, replayed, err := f.add(t, "ann", "Buy milk", "k1")
		if err != nil || !replayed {
			t.Fatalf("retry %d: replayed %v, err %v", i+1, replayed, err)
		}
		sameAnswer(t, again, first)
	}
	_, _, err = f.add(t, "ann", "Buy bread", "k2")
	wantCode(t, err, todo.RateLimited) // a new todo pays, and the budget is spent
	f.clock.Advance(time.Hour)
	got, replayed, err := f.add(t, "ann", "Buy bread", "k2")
	if err != nil || replayed || got.Title != "Buy bread" {
		t.Fatalf("k2 after the refill: %+v, replayed %v, err %v", got, replayed, err)
	}
	if n := f.stored(t, "ann"); n != 2 {
		t.Fatalf("%d todos stored, want 2", n)
	}
}

// TestReplayThatStoresPays: a replay of a key whose first request failed
// before it stored the todo stores it, and that write pays.
func TestReplayThatStoresPays(t *testing.T) {
	f := newFixture(t, 0, limit.Budget{Max: 2, Window: time.Hour})
	f.todos.create = func(context.Context, *bolt.Store, *todo.Todo) error { return errLost }
	_, _, err := f.add(t, "ann", "Buy milk", "k1") // write 1: claimed, never stored
	if err == nil {
		t.Fatal("the failing store stored it")
	}
	f.todos.create = nil
	if _, _, err := f.add(t, "ann", "Buy milk", "k1"); err != nil { // write 2: the replay stores it
		t.Fatal(err)
	}
	if atomicMode {
		// The atomic write that failed stored nothing, its take included:
		// one write is left.
		if _, _, err := f.add(t, "ann", "Buy eggs", ""); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = f.add(t, "ann", "Buy bread", "")
	wantCode(t, err, todo.RateLimited)
	if _, replayed, err := f.add(t, "ann", "Buy milk", "k1"); err != nil || !replayed { // stored: free
		t.Fatalf("replay: %v, %v", replayed, err)
	}
}

// TestParallelRetriesOfOneKey: 16 retries of one add at once all answer
// the same todo, and one todo is stored. (The write budget is off: retries
// that find the first request's claim before its todo is stored pay for a
// write of their own, and the limiter's optimistic retries may refuse some
// of them under contention until its counters are atomic.)
func TestParallelRetriesOfOneKey(t *testing.T) {
	f := newFixture(t, 0, limit.Budget{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]int{}
	for range 16 {
		wg.Go(func() {
			got, _, err := f.add(t, "ann", "Buy milk", "k1")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				ids["error: "+err.Error()]++
				return
			}
			ids[got.ID]++
		})
	}
	wg.Wait()
	if len(ids) != 1 || f.stored(t, "ann") != 1 {
		t.Fatalf("answers %v, %d stored: want one todo for all 16", ids, f.stored(t, "ann"))
	}
}
