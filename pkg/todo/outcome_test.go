package todo_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/todofn/todofn/pkg/todo"
)

func TestOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name          string
		err           error
		code, message string
	}{
		{"user exists", todo.ErrUserExists, todo.Conflict, "An account with this address exists."},
		{"user not found", todo.ErrUserNotFound, todo.NotFound, "No such account."},
		{"todo changed", todo.ErrTodoChanged, todo.Conflict, "The todo changed meanwhile."},
		{"counter not found", todo.ErrCounterNotFound, todo.NotFound, "No such counter."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wrapped := fmt.Errorf("engine: get: %w", tc.err)
			if !errors.Is(wrapped, tc.err) {
				t.Errorf("errors.Is(wrapped, sentinel) = false")
			}
			if got := todo.ErrorCode(wrapped); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
			if got := todo.ErrorMessage(wrapped); got != tc.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tc.message)
			}
		})
	}
}

func TestBusy(t *testing.T) {
	cause := errors.New("throttled")
	err := todo.Busy(3, cause)
	var e *todo.Error
	if !errors.As(err, &e) || e.Code != todo.Unavailable || e.RetryAfter != 3 || e.Message != "The service is busy; try again in a moment." {
		t.Fatalf("Busy = %#v", e)
	}
	if !errors.Is(err, cause) {
		t.Error("Busy does not wrap its cause")
	}
}
