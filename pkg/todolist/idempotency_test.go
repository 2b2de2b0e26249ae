package todolist_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// sameAnswer fails unless got is the todo want answered with, to the field.
func sameAnswer(t *testing.T, got, want *todo.Todo) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.Done != want.Done ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("replay answered %+v, the first call %+v", got, want)
	}
}

func TestReplayAnswersTheFirstAnswer(t *testing.T) {
	f := newFixture(t, 10, limit.Budget{})
	ctx := context.Background()
	first, replayed, err := f.add(t, "ann", "Buy milk", "k1")
	if err != nil || replayed {
		t.Fatalf("first: replayed %v, err %v", replayed, err)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.svc.Update(ctx, "ann", first.ID, todo.TodoInput{Title: ptr("Buy oat milk"), Done: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	again, replayed, err := f.add(t, "ann", "Buy milk", "k1")
	if err != nil || !replayed {
		t.Fatalf("after an update: replayed %v, err %v", replayed, err)
	}
	sameAnswer(t, again, first)

	if err := f.svc.Delete(ctx, "ann", first.ID); err != nil {
		t.Fatal(err)
	}
	again, replayed, err = f.add(t, "ann", "Buy milk", "k1")
	if err != nil || !replayed {
		t.Fatalf("after a delete: replayed %v, err %v", replayed, err)
	}
	sameAnswer(t, again, first)
	if n := f.stored(t, "ann"); n != 0 {
		t.Fatalf("the replay after the delete stored %d todos, want none", n)
	}
	if c := f.count(t, "ann"); c != 0 {
		t.Fatalf("counter %d, want 0", c)
	}
	_, _, err = f.add(t, "ann", "Buy bread", "k1")
	wantCode(t, err, todo.IdempotencyKeyReused)
	if other := f.mustAdd(t, "bob", "Buy milk", "k1"); other.ID == first.ID {
		t.Fatal("one key of two owners is one key")
	}
}

func TestReplayAfterTheFirstFailedStoresIt(t *testing.T) {
	f := newFixture(t, 10, limit.Budget{})
	f.todos.create = func(context.Context, *bolt.Store, *todo.Todo) error { return errLost } // nothing stored
	_, _, err := f.add(t, "ann", "Buy milk", "k1")
	wantCode(t, err, todo.Internal)
	f.todos.create = nil

	made, replayed, err := f.add(t, "ann", "Buy milk", "k1")
	if err != nil || replayed {
		t.Fatalf("the retry that stores it: replayed %v, err %v", replayed, err)
	}
	if n := f.stored(t, "ann"); n != 1 {
		t.Fatalf("stored %d, want 1", n)
	}
	again, replayed, err := f.add(t, "ann", "Buy milk", "k1")
	if err != nil || !replayed {
		t.Fatalf("the next retry: replayed %v, err %v", replayed, err)
	}
	sameAnswer(t, again, made)
	if n := f.stored(t, "ann"); n != 1 {
		t.Fatalf("stored %d, want 1", n)
	}
}

func TestReplayAfterQuotaExceededStoresItWhenThereIsRoom(t *testing.T) {
	f := newFixture(t, 1, limit.Budget{})
	ctx := context.Background()
	one := f.mustAdd(t, "ann", "one", "")
	_, _, err := f.add(t, "ann", "two", "k2")
	wantCode(t, err, todo.QuotaExceeded)
	_, _, err = f.add(t, "ann", "two", "k2")
	wantCode(t, err, todo.QuotaExceeded)
	if err := f.svc.Delete(ctx, "ann", one.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.add(t, "ann", "two", "k2"); err != nil {
		t.Fatal(err)
	}
}

// The first call stored the todo but died before it could remember that;
// the owner deleted the todo; the retry must not bring it back.
func TestReplayOfAnUnsettledKeyAfterADelete(t *testing.T) {
	f := newFixture(t, 10, limit.Budget{})
	ctx := context.Background()
	var first todo.Todo
	f.todos.create = func(ctx context.Context, st *bolt.Store, td *todo.Todo) error {
		if err := st.CreateTodo(ctx, td); err != nil {
			return err
		}
		first = *td
		return errLost // stored, but the answer is lost
	}
	_, _, err := f.add(t, "ann", "Buy milk", "k1")
	wantCode(t, err, todo.Internal)
	f.todos.create = nil

	if err := f.svc.Delete(ctx, "ann", first.ID); err != nil {
		t.Fatal(err)
	}
	again, replayed, err := f.add(t, "ann", "Buy milk", "k1")
	if err != nil || !replayed {
		t.Fatalf("replayed %v, err %v", replayed, err)
	}
	sameAnswer(t, again, &first)
	if n := f.stored(t, "ann"); n != 0 {
		t.Fatalf("the deleted todo came back: %d stored", n)
	}
}

// The todo is deleted (by its ID) before the retry stores it: the retry
// finds the mark after its write and takes the todo back.
func TestReplayStoringADeletedTodoTakesItBack(t *testing.T) {
	f := newFixture(t, 10, limit.Budget{})
	ctx := context.Background()
	var id string
	f.todos.create = func(_ context.Context, _ *bolt.Store, td *todo.Todo) error { id = td.ID; return errLost } // nothing stored
	_, _, err := f.add(t, "ann", "Buy milk", "k1")
	wantCode(t, err, todo.Internal)
	f.todos.create = nil
	wantCode(t, f.svc.Delete(ctx, "ann", id), todo.NotFound) // marks it all the same

	again, replayed, err := f.add(t, "ann", "Buy milk", "k1")
	if atomicMode {
		// The atomic write that failed stored nothing, its claim included:
		// the retry is a first request, with a todo of its own.
		if err != nil || replayed || again.ID == id {
			t.Fatalf("replayed %v, id %s (the deleted one: %s), err %v", replayed, again.ID, id, err)
		}
		if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 1 || c != 1 {
			t.Fatalf("stored %d, counter %d; want 1 and 1", n, c)
		}
		return
	}
	if err != nil || !replayed || again.ID != id {
		t.Fatalf("replayed %v, id %s (want %s), err %v", replayed, again.ID, id, err)
	}
	// The first write's outcome was unknown, so its slot stays taken until
	// a recount: too high, never too low.
	if n, c := f.stored(t, "ann"), f.count(t, "ann"); n != 0 || c != 1 {
		t.Fatalf("stored %d, counter %d; want 0 and 1", n, c)
	}
}

// A key claimed by an earlier version holds "<id> <fingerprint>".
func TestLegacyRecord(t *testing.T) {
	f := newFixture(t, 10, limit.Budget{})
	ctx := context.Background()
	made := f.mustAdd(t, "ann", "Buy milk", "")
	sum := sha256.Sum256([]byte("false\x00Buy milk"))
	fp := hex.EncodeToString(sum[:8])
	if _, _, err := f.store.Claim(ctx, "idem:ann:old", made.ID+" "+fp, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, replayed, err := f.add(t, "ann", "Buy milk", "old")
	if err != nil || !replayed || got.ID != made.ID {
		t.Fatalf("legacy replay: %+v, replayed %v, err %v", got, replayed, err)
	}
	_, _, err = f.add(t, "ann", "Buy bread", "old")
	wantCode(t, err, todo.IdempotencyKeyReused)
}
