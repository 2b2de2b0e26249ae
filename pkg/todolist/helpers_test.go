package todolist_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
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
	// scratch is an empty store on which AtomicWrite plays create.
	scratch *bolt.Store
	// applied counts the atomic writes the store applied.
	applied *atomic.Int32
	// before, when set, runs before each atomic write is made.
	before func(ws []todo.Write)
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

// noAtomicCallByCall is flaky with neither transactions nor atomic
// writes (a store that is no todo.AtomicWriter: Tablestore).
type noAtomicCallByCall struct{ *flaky }

func (noAtomicCallByCall) AtomicWrite()   {} // hides flaky's
func (noAtomicCallByCall) InTransaction() {}

// AtomicWrite is the store's, with the fault of create: a create among ws
// plays the fault on scratch, an empty store, first, to learn what it
// does. A fault that stores the todo stands for an atomic write applied
// whose answer is the fault's (lost, when it is an error): ws is applied,
// if the store does not refuse it. One that stores nothing and fails with
// a Conflict is the store refusing that write; one that fails otherwise
// is an atomic write that stored nothing and whose outcome the caller
// cannot know.
func (f *flaky) AtomicWrite(ctx context.Context, ws []todo.Write) error {
	if f.delete != nil {
		panic("test: the fault of delete is not played in an atomic write")
	}
	if f.before != nil {
		f.before(ws)
	}
	i := slices.IndexFunc(ws, func(w todo.Write) bool { return w.Op == todo.OpCreateTodo })
	if f.create == nil || i < 0 {
		err := f.Store.AtomicWrite(ctx, ws)
		if err == nil {
			f.applied.Add(1)
		}
		return err
	}
	t := ws[i].Todo
	err := f.create(ctx, f.scratch, &t)
	if _, gerr := f.scratch.Todo(ctx, t.UserID, t.ID); gerr != nil {
		if todo.ErrorCode(err) == todo.Conflict {
			return &todo.Refusal{Failed: []int{i}}
		}
		return err
	}
	if aerr := f.Store.AtomicWrite(ctx, ws); aerr != nil {
		return aerr
	}
	return err
}

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
	scratch, err := bolt.Open(filepath.Join(t.TempDir(), "scratch.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { scratch.Close() })
	f := &fixture{store: store, todos: &flaky{Store: store, scratch: scratch, applied: new(atomic.Int32)}, clock: newClock()}
	f.svc = &todolist.Service{Todos: f.todos, Claims: f.todos, Throttles: f.todos, Quota: quota, Writes: writes, Now: f.clock.Now}
	var st interface {
		todo.Store
	}
	switch {
	case atomicMode: // (call by call: a store with transactions keeps them, see atomic.go)
		st = callByCall{f.todos}
	case callByCallMode:
		st = noAtomicCallByCall{f.todos}
	default: // both, as the embedded store: the service keeps to its transactions
		st = f.todos
	}
	f.todos.notx = callByCallMode
	f.svc.Todos, f.svc.Claims, f.svc.Throttles = st, st, st
	return f
}

// callByCallMode runs the fixtures without transactions, atomicMode (with
// callByCallMode) with the store's atomic writes: the service's fast path
// (TestMain runs the package's tests in three modes).
var callByCallMode, atomicMode bool

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
