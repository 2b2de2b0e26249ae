package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/todolist"
)

// The bulk changes of issue 18 (ClearTodos, MarkTodos) on every engine:
// each todo changed only at the version read, a bulk change racing single
// edits, exact counts after concurrent adds, deletes and bulk changes, and
// the quota's count of todos (package todolist, on this engine) staying
// exact through them.

// runBulk runs the cases of this file.
func runBulk(t *testing.T, open Opener) {
	t.Run("BulkTodos", func(t *testing.T) { testBulkTodos(t, open) })
	t.Run("BulkRacesSingleEdits", func(t *testing.T) { testBulkRacesSingleEdits(t, open) })
	t.Run("BulkCountsConcurrent", func(t *testing.T) { testBulkCountsConcurrent(t, open) })
	t.Run("BulkQuotaExact", func(t *testing.T) { testBulkQuotaExact(t, open) })
}

// addTodos stores n todos of uid, the even ones done, dated from at on.
func addTodos(t *testing.T, s todo.Store, uid string, n int, at time.Duration) []*todo.Todo {
	t.Helper()
	out := make([]*todo.Todo, n)
	for i := range n {
		td := NewTodo(uid, fmt.Sprint("todo ", i), at+time.Duration(i)*time.Millisecond)
		td.Done = i%2 == 0
		mustNil(t, todoCreate(s, td))
		out[i] = td
	}
	return out
}

func todoCreate(s todo.Store, td *todo.Todo) error { return s.CreateTodo(context.Background(), td) }

// doneOnes lists the owner's todos whose Done is done, all of them.
func doneOnes(t *testing.T, s todo.Store, uid string, done bool) []todo.Todo {
	t.Helper()
	return pageAll(t, s, uid, todo.TodoQuery{Limit: todo.MaxPageSize, Done: &done}, 100)
}

func testBulkTodos(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	ann, bob := ulid.Make().String(), ulid.Make().String()
	tds := addTodos(t, s, ann, 6, 0) // 0, 2, 4 done
	bobs := addTodos(t, s, bob, 2, time.Second)

	// A stale version, a missing todo and another owner's todo are skipped.
	done := doneOnes(t, s, ann, true)
	if len(done) != 3 {
		t.Fatalf("%d done todos, want 3", len(done))
	}
	stale := done[0]
	stale.Version++
	missing := *NewTodo(ann, "never stored", time.Hour)
	missing.Version = 1
	batch := []todo.Todo{stale, done[1], done[2], missing, *bobs[0]}
	n, err := s.ClearTodos(ctx, ann, batch)
	mustNil(t, err)
	if n != 2 {
		t.Fatalf("ClearTodos deleted %d, want 2 (a stale version, a missing todo and bob's are skipped)", n)
	}
	wantCode(t, func() error { _, err := s.Todo(ctx, ann, done[1].ID); return err }(), todo.NotFound)
	storedTodo(t, ctx, s, tds[4]) // done[0], the stale one, is the newest done todo
	storedTodo(t, ctx, s, bobs[0])
	wantCounts(t, s, ann, 3, 1)
	n, err = s.ClearTodos(ctx, ann, nil)
	mustNil(t, err)
	if n != 0 {
		t.Fatalf("ClearTodos of nothing changed %d", n)
	}

	// MarkTodos moves each todo it changes to the next version, with Done
	// and UpdatedAt set and nothing else changed.
	active := doneOnes(t, s, ann, false)
	at := now.Add(time.Hour)
	stale = active[0]
	stale.Version = 7
	n, err = s.MarkTodos(ctx, ann, append([]todo.Todo{stale, *bobs[1]}, active[1:]...), true, at)
	mustNil(t, err)
	if n != 2 {
		t.Fatalf("MarkTodos changed %d, want 2", n)
	}
	for _, a := range active[1:] {
		want := a
		want.Done, want.UpdatedAt, want.Version = true, at, a.Version+1
		storedTodo(t, ctx, s, &want)
	}
	storedTodo(t, ctx, s, &active[0])
	storedTodo(t, ctx, s, bobs[1])
	wantCounts(t, s, ann, 1, 3)
	n, err = s.MarkTodos(ctx, ann, doneOnes(t, s, ann, true), false, at)
	mustNil(t, err)
	if n != 3 {
		t.Fatalf("MarkTodos(false) changed %d, want 3", n)
	}
	wantCounts(t, s, ann, 4, 0)
}

// testBulkRacesSingleEdits: ClearTodos and MarkTodos race single
// UpdateTodos on the same todos, all on the versions read before. Each
// todo is won by exactly one side: a todo un-ticked by a single edit is
// never deleted, a renamed one is not marked, and the counts the bulk
// calls return are the todos they changed.
func testBulkRacesSingleEdits(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	const n = 24
	for round := range 3 {
		tds := addTodos(t, s, uid, n, time.Duration(round)*time.Hour)
		for _, td := range tds {
			if !td.Done {
				td.Done = true
				mustNil(t, s.UpdateTodo(ctx, td))
			}
		}
		read := doneOnes(t, s, uid, true)
		if len(read) != n {
			t.Fatalf("round %d: %d done todos, want %d", round, len(read), n)
		}
		clear := round != 1 // round 1 marks them active instead
		var bulkN int
		errs := race(n+1, func(i int) error {
			if i == n {
				var err error
				if clear {
					bulkN, err = s.ClearTodos(ctx, uid, read)
				} else {
					bulkN, err = s.MarkTodos(ctx, uid, read, false, now)
				}
				return err
			}
			if i%3 != 0 {
				return nil
			}
			c := read[i]
			c.Done, c.Title = false, "edited"
			return s.UpdateTodo(ctx, &c)
		})
		mustNil(t, errs[n])
		edits := 0
		for i := 0; i < n; i += 3 {
			switch todo.ErrorCode(errs[i]) {
			case "":
				edits++
				got, err := s.Todo(ctx, uid, read[i].ID)
				if err != nil || got.Title != "edited" || got.Done {
					t.Fatalf("round %d: a todo un-ticked by a single edit is %+v, %v after the bulk change", round, got, err)
				}
			case todo.Conflict, todo.NotFound:
			default:
				t.Fatalf("round %d: single edit: %v", round, errs[i])
			}
		}
		if bulkN+edits != n {
			t.Fatalf("round %d: bulk changed %d and %d single edits won, want %d in all", round, bulkN, edits, n)
		}
		left := pageAll(t, s, uid, todo.TodoQuery{Limit: todo.MaxPageSize}, 100)
		if clear {
			if len(left) != n-bulkN {
				t.Fatalf("round %d: %d todos left after ClearTodos deleted %d of %d", round, len(left), bulkN, n)
			}
		} else {
			wantCounts(t, s, uid, n, 0)
		}
		for _, td := range left {
			mustNil(t, s.DeleteTodo(ctx, uid, td.ID))
		}
	}
}

// testBulkCountsConcurrent: adds, single deletes, ClearTodos and MarkTodos
// run at once; the counts read afterwards are exact.
func testBulkCountsConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	olds := addTodos(t, s, uid, 40, 0) // 20 done, 20 active
	done := doneOnes(t, s, uid, true)
	active := doneOnes(t, s, uid, false) // newest first: olds 39, 37, ..., 1
	const adders, adds, deleters = 4, 5, 5
	var cleared, marked [2]int
	errs := race(adders+deleters+4, func(w int) error {
		switch {
		case w < adders:
			for i := range adds {
				if err := todoCreate(s, NewTodo(uid, fmt.Sprintf("new %d.%d", w, i), time.Hour+time.Duration(w*adds+i)*time.Millisecond)); err != nil {
					return err
				}
			}
			return nil
		case w < adders+deleters: // deletes active olds 1, 3, ..., 9
			return s.DeleteTodo(ctx, uid, olds[2*(w-adders)+1].ID)
		case w < adders+deleters+2:
			k := w - adders - deleters
			var err error
			cleared[k], err = s.ClearTodos(ctx, uid, done[k*10:(k+1)*10])
			return err
		default: // marks the active olds 21, 23, ..., 39 done
			k := w - adders - deleters - 2
			var err error
			marked[k], err = s.MarkTodos(ctx, uid, active[k*5:(k+1)*5], true, now)
			return err
		}
	})
	for _, err := range errs {
		mustNil(t, err)
	}
	if cleared[0]+cleared[1] != 20 || marked[0]+marked[1] != 10 {
		t.Fatalf("cleared %v and marked %v, want 20 and 10", cleared, marked)
	}
	// 20 active olds: 5 deleted, 10 marked done, 5 left; 20 adds, active.
	wantCounts(t, s, uid, 5+adders*adds, 10)
}

// testBulkQuotaExact: the quota's count of todos (package todolist's
// counter, kept on this engine) equals the todos stored after concurrent
// adds, deletes, Clear and MarkAll through the service.
func testBulkQuotaExact(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	svc := &todolist.Service{Todos: s, Claims: s, Throttles: s, Quota: 1000, BulkBatch: 7}
	uid := ulid.Make().String()
	add := func(title string, done bool) (*todo.Todo, error) {
		td, _, err := svc.Add(ctx, uid, todo.TodoInput{Title: &title, Done: &done}, "")
		return td, err
	}
	var first []*todo.Todo
	for i := range 30 {
		td, err := add(fmt.Sprint("first ", i), i%3 != 0)
		mustNil(t, err)
		first = append(first, td)
	}
	var clearRes, markRes todo.BulkResult
	errs := race(8, func(w int) error {
		switch w {
		case 0:
			var err error
			clearRes, err = svc.Clear(ctx, uid)
			return err
		case 1:
			var err error
			markRes, err = svc.MarkAll(ctx, uid, false)
			return err
		case 2, 3, 4:
			for i := range 4 {
				if _, err := add(fmt.Sprintf("racer %d.%d", w, i), i%2 == 0); err != nil {
					return err
				}
			}
			return nil
		default: // single deletes of first todos that are active
			err := svc.Delete(ctx, uid, first[3*(w-5)].ID)
			if todo.ErrorCode(err) == todo.NotFound {
				return nil
			}
			return err
		}
	})
	for _, err := range errs {
		mustNil(t, err)
	}
	if clearRes.More || markRes.More {
		t.Fatalf("Clear %+v, MarkAll %+v: more without a deadline", clearRes, markRes)
	}
	if _, err := svc.Clear(ctx, uid); err != nil { // whatever the race left done
		t.Fatal(err)
	}
	stored := len(pageAll(t, s, uid, todo.TodoQuery{Limit: todo.MaxPageSize}, 100))
	counter, _, err := s.AddCount(ctx, "todoquota:"+uid, 0, 0, 1<<60, time.Time{})
	mustNil(t, err)
	if counter != int64(stored)+1 {
		t.Fatalf("the quota counter holds %d (count plus one) with %d todos stored", counter, stored)
	}
	wantCounts(t, s, uid, stored, 0)
}
