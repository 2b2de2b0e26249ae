package todolist_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/bolt"
	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
	"github.com/todofn/todofn/pkg/todolist"
)

// clock is a test clock that starts at the real time (the embedded store
// drops records by the real clock) and moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC()} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// flaky is the embedded store with CreateTodo and DeleteTodo that can be
// made to fail (a func field, as in wtf's mock package).
type flaky struct {
	*bolt.Store
	create func(ctx context.Context, t *todo.Todo) error // nil: the store's
	delete func(ctx context.Context, userID, id string) error
}

func (f *flaky) DeleteTodo(ctx context.Context, userID, id string) error {
	if f.delete != nil {
		return f.delete(ctx, userID, id)
	}
	return f.Store.DeleteTodo(ctx, userID, id)
}

func (f *flaky) CreateTodo(ctx context.Context, t *todo.Todo) error {
	if f.create != nil {
		return f.create(ctx, t)
	}
	return f.Store.CreateTodo(ctx, t)
}

// errLost is a store failure whose outcome the caller cannot know.
var errLost = errors.New("test: connection reset")

type fixture struct {
	svc   *todolist.Service
	store *bolt.Store
	todos *flaky
	clock *clock
}

// newFixture is the service on the embedded store in t.TempDir, with quota
// and write budget writes (the zero Budget: off).
func newFixture(t *testing.T, quota int, writes limit.Budget) *fixture {
	t.Helper()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "todofn.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{store: store, todos: &flaky{Store: store}, clock: newClock()}
	f.svc = &todolist.Service{Todos: f.todos, Claims: store, Throttles: store, Quota: quota, Writes: writes, Now: f.clock.Now}
	return f
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) add(t *testing.T, uid, title, key string) (*todo.Todo, bool, error) {
	t.Helper()
	return f.svc.Add(context.Background(), uid, todo.TodoInput{Title: ptr(title)}, key)
}

func (f *fixture) mustAdd(t *testing.T, uid, title, key string) *todo.Todo {
	t.Helper()
	got, _, err := f.add(t, uid, title, key)
	if err != nil {
		t.Fatalf("add %q: %v", title, err)
	}
	return got
}

// stored is how many todos uid has in the store.
func (f *fixture) stored(t *testing.T, uid string) int {
	t.Helper()
	page, err := f.store.Todos(context.Background(), uid, todo.TodoQuery{Limit: todo.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

// count is the owner's todo counter (stored as the count plus one), -1
// when there is none.
func (f *fixture) count(t *testing.T, uid string) int {
	t.Helper()
	n, _, err := f.store.AddCount(context.Background(), "todoquota:"+uid, 0, 0, 1<<40, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return int(n) - 1
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if todo.ErrorCode(err) != code {
		t.Fatalf("err = %v, want code %q", err, code)
	}
}
