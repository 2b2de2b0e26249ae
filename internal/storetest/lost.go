package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Lossy is a store whose network can lose the answer to a write the
// service applied. An engine's test wraps its store in one (a fault of its
// protocol double, or a proxy between the engine and its server) so the
// LostAnswers cases run with the fault; a store that is not Lossy (the
// embedded one, with no network) runs them without it.
type Lossy interface {
	todo.Store
	// LoseNextAnswer makes the next write request the store sends reach
	// the service and be applied, and its answer lost, as when a network
	// path fails after the service wrote: the SDK then sees a broken
	// connection or a timeout and, as the cloud SDKs do, may resend the
	// request. done ends the fault (forgetting it if unused) and reports
	// how many answers were lost.
	LoseNextAnswer(tb testing.TB) (done func() int)
}

// loseNext arms the fault on s if it has one, and returns the check that
// the fault struck once (nothing for a store without one).
func loseNext(t *testing.T, s todo.Store) (check func()) {
	t.Helper()
	l, ok := s.(Lossy)
	if !ok {
		return func() {}
	}
	done := l.LoseNextAnswer(t)
	return func() {
		t.Helper()
		if n := done(); n != 1 {
			t.Fatalf("%d answers lost, want 1: the case did not test a lost answer", n)
		}
	}
}

// RunLostAnswers runs only the LostAnswers cases of Run, for an engine
// whose fault makes its other cases slower than they need be (a proxy in
// front of a server that 200 concurrent calls already load).
func RunLostAnswers(t *testing.T, open Opener) {
	t.Run("LostAnswers", func(t *testing.T) { testLostAnswers(t, open) })
}

// testLostAnswers: a write whose answer is lost after the service applied
// it reports the truth (done, not "exists", "changed", "not found" or
// someone else's claim), and a counter counts it once.
func testLostAnswers(t *testing.T, open Opener) {
	future := time.Now().Add(time.Hour)
	t.Run("CreateUser", func(t *testing.T) {
		s, ctx := open(t, nil), context.Background()
		u := NewUser("lost@example.com")
		check := loseNext(t, s)
		mustNil(t, s.CreateUser(ctx, u))
		check()
		wantVersion(t, "create", u.Version, 1)
		got, err := s.User(ctx, u.Email)
		mustNil(t, err)
		wantVersion(t, "read", got.Version, 1)
		wantCode(t, s.CreateUser(ctx, NewUser(u.Email)), todo.Conflict) // a second account still cannot be made
	})
	t.Run("UpdateUser", func(t *testing.T) {
		s, ctx := open(t, nil), context.Background()
		u := NewUser("lost@example.com")
		mustNil(t, s.CreateUser(ctx, u))
		u.Name = "Ann Lost"
		check := loseNext(t, s)
		mustNil(t, s.UpdateUser(ctx, u))
		check()
		wantVersion(t, "update", u.Version, 2)
		got, err := s.User(ctx, u.Email)
		mustNil(t, err)
		if got.Version != 2 || got.Name != "Ann Lost" {
			t.Fatalf("stored user = version %d, name %q", got.Version, got.Name)
		}
		stale := *got
		stale.Version = 1
		wantCode(t, s.UpdateUser(ctx, &stale), todo.Conflict) // another writer still loses
	})
	t.Run("Todos", func(t *testing.T) {
		s, ctx := open(t, nil), context.Background()
		td := NewTodo("u-lost", "buy milk", 0)
		check := loseNext(t, s)
		mustNil(t, s.CreateTodo(ctx, td))
		check()
		wantVersion(t, "create", td.Version, 1)
		td.Title = "buy oat milk"
		check = loseNext(t, s)
		mustNil(t, s.UpdateTodo(ctx, td))
		check()
		wantVersion(t, "update", td.Version, 2)
		got, err := s.Todo(ctx, td.UserID, td.ID)
		mustNil(t, err)
		if got.Version != 2 || got.Title != "buy oat milk" {
			t.Fatalf("stored todo = version %d, title %q", got.Version, got.Title)
		}
		check = loseNext(t, s)
		mustNil(t, s.DeleteTodo(ctx, td.UserID, td.ID))
		check()
		_, err = s.Todo(ctx, td.UserID, td.ID)
		wantCode(t, err, todo.NotFound)
		wantCode(t, s.DeleteTodo(ctx, td.UserID, td.ID), todo.NotFound) // a later delete still finds nothing
	})
	t.Run("DeleteTodoConcurrent", func(t *testing.T) {
		s, ctx := open(t, nil), context.Background()
		td := NewTodo("u-race", "x", 0)
		mustNil(t, s.CreateTodo(ctx, td))
		errs := race(8, func(int) error { return s.DeleteTodo(ctx, td.UserID, td.ID) })
		deleted := 0
		for _, err := range errs {
			switch todo.ErrorCode(err) {
			case "":
				deleted++
			case todo.NotFound:
			default:
				t.Fatalf("concurrent DeleteTodo: %v", err)
			}
		}
		if deleted == 0 {
			t.Fatal("no concurrent DeleteTodo reported the todo deleted")
		}
		_, err := s.Todo(ctx, td.UserID, td.ID)
		wantCode(t, err, todo.NotFound)
	})
	t.Run("Claim", func(t *testing.T) {
		s, ctx := open(t, nil), context.Background()
		check := loseNext(t, s)
		held, fresh, err := s.Claim(ctx, "mail:lost", "sending:lease-1", future)
		mustNil(t, err)
		check()
		if !fresh || held != "sending:lease-1" {
			t.Fatalf("claim = %q, %v; want its own value, fresh", held, fresh)
		}
		check = loseNext(t, s)
		mustNil(t, s.Settle(ctx, "mail:lost", "sending:lease-1", "sent", future))
		check()
		held, fresh, err = s.Claim(ctx, "mail:lost", "sending:lease-2", future)
		mustNil(t, err)
		if fresh || held != "sent" {
			t.Fatalf("claim after settle = %q, %v; want sent, not fresh", held, fresh)
		}
	})
	t.Run("PutThrottle", func(t *testing.T) {
		s, ctx := open(t, nil), context.Background()
		th := &todo.Throttle{Key: "login:lost@example.com", Failures: 1, WindowStart: now, Expires: future}
		check := loseNext(t, s)
		mustNil(t, s.PutThrottle(ctx, th))
		check()
		wantVersion(t, "create", th.Version, 1)
		th.Failures = 2
		check = loseNext(t, s)
		mustNil(t, s.PutThrottle(ctx, th))
		check()
		wantVersion(t, "update", th.Version, 2)
		got, err := s.Throttle(ctx, th.Key)
		mustNil(t, err)
		if got.Failures != 2 || got.Version != 2 {
			t.Fatalf("stored throttle = %+v", got)
		}
	})
	t.Run("AtomicWrite", func(t *testing.T) { testAtomicLostAnswer(t, open) })
	t.Run("AddCount", func(t *testing.T) {
		s, ctx := open(t, nil), context.Background()
		for i, want := range []int64{1, 2} {
			check := loseNext(t, s)
			n, ok, err := s.AddCount(ctx, "ip:lost", 1, 0, 5, future)
			mustNil(t, err)
			check()
			if n != want || !ok {
				t.Fatalf("take %d = %d, %v; want %d, true", i+1, n, ok, want)
			}
		}
		n, ok, err := s.AddCount(ctx, "ip:lost", 0, 0, 5, future)
		mustNil(t, err)
		if n != 2 || !ok {
			t.Fatalf("count after two takes with lost answers = %d, %v; want 2 (each counted once)", n, ok)
		}
	})
}
