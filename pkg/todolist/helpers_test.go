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
// made to fail (a func field, as in wtf's mock package). It is a
// todo.Transactor as the store is, whose transaction's Store fails alike,
// so the service runs its writes in one transaction here; with notx set it
// is none, and the service makes its calls one by one, as on the cloud
// engines.
type flaky struct {
	*bolt.Store
	// create and delete, when set, replace the store's; st is the store
	// they stand in for (the transaction's, in one).
	create func(ctx context.Context, st *bolt.Store, t *todo.Todo) error
	delete func(ctx context.Context, st *bolt.Store, userID, id string) error
	notx   bool
}

// InTransaction implements todo.Transactor unless notx.
func (f *flaky) InTransaction(ctx context.Context, fn func(todo.Store) error) error {
	if f.notx {
		panic("test: InTransaction on a store that has none")
	}
	return f.Store.InTransaction(ctx, func(st todo.Store) error {
		return fn(&flaky{Store: st.(*bolt.Store), create: f.create, delete: f.delete})
	})
}

// callByCall is flaky without transactions: the cloud engines' path.
type callByCall struct{ *flaky }

func (callByCall) InTransaction() {} // hides flaky's: not a todo.Transactor

func (f *flaky) DeleteTodo(ctx context.Context, userID, id string) error {
	if f.delete != nil {
		return f.delete(ctx, f.Store, userID, id)
	}
	return f.Store.DeleteTodo(ctx, userID, id)
}

func (f *flaky) CreateTodo(ctx context.Context, t *todo.Todo) error {
	if f.create != nil {
		return f.create(ctx, f.Store, t)
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
	f.svc = &todolist.Service{Todos: f.todos, Claims: f.todos, Throttles: f.todos, Quota: quota, Writes: writes, Now: f.clock.Now}
	if callByCallMode {
		f.todos.notx = true
		cc := callByCall{f.todos}
		f.svc.Todos, f.svc.Claims, f.svc.Throttles = cc, cc, cc
	}
	return f
}

// callByCallMode runs the fixtures without transactions (TestMain runs the
// package's tests in both modes).
var callByCallMode bool

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
