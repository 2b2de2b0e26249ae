package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

func openGroupTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// holdFirstCommit makes the next leader, once it took its batch, wait
// before its commit until release is called. held is closed when it
// waits; queued(n) waits until n calls are queued behind it.
func holdFirstCommit(s *Store) (held <-chan struct{}, queued func(n int), release func()) {
	gate, in := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.group.beforeCommit = func() { once.Do(func() { close(in); <-gate }) }
	queued = func(n int) {
		for {
			s.group.mu.Lock()
			k := len(s.group.queue)
			s.group.mu.Unlock()
			if k >= n {
				return
			}
			runtime.Gosched()
		}
	}
	return in, queued, func() { close(gate) }
}

// TestGroupCommitSharesOneTransaction: writes that queue while a commit
// runs are committed together, in one transaction, and every one of them
// is stored when its call returns.
func TestGroupCommitSharesOneTransaction(t *testing.T) {
	s := openGroupTest(t)
	ctx := context.Background()
	held, queued, release := holdFirstCommit(s)
	now := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 11)
	add := func(i int) {
		errs <- s.CreateTodo(ctx, &todo.Todo{ID: fmt.Sprintf("T%02d", i), UserID: "u", Title: "t", CreatedAt: now, UpdatedAt: now})
	}
	wg.Go(func() { add(0) }) // the leader, held before its commit
	<-held
	for i := 1; i <= 10; i++ {
		wg.Go(func() { add(i) })
	}
	queued(10) // ten wait behind the leader's commit
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.group.commits.Load(); n != 2 {
		t.Fatalf("%d commits, want 2: the leader's, then the ten queued together", n)
	}
	page, err := s.Todos(ctx, "u", todo.TodoQuery{Limit: 100, Count: true})
	if err != nil || len(page.Items) != 11 || page.Counts.Active != 11 {
		t.Fatalf("stored %d todos (%+v), %v; want 11", len(page.Items), page.Counts, err)
	}
}

// TestGroupCommitFailingCallIsAlone: a call that fails after writing is
// rolled back alone and answered with its own error; the calls beside it
// are committed, and a panicking call is an error, not a hang.
func TestGroupCommitFailingCallIsAlone(t *testing.T) {
	s := openGroupTest(t)
	held, queued, release := holdFirstCommit(s)
	put := func(key string, fail error, panics bool) func(*bbolt.Tx) error {
		return func(tx *bbolt.Tx) error {
			if err := tx.Bucket(bucketMeta).Put([]byte(key), []byte("v")); err != nil {
				return err
			}
			if panics {
				panic("boom")
			}
			return fail
		}
	}
	refused := errors.New("refused after writing")
	calls := []struct {
		key    string
		fail   error
		panics bool
	}{{"lead", nil, false}, {"a", nil, false}, {"bad", refused, false}, {"b", nil, false}, {"panic", nil, true}, {"c", nil, false}}
	got := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() { got[i] = s.update(put(c.key, c.fail, c.panics)) })
		if i == 0 {
			<-held // the leader commits "lead" alone; the rest queue in this order
		} else {
			queued(i)
		}
	}
	release()
	wg.Wait()
	// "lead" alone; a..c together, failing at "bad"; "bad" alone; the rest,
	// failing at "panic"; "panic" alone; a, b and c committed.
	if n := s.group.commits.Load(); n != 6 {
		t.Errorf("%d transactions, want 6", n)
	}
	for i, c := range calls {
		var stored bool
		_ = s.view(func(tx *bbolt.Tx) error { stored = tx.Bucket(bucketMeta).Get([]byte(c.key)) != nil; return nil })
		switch {
		case c.fail != nil:
			if !errors.Is(got[i], refused) || stored {
				t.Errorf("%s: %v, stored %v; want its own error and nothing stored", c.key, got[i], stored)
			}
		case c.panics:
			if got[i] == nil || stored {
				t.Errorf("%s: %v, stored %v; want an error and nothing stored", c.key, got[i], stored)
			}
		default:
			if got[i] != nil || !stored {
				t.Errorf("%s: %v, stored %v; want it stored", c.key, got[i], stored)
			}
		}
	}
}

// TestGroupCommitRerunsAreFresh: calls that share a transaction with
// failing ones run again, and still answer exactly what they stored: each
// of twenty counter increments gets its own count, the counter ends at
// their number, and each duplicate todo is refused while its original is
// stored.
func TestGroupCommitRerunsAreFresh(t *testing.T) {
	s := openGroupTest(t)
	ctx := context.Background()
	now := time.Now()
	exp := now.Add(time.Hour)
	if err := s.CreateTodo(ctx, &todo.Todo{ID: "DUP", UserID: "u", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	held, queued, release := holdFirstCommit(s)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts []int64
		errs   []error
	)
	wg.Go(func() { _, _, _ = s.Claim(ctx, "lead", "x", exp) })
	<-held
	for i := range 20 {
		wg.Go(func() {
			n, ok, err := s.AddCount(ctx, "c", 1, 0, 100, exp)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || !ok {
				errs = append(errs, fmt.Errorf("AddCount: %d %v %v", n, ok, err))
			}
			counts = append(counts, n)
		})
		if i%4 == 0 {
			wg.Go(func() {
				err := s.CreateTodo(ctx, &todo.Todo{ID: "DUP", UserID: "u", CreatedAt: now, UpdatedAt: now})
				if todo.ErrorCode(err) != todo.Conflict {
					mu.Lock()
					errs = append(errs, fmt.Errorf("duplicate todo: %v", err))
					mu.Unlock()
				}
			})
		}
	}
	queued(25)
	release()
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	slices.Sort(counts)
	for i, n := range counts {
		if n != int64(i+1) {
			t.Fatalf("counts %v: want 1 to 20, each once", counts)
		}
	}
	if n, _, err := s.AddCount(ctx, "c", 0, 0, 100, exp); n != 20 || err != nil {
		t.Fatalf("the counter holds %d, %v; want 20", n, err)
	}
	if c := s.group.commits.Load(); c < 2+5 {
		t.Fatalf("%d commits; want the five failing calls each run alone after a shared try", c)
	}
}
