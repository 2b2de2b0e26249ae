package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// The cases of issue 18 on every engine: the filter on Done with paging,
// the counts (also after concurrent adds and deletes), and the version
// conditions that If-Match rests on.

// runList runs the cases of this file.
func runList(t *testing.T, open Opener) {
	t.Run("TodosFilterPaging", func(t *testing.T) { testTodosFilterPaging(t, open) })
	t.Run("TodosCounts", func(t *testing.T) { testTodosCounts(t, open) })
	t.Run("TodosCountsConcurrent", func(t *testing.T) { testTodosCountsConcurrent(t, open) })
	t.Run("TodosIfMatchRace", func(t *testing.T) { testTodosIfMatchRace(t, open) })
	t.Run("DeleteTodoIf", func(t *testing.T) { testDeleteTodoIf(t, open) })
	t.Run("TodosAnswers", func(t *testing.T) { testTodosAnswers(t, open) })
}

// pageAll pages through the owner's todos with q and returns the IDs, newest
// first, checking every page's size against the TodoStore rule.
func pageAll(t *testing.T, s todo.Store, uid string, q todo.TodoQuery, maxPages int) []todo.Todo {
	t.Helper()
	var got []todo.Todo
	for pages := 0; ; pages++ {
		if pages > maxPages {
			t.Fatal("paging does not end")
		}
		page, err := s.Todos(context.Background(), uid, q)
		mustNil(t, err)
		if len(page.Items) > q.Limit {
			t.Fatalf("page of %d items, limit %d", len(page.Items), q.Limit)
		}
		if page.Next != "" && len(page.Items) < q.Limit {
			t.Fatalf("a short page (%d of %d) that is not the last", len(page.Items), q.Limit)
		}
		checkAnswer(t, s, uid, q, &page)
		got = append(got, page.Items...)
		if page.Next == "" {
			return got
		}
		q.After = page.Next
	}
}

// checkAnswer reads the page q selects again, asking for it as answer
// bytes (todo.TodoAnswer), and fails unless the engine either wrote, after
// what the buffer held, exactly page's items as answerJSON writes them
// (GET /todos's JSON: the answer's names and order, the times in UTC to the
// millisecond), with the same Next and Counts and no Items, or left the
// buffer alone and returned page itself. (Package api's
// TestAnswerIsTheAPIsEncoding holds the embedded engine's bytes to the
// API's encoder.)
func checkAnswer(t *testing.T, s todo.Store, uid string, q todo.TodoQuery, page *todo.TodoPage) {
	t.Helper()
	const held = `{"items":[`
	ans := &todo.TodoAnswer{Buf: []byte(held), Todo: answerJSON}
	q.Answer = ans
	got, err := s.Todos(context.Background(), uid, q)
	mustNil(t, err)
	if got.Next != page.Next || (got.Counts == nil) != (page.Counts == nil) || got.Counts != nil && *got.Counts != *page.Counts {
		t.Fatalf("as an answer: next %q, counts %v; as items: next %q, counts %v", got.Next, got.Counts, page.Next, page.Counts)
	}
	if !ans.Written {
		if string(ans.Buf) != held || len(got.Items) != len(page.Items) {
			t.Fatalf("an answer not written: buffer %q, %d items; want %q, %d", ans.Buf, len(got.Items), held, len(page.Items))
		}
		return
	}
	want := []byte(held)
	for i := range page.Items {
		if i > 0 {
			want = append(want, ',')
		}
		want = answerJSON(want, &page.Items[i])
	}
	if got.Items != nil || string(ans.Buf) != string(want) {
		t.Fatalf("the answer (and %d items):\n%s\nwant\n%s", len(got.Items), ans.Buf, want)
	}
}

// answerJSON appends it as GET /todos's answer carries a todo.
func answerJSON(b []byte, it *todo.Todo) []byte {
	const ms = "2006-01-02T15:04:05.000Z07:00"
	j, err := json.Marshal(struct {
		ID        string `json:"id"`
		Title     string `json:"title"`
		Done      bool   `json:"done"`
		CreatedAt string `json:"createdAt"`
		UpdatedAt string `json:"updatedAt"`
		Version   int64  `json:"version"`
	}{it.ID, it.Title, it.Done, it.CreatedAt.UTC().Format(ms), it.UpdatedAt.UTC().Format(ms), it.Version})
	if err != nil {
		panic(err) // no field of this struct fails to encode
	}
	return append(b, j...)
}

// testTodosAnswers lists todos whose titles need every kind of escape
// in JSON, or none, and whose times carry every precision, and holds the
// page to what it stored: the items, and the page as answer bytes (checkAnswer,
// in pageAll).
func testTodosAnswers(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	titles := []string{"Buy milk", "Grüße, 日本, 🎉", `quote " and \ back`, "<script>&amp;</script>", "tab\tnew\nline",
		"\x01 control", "sep \u2028 \u2029 end", "x"}
	precisions := []time.Duration{1, time.Microsecond, time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond, time.Second}
	want := map[string]*todo.Todo{}
	for i, title := range titles {
		for j, p := range precisions {
			td := NewTodo(uid, title, time.Duration(i*len(precisions)+j)*time.Second+123456789)
			td.CreatedAt = td.CreatedAt.Truncate(p)
			td.UpdatedAt = td.CreatedAt.Add(time.Duration(j) * 1001 * time.Microsecond)
			td.Done = j%2 == 0
			mustNil(t, s.CreateTodo(ctx, td))
			want[td.ID] = td
		}
	}
	got := pageAll(t, s, uid, todo.TodoQuery{Limit: 7}, len(want))
	if len(got) != len(want) {
		t.Fatalf("listed %d todos, stored %d", len(got), len(want))
	}
	for _, it := range got {
		w := want[it.ID]
		if w == nil || it.Title != w.Title || it.Done != w.Done || it.Version != 1 ||
			!it.CreatedAt.Equal(w.CreatedAt) || !it.UpdatedAt.Equal(w.UpdatedAt) {
			t.Fatalf("listed %+v, stored %+v", it, w)
		}
	}
}

func testTodosFilterPaging(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid, other := ulid.Make().String(), ulid.Make().String()
	const n = 30
	var done, active []string // newest first
	for i := range n {
		td := NewTodo(uid, fmt.Sprintf("todo %02d", i), time.Duration(i)*time.Second)
		// Runs of each state, so a page of one state is read past a run of the other.
		td.Done = (i/4)%3 == 0
		mustNil(t, s.CreateTodo(ctx, td))
		if td.Done {
			done = append([]string{td.ID}, done...)
		} else {
			active = append([]string{td.ID}, active...)
		}
		noise := NewTodo(other, "noise", time.Duration(i)*time.Second)
		noise.Done = td.Done
		mustNil(t, s.CreateTodo(ctx, noise))
	}
	for _, state := range []bool{true, false} {
		want := active
		if state {
			want = done
		}
		for _, limit := range []int{1, 3, 7, 100} {
			t.Run(fmt.Sprintf("done=%v/limit%d", state, limit), func(t *testing.T) {
				var ids []string
				for _, it := range pageAll(t, s, uid, todo.TodoQuery{Limit: limit, Done: &state}, n+1) {
					if it.UserID != uid || it.Done != state {
						t.Fatalf("filter done=%v returned %+v", state, it)
					}
					ids = append(ids, it.ID)
				}
				if fmt.Sprint(ids) != fmt.Sprint(want) {
					t.Fatalf("paged IDs\n got %v\nwant %v", ids, want)
				}
			})
		}
	}
}

// wantCounts lists the owner's first page with Count and compares.
func wantCounts(t *testing.T, s todo.Store, uid string, active, completed int) {
	t.Helper()
	qs := []todo.TodoQuery{{Limit: 1, Count: true}, {Limit: 100, Count: true, Done: new(bool)}}
	for i := 0; i < len(qs); i++ {
		q := qs[i]
		page, err := s.Todos(context.Background(), uid, q)
		mustNil(t, err)
		if page.Counts == nil {
			t.Fatalf("Todos(%+v): no counts", q)
		}
		if got := *page.Counts; got != (todo.TodoCounts{Active: active, Completed: completed}) {
			t.Fatalf("Todos(%+v): counts %+v, want active %d, completed %d", q, got, active, completed)
		}
		if i == 0 && page.Next != "" { // and on a later page, which starts in the middle
			qs = append(qs, todo.TodoQuery{Limit: 1, Count: true, After: page.Next})
		}
	}
	page, err := s.Todos(context.Background(), uid, todo.TodoQuery{Limit: 1})
	mustNil(t, err)
	if page.Counts != nil {
		t.Fatalf("counts %+v without Count", *page.Counts)
	}
}

func testTodosCounts(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid, other := ulid.Make().String(), ulid.Make().String()
	wantCounts(t, s, uid, 0, 0)
	var tds []*todo.Todo
	for i := range 5 {
		td := NewTodo(uid, fmt.Sprint("t", i), time.Duration(i)*time.Second)
		mustNil(t, s.CreateTodo(ctx, td))
		tds = append(tds, td)
		mustNil(t, s.CreateTodo(ctx, NewTodo(other, "noise", time.Duration(i)*time.Second)))
	}
	wantCounts(t, s, uid, 5, 0)
	tds[1].Done = true
	mustNil(t, s.UpdateTodo(ctx, tds[1]))
	tds[3].Done = true
	mustNil(t, s.UpdateTodo(ctx, tds[3]))
	wantCounts(t, s, uid, 3, 2)
	mustNil(t, s.DeleteTodo(ctx, uid, tds[1].ID))
	mustNil(t, s.DeleteTodoIf(ctx, uid, tds[0].ID, tds[0].Version))
	wantCounts(t, s, uid, 2, 1)
	wantCounts(t, s, other, 5, 0)
}

// testTodosCountsConcurrent adds and deletes todos from several goroutines
// while others list with counts; every count read lies between the
// smallest and largest possible, and once the writers are done the counts
// are exact.
func testTodosCountsConcurrent(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	const start = 20
	var olds []*todo.Todo
	for i := range start {
		td := NewTodo(uid, fmt.Sprint("old ", i), time.Duration(i)*time.Millisecond)
		td.Done = i%2 == 0
		mustNil(t, s.CreateTodo(ctx, td))
		olds = append(olds, td)
	}
	const writers, adds = 6, 5
	errs := race(writers+2, func(w int) error {
		if w >= writers { // readers
			for range 5 {
				page, err := s.Todos(ctx, uid, todo.TodoQuery{Limit: 10, Count: true})
				if err != nil {
					return err
				}
				c := page.Counts
				if total := c.Active + c.Completed; total < start-writers || total > start+writers*adds {
					return fmt.Errorf("counts %+v out of bounds", *c)
				}
			}
			return nil
		}
		for i := range adds {
			td := NewTodo(uid, fmt.Sprintf("new %d.%d", w, i), time.Hour+time.Duration(w*adds+i)*time.Millisecond)
			td.Done = i == 0
			if err := s.CreateTodo(ctx, td); err != nil {
				return err
			}
		}
		return s.DeleteTodo(ctx, uid, olds[w].ID) // olds[w].Done is w even
	})
	for _, err := range errs {
		mustNil(t, err)
	}
	// Of the olds, 10 done and 10 active; writers 0..5 delete 3 done (0,2,4)
	// and 3 active; each writer adds 1 done and 4 active.
	wantCounts(t, s, uid, 10-3+writers*(adds-1), 10-3+writers)
	all := pageAll(t, s, uid, todo.TodoQuery{Limit: 7}, 100)
	if len(all) != start-writers+writers*adds {
		t.Fatalf("listed %d todos, want %d", len(all), start-writers+writers*adds)
	}
}

// testTodosIfMatchRace: of concurrent writes on one version (an UpdateTodo
// or a DeleteTodoIf, as a PATCH or DELETE with If-Match makes), exactly one
// update wins, or the deletes win and no update does (concurrent deletes
// of one version may all report it deleted, as DeleteTodo's do); the
// losers are Conflicts, or NotFound after a delete.
func testTodosIfMatchRace(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid := ulid.Make().String()
	for round := range 3 {
		td := NewTodo(uid, fmt.Sprint("shared ", round), time.Duration(round)*time.Second)
		mustNil(t, s.CreateTodo(ctx, td))
		mustNil(t, s.UpdateTodo(ctx, td)) // version 2
		errs := race(6, func(i int) error {
			if round > 0 && i%2 == 1 {
				return s.DeleteTodoIf(ctx, uid, td.ID, 2)
			}
			c := *td
			c.Title = fmt.Sprintf("writer %d", i)
			return s.UpdateTodo(ctx, &c)
		})
		updates, deletes := 0, 0
		for i, err := range errs {
			switch todo.ErrorCode(err) {
			case "":
				if round > 0 && i%2 == 1 {
					deletes++
				} else {
					updates++
				}
			case todo.Conflict, todo.NotFound:
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if !(updates == 1 && deletes == 0) && !(updates == 0 && deletes >= 1) {
			t.Fatalf("round %d: %d updates and %d deletes on version 2 won, want 1 update or only deletes", round, updates, deletes)
		}
		_, err := s.Todo(ctx, uid, td.ID)
		if (deletes > 0) != (todo.ErrorCode(err) == todo.NotFound) {
			t.Fatalf("round %d: %d deletes won, and reading the todo gives %v", round, deletes, err)
		}
	}
}

func testDeleteTodoIf(t *testing.T, open Opener) {
	s, ctx := open(t, nil), context.Background()
	uid, bob := ulid.Make().String(), ulid.Make().String()
	td := NewTodo(uid, "a", 0)
	mustNil(t, s.CreateTodo(ctx, td))
	mustNil(t, s.UpdateTodo(ctx, td))
	wantCode(t, s.DeleteTodoIf(ctx, uid, td.ID, 1), todo.Conflict)
	wantCode(t, s.DeleteTodoIf(ctx, bob, td.ID, 2), todo.NotFound)
	wantCode(t, s.DeleteTodoIf(ctx, uid, ulid.Make().String(), 1), todo.NotFound)
	got, err := s.Todo(ctx, uid, td.ID)
	mustNil(t, err)
	wantVersion(t, "failed DeleteTodoIf", got.Version, 2)
	mustNil(t, s.DeleteTodoIf(ctx, uid, td.ID, 2))
	wantCode(t, s.DeleteTodoIf(ctx, uid, td.ID, 2), todo.NotFound)
}
