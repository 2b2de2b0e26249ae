// Package storetest is the conformance suite every storage engine runs: the
// same behaviour, conditional writes and paging, whatever the engine.
//
// An engine's test calls Run with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) todo.Store { return MustOpen(t, now) })
//	}
package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Opener returns a new, empty store; it closes the store in t.Cleanup. The
// store reads the time from now (where it decides whether a claim, a
// counter or a session has expired) or, when now is nil, from the wall
// clock: every engine takes such a clock (bolt.Options.Now,
// dynamodb.Config.Now, tablestore.Config.Now), so each clock case is
// written once, here.
type Opener func(t *testing.T, now func() time.Time) todo.Store

// Run runs the whole suite against the engine that open opens.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("UsersConcurrent", func(t *testing.T) { testUsersConcurrent(t, open) })
	t.Run("Todos", func(t *testing.T) { testTodos(t, open) })
	t.Run("TodosOwnerScope", func(t *testing.T) { testTodosOwnerScope(t, open) })
	t.Run("TodosPaging", func(t *testing.T) { testTodosPaging(t, open) })
	t.Run("TodosConcurrentUpdate", func(t *testing.T) { testTodosConcurrent(t, open) })
	runList(t, open)
	runBulk(t, open)
	runAtomic(t, open)
	t.Run("Claims", func(t *testing.T) { testClaims(t, open) })
	t.Run("Throttles", func(t *testing.T) { testThrottles(t, open) })
	t.Run("Counters", func(t *testing.T) { testCounters(t, open) })
	t.Run("CountersConcurrent", func(t *testing.T) { testCountersConcurrent(t, open) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, open) })
	t.Run("ExpiryClock", func(t *testing.T) { testExpiryClock(t, open) })
	t.Run("SettleClock", func(t *testing.T) { testSettleClock(t, open) })
	t.Run("SessionsExpiryClock", func(t *testing.T) { testSessionsExpiryClock(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("SessionsExpiry", func(t *testing.T) { testSessionsExpiry(t, open) })
	t.Run("SessionsConcurrentUpdate", func(t *testing.T) { testSessionsConcurrent(t, open) })
	t.Run("SessionsRotation", func(t *testing.T) { testSessionsRotation(t, open) })
	t.Run("SessionsCredGen", func(t *testing.T) { testSessionsCredGen(t, open) })
	t.Run("SessionsCredGenRace", func(t *testing.T) { testSessionsCredGenRace(t, open) })
	t.Run("DeleteSessions", func(t *testing.T) { testDeleteSessions(t, open) })
	t.Run("DeleteTodos", func(t *testing.T) { testDeleteTodos(t, open) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUser(t, open) })
	t.Run("LostAnswers", func(t *testing.T) { testLostAnswers(t, open) })
}

// now is a fixed, millisecond-precise instant: engines may keep no more.
var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// outcomes are the domain's store outcomes (pkg/todo's outcome.go): an
// engine's NotFound or Conflict is one of them, so its sentence is the
// domain's, never one the engine typed.
var outcomes = []error{
	todo.ErrUserExists, todo.ErrUserNotFound, todo.ErrUserChanged,
	todo.ErrTodoExists, todo.ErrTodoNotFound, todo.ErrTodoChanged,
	todo.ErrSessionExists, todo.ErrSessionNotFound, todo.ErrSessionChanged, todo.ErrPasswordChanged,
	todo.ErrClaimNotHeld, todo.ErrCounterNotFound, todo.ErrCounterChanged,
}

// wantCode fails t unless err has code; a NotFound or Conflict must be one
// of the domain's outcomes (errors.Is).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := todo.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if code != todo.NotFound && code != todo.Conflict {
		return
	}
	for _, o := range outcomes {
		if errors.Is(err, o) {
			return
		}
	}
	t.Fatalf("error = %v: a %s that is none of pkg/todo's store outcomes", err, code)
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantVersion fails t unless a record's version after the write op is want.
func wantVersion(t *testing.T, op string, got, want int64) {
	t.Helper()
	if got != want {
		t.Fatalf("Version after %s = %d, want %d", op, got, want)
	}
}

// race runs op(0), …, op(n-1) at once and returns the error of each.
func race(n int, op func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = op(i)
		}()
	}
	wg.Wait()
	return errs
}

// wantOneWinner fails t unless exactly one of the racing calls that
// returned errs succeeded and the others lost with a conflict. call names
// the call, won says what the one that succeeded did.
func wantOneWinner(t *testing.T, errs []error, call, won string) {
	t.Helper()
	wins := 0
	for _, err := range errs {
		switch todo.ErrorCode(err) {
		case "":
			wins++
		case todo.Conflict:
		default:
			t.Errorf("concurrent %s: %v", call, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d %s, want exactly 1", wins, won)
	}
}
