package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// runAtomic runs the todo.AtomicWriter cases; an engine without it skips
// them (the service makes its calls one by one there).
func runAtomic(t *testing.T, open Opener) {
	t.Run("AtomicAllOrNone", func(t *testing.T) { testAtomicAllOrNone(t, open) })
	t.Run("AtomicConditions", func(t *testing.T) { testAtomicConditions(t, open) })
	t.Run("AtomicMalformed", func(t *testing.T) { testAtomicMalformed(t, open) })
	t.Run("AtomicConcurrent", func(t *testing.T) { testAtomicConcurrent(t, open) })
}

// atomicWriter returns s as a todo.AtomicWriter, or skips t.
func atomicWriter(t *testing.T, s todo.Store) todo.AtomicWriter {
	t.Helper()
	a, ok := s.(todo.AtomicWriter)
	if !ok {
		t.Skip("the engine has no todo.AtomicWriter")
	}
	return a
}

// refused fails t unless err is a *todo.Refusal naming exactly failed.
func refused(t *testing.T, err error, failed ...int) {
	t.Helper()
	var r *todo.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("AtomicWrite = %v, want a refusal of writes %v", err, failed)
	}
	if !slices.Equal(r.Failed, failed) {
		t.Fatalf("refusal names writes %v, want %v", r.Failed, failed)
	}
}

// count reads the counter under key (0 when missing or expired).
func count(t *testing.T, s todo.Store, key string) int64 {
	t.Helper()
	n, _, err := s.AddCount(context.Background(), key, 0, 0, 1<<40, time.Time{})
	mustNil(t, err)
	return n
}

// testAtomicAllOrNone: one failed condition among several writes applies
// none of them, and the refusal names it; the same writes with the
// condition met apply all of them, in the records the single calls read.
func testAtomicAllOrNone(t *testing.T, open Opener) {
	clk := NewClock()
	s, ctx := open(t, clk.Now), context.Background()
	a := atomicWriter(t, s)
	uid := ulid.Make().String()
	old := NewTodo(uid, "old", 0)
	mustNil(t, s.CreateTodo(ctx, old))
	gone := NewTodo(uid, "to delete", time.Millisecond)
	mustNil(t, s.CreateTodo(ctx, gone))
	exp := clk.Now().Add(time.Hour)
	_, _, err := s.AddCount(ctx, "quota", 3, 0, 10, exp)
	mustNil(t, err)
	_, _, err = s.AddCount(ctx, "stamp", 3, 0, 10, exp)
	mustNil(t, err)

	fresh := NewTodo(uid, "fresh", 2*time.Millisecond)
	edited := *old
	edited.Title, edited.Done = "edited", true
	stale := edited
	stale.Version = 7
	ws := func(upd todo.Todo) []todo.Write {
		return []todo.Write{
			todo.CountWrite("budget", 1, 0, 5, exp, true),
			todo.CountWrite("quota", 1, 1, 10, exp, false),
			todo.CreateWrite(fresh),
			todo.UpdateWrite(&upd),
			todo.DeleteWrite(uid, gone.ID, gone.Version),
			todo.CheckCountWrite("stamp", 3),
			todo.ClaimWrite("idem:"+uid+":k", "done", exp),
		}
	}
	refused(t, a.AtomicWrite(ctx, ws(stale)), 3)
	// Nothing applied.
	wantCode(t, func() error { _, err := s.Todo(ctx, uid, fresh.ID); return err }(), todo.NotFound)
	storedTodo(t, ctx, s, old)
	storedTodo(t, ctx, s, gone)
	if n := count(t, s, "budget"); n != 0 {
		t.Fatalf("budget after the refusal = %d, want 0", n)
	}
	if n := count(t, s, "quota"); n != 3 {
		t.Fatalf("quota after the refusal = %d, want 3", n)
	}
	if held, ok, err := s.Claim(ctx, "idem:"+uid+":k", "probe", exp); err != nil || !ok || held != "probe" {
		t.Fatalf("the refused claim holds its key: %q, %v, %v", held, ok, err)
	}
	mustNil(t, s.Release(ctx, "idem:"+uid+":k"))

	mustNil(t, a.AtomicWrite(ctx, ws(edited)))
	fresh.Version = 1
	storedTodo(t, ctx, s, fresh)
	edited.Version = 2
	storedTodo(t, ctx, s, &edited)
	wantCode(t, func() error { _, err := s.Todo(ctx, uid, gone.ID); return err }(), todo.NotFound)
	if n := count(t, s, "budget"); n != 1 {
		t.Fatalf("budget = %d, want 1", n)
	}
	if n := count(t, s, "quota"); n != 4 {
		t.Fatalf("quota = %d, want 4", n)
	}
	if held, fresh, err := s.Claim(ctx, "idem:"+uid+":k", "other", exp); err != nil || fresh || held != "done" {
		t.Fatalf("claim after the write: %q, fresh %v, %v; want done, held", held, fresh, err)
	}
	// Every failed condition is named, in order: the budget is no longer
	// low, the todo exists, the update (now at version 2) holds, the
	// deleted todo is gone, the stamp moved, the key is held. Still
	// nothing applied.
	_, _, err = s.AddCount(ctx, "stamp", 1, 0, 10, exp)
	mustNil(t, err)
	refused(t, a.AtomicWrite(ctx, ws(edited)), 0, 2, 4, 5, 6)
	storedTodo(t, ctx, s, &edited)
	if n := count(t, s, "budget"); n != 1 {
		t.Fatalf("budget after the second refusal = %d, want 1", n)
	}
}

// testAtomicConditions checks each kind of write's condition alone: the
// cases of the store call it names.
func testAtomicConditions(t *testing.T, open Opener) {
	clk := NewClock()
	s, ctx := open(t, clk.Now), context.Background()
	a := atomicWriter(t, s)
	uid := ulid.Make().String()
	hour := clk.Now().Add(time.Hour)
	td := NewTodo(uid, "there", 0)
	mustNil(t, s.CreateTodo(ctx, td))
	// Counters: "live" holds 5; "expired" held 5 and expired; none under "none".
	_, _, err := s.AddCount(ctx, "live", 5, 0, 100, hour)
	mustNil(t, err)
	_, _, err = s.AddCount(ctx, "expired", 5, 0, 100, clk.Now().Add(time.Second))
	mustNil(t, err)
	_, _, err = s.Claim(ctx, "held", "x", hour)
	mustNil(t, err)
	_, _, err = s.Claim(ctx, "lapsed", "x", clk.Now().Add(time.Second))
	mustNil(t, err)
	clk.Advance(2 * time.Second)

	at := func(v int64) *todo.Todo { c := *td; c.Version = v; return &c }
	cases := []struct {
		name  string
		w     todo.Write
		holds bool
		key   string // the counter to read after a write that holds
		want  int64
	}{
		{"create on a taken ID", todo.CreateWrite(td), false, "", 0},
		{"create on a free ID", todo.CreateWrite(NewTodo(uid, "new", time.Millisecond)), true, "", 0},
		{"update at another version", todo.UpdateWrite(at(2)), false, "", 0},
		{"update of a missing todo", todo.UpdateWrite(NewTodo(uid, "none", 2*time.Millisecond)), false, "", 0},
		{"delete at another version", todo.DeleteWrite(uid, td.ID, 2), false, "", 0},
		{"delete of a missing todo", todo.DeleteWrite(uid, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 0), false, "", 0},
		{"delete of another owner's todo", todo.DeleteWrite("someone-else", td.ID, 0), false, "", 0},
		{"in range: a live count", todo.CountWrite("live", 2, 0, 10, hour, false), true, "live", 7},
		{"in range: beyond the ceiling", todo.CountWrite("live", 4, 0, 10, hour, false), false, "live", 7},
		{"in range: below the floor", todo.CountWrite("live", -1, 7, 10, hour, false), false, "live", 7},
		{"in range: a count below the floor", todo.CountWrite("live", 1, 8, 10, hour, false), false, "live", 7},
		{"in range: a give", todo.CountWrite("live", -3, 0, 10, hour, false), true, "live", 4},
		{"in range: missing", todo.CountWrite("none", 1, 0, 10, hour, false), false, "none", 0},
		{"in range: expired", todo.CountWrite("expired", 1, 0, 10, hour, false), false, "expired", 0},
		{"low: a live count in range", todo.CountWrite("live", 1, 0, 10, hour, true), false, "live", 4},
		{"low: a count below the floor", todo.CountWrite("live", 1, 6, 10, hour, true), true, "live", 7},
		{"low: expired", todo.CountWrite("expired", 1, 3, 10, hour, true), true, "expired", 4},
		{"low: missing", todo.CountWrite("none", 2, 0, 10, hour, true), true, "none", 2},
		{"low: no room over the floor", todo.CountWrite("fresh", 3, 8, 10, hour, true), false, "fresh", 0},
		{"check: the count held", todo.CheckCountWrite("live", 7), true, "live", 7},
		{"check: another count", todo.CheckCountWrite("live", 6), false, "live", 7},
		{"check: missing", todo.CheckCountWrite("gone", 0), false, "", 0},
		{"claim: held", todo.ClaimWrite("held", "y", hour), false, "", 0},
		{"claim: expired", todo.ClaimWrite("lapsed", "y", hour), true, "", 0},
		{"claim: free", todo.ClaimWrite("free", "y", hour), true, "", 0},
		{"delete at any version", todo.DeleteWrite(uid, td.ID, 0), true, "", 0},
	}
	for _, c := range cases {
		err := a.AtomicWrite(ctx, []todo.Write{c.w})
		if c.holds {
			if err != nil {
				t.Fatalf("%s: %v, want it applied", c.name, err)
			}
		} else {
			var r *todo.Refusal
			if !errors.As(err, &r) || !slices.Equal(r.Failed, []int{0}) {
				t.Fatalf("%s: %v, want a refusal of write 0", c.name, err)
			}
		}
		if c.key != "" {
			if n := count(t, s, c.key); n != c.want {
				t.Fatalf("%s: counter %s = %d, want %d", c.name, c.key, n, c.want)
			}
		}
	}
	// What the applied claims and the delete left, as the single calls read it.
	for _, k := range []string{"lapsed", "free"} {
		if held, fresh, err := s.Claim(ctx, k, "z", hour); err != nil || fresh || held != "y" {
			t.Fatalf("claim %s = %q, fresh %v, %v; want y held", k, held, fresh, err)
		}
	}
	wantCode(t, func() error { _, err := s.Todo(ctx, uid, td.ID); return err }(), todo.NotFound)
}

// testAtomicMalformed: an empty list, one over MaxAtomicWrites and two
// writes on one record are errors, not refusals, and change nothing.
func testAtomicMalformed(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	a := atomicWriter(t, s)
	exp := time.Now().Add(time.Hour)
	many := make([]todo.Write, todo.MaxAtomicWrites+1)
	for i := range many {
		many[i] = todo.CountWrite(fmt.Sprint("c", i), 1, 0, 10, exp, true)
	}
	for name, ws := range map[string][]todo.Write{
		"none":     nil,
		"too many": many,
		"one record twice": {todo.CountWrite("c0", 1, 0, 10, exp, true),
			todo.CheckCountWrite("c0", 0)},
	} {
		err := a.AtomicWrite(ctx, ws)
		var r *todo.Refusal
		if err == nil || errors.As(err, &r) {
			t.Fatalf("%s: AtomicWrite = %v, want an error that is no refusal", name, err)
		}
	}
	if n := count(t, s, "c0"); n != 0 {
		t.Fatalf("a malformed write counted: %d", n)
	}
}

// testAtomicConcurrent races atomic writes that each take one slot of a
// counter and create a todo: the counter never passes its ceiling, every
// todo stored has its slot and every slot its todo, and a write is refused
// only for the ceiling (or retried after a contention refusal, which
// applied nothing).
func testAtomicConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	a := atomicWriter(t, s)
	uid := ulid.Make().String()
	exp := time.Now().Add(time.Hour)
	const ceiling, writers = 11, 24
	_, _, err := s.AddCount(ctx, "slots", 1, 0, ceiling, exp) // counted: 1 is "none taken"
	mustNil(t, err)
	var won, full, contended atomic.Int32
	errs := race(writers, func(i int) error {
		td := NewTodo(uid, fmt.Sprint("racer ", i), time.Duration(i)*time.Millisecond)
		for range 50 {
			err := a.AtomicWrite(ctx, []todo.Write{todo.CountWrite("slots", 1, 1, ceiling, exp, false), todo.CreateWrite(td)})
			var r *todo.Refusal
			switch {
			case err == nil:
				won.Add(1)
				return nil
			case errors.As(err, &r) && len(r.Failed) == 0:
				contended.Add(1)
				continue
			case errors.As(err, &r) && slices.Equal(r.Failed, []int{0}):
				full.Add(1)
				return nil
			}
			return err
		}
		return fmt.Errorf("racer %d: contended 50 times", i)
	})
	for _, err := range errs {
		mustNil(t, err)
	}
	if won.Load() != ceiling-1 || full.Load() != writers-(ceiling-1) {
		t.Fatalf("%d writes applied, %d refused at the ceiling (%d contention refusals); want %d and %d",
			won.Load(), full.Load(), contended.Load(), ceiling-1, writers-(ceiling-1))
	}
	if n := count(t, s, "slots"); n != ceiling {
		t.Fatalf("counter = %d, want %d", n, ceiling)
	}
	page, err := s.Todos(ctx, uid, todo.TodoQuery{Limit: todo.MaxPageSize})
	mustNil(t, err)
	if len(page.Items) != ceiling-1 {
		t.Fatalf("%d todos stored, want %d: one per slot", len(page.Items), ceiling-1)
	}
	t.Logf("%d contention refusals", contended.Load())
}

// testAtomicLostAnswer: an atomic write whose answer is lost after the
// store applied it reports success (not a refusal of its own writes), and
// each of its writes was applied once.
func testAtomicLostAnswer(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	a := atomicWriter(t, s)
	exp := time.Now().Add(time.Hour)
	td := NewTodo("u-lost", "buy milk", 0)
	_, _, err := s.AddCount(ctx, "quota:u-lost", 1, 0, 10, exp)
	mustNil(t, err)
	check := loseNext(t, s)
	mustNil(t, a.AtomicWrite(ctx, []todo.Write{
		todo.CountWrite("quota:u-lost", 1, 1, 10, exp, false),
		todo.CountWrite("writes:u-lost", 1, 5, 10, exp, true),
		todo.CreateWrite(td),
		todo.ClaimWrite("idem:u-lost:k", "done", exp),
	}))
	check()
	td.Version = 1
	storedTodo(t, ctx, s, td)
	if q, w := count(t, s, "quota:u-lost"), count(t, s, "writes:u-lost"); q != 2 || w != 6 {
		t.Fatalf("counters after a lost answer: %d and %d, want 2 and 6 (each counted once)", q, w)
	}
	if held, fresh, err := s.Claim(ctx, "idem:u-lost:k", "other", exp); err != nil || fresh || held != "done" {
		t.Fatalf("claim = %q, fresh %v, %v; want done, held", held, fresh, err)
	}
}
