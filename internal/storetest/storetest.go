// Package storetest is the conformance suite every storage engine runs: the
// same behaviour, conditional writes and paging, whatever the engine.
//
// An engine's test calls Run with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) todo.Store { return MustOpen(t) })
//	}
package storetest

import (
	"testing"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// Opener returns a new, empty store; it closes the store in t.Cleanup.
type Opener func(t *testing.T) todo.Store

// Run runs the whole suite against the engine that open opens.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("UsersConcurrent", func(t *testing.T) { testUsersConcurrent(t, open) })
	t.Run("Todos", func(t *testing.T) { testTodos(t, open) })
	t.Run("TodosOwnerScope", func(t *testing.T) { testTodosOwnerScope(t, open) })
	t.Run("TodosPaging", func(t *testing.T) { testTodosPaging(t, open) })
	t.Run("TodosConcurrentUpdate", func(t *testing.T) { testTodosConcurrent(t, open) })
	t.Run("Claims", func(t *testing.T) { testClaims(t, open) })
	t.Run("Throttles", func(t *testing.T) { testThrottles(t, open) })
}

// now is a fixed, millisecond-precise instant: engines may keep no more.
var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := todo.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
