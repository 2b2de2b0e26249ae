package todo

import "fmt"

// Store outcomes. Every engine returns these (possibly wrapped) for the
// outcomes they name, so callers test them with errors.Is, and ErrorCode and
// ErrorMessage read their code and sentence: this block is the one place
// where a store outcome becomes what a user reads (as bbolt's errors package
// groups its sentinels). They are shared values: never change one.
var (
	// ErrUserExists: a user with this id or address is stored already.
	ErrUserExists = &Error{Code: Conflict, Message: "An account with this address exists."}
	// ErrUserNotFound: no user with this id or address.
	ErrUserNotFound = &Error{Code: NotFound, Message: "No such account."}
	// ErrUserChanged: the user's version is not the one the caller read.
	ErrUserChanged = &Error{Code: Conflict, Message: "The account changed meanwhile."}

	// ErrTodoExists: a todo with this id is stored already.
	ErrTodoExists = &Error{Code: Conflict, Message: "A todo with this ID exists."}
	// ErrTodoNotFound: no todo with this id for this owner.
	ErrTodoNotFound = &Error{Code: NotFound, Message: "No such todo."}
	// ErrTodoChanged: the todo's version is not the one the caller read.
	ErrTodoChanged = &Error{Code: Conflict, Message: "The todo changed meanwhile."}

	// ErrSessionExists: a refresh session with this id is stored already.
	ErrSessionExists = &Error{Code: Conflict, Message: "A session with this ID exists."}
	// ErrSessionNotFound: no live refresh session with this id.
	ErrSessionNotFound = &Error{Code: NotFound, Message: "No such session."}
	// ErrSessionChanged: the session's version is not the one the caller read.
	ErrSessionChanged = &Error{Code: Conflict, Message: "The session changed meanwhile."}
	// ErrPasswordChanged: the account's password version is not the one a
	// new session was issued for.
	ErrPasswordChanged = &Error{Code: Conflict, Message: "The account's password changed meanwhile."}

	// ErrClaimNotHeld: a claim is absent or held by another value.
	ErrClaimNotHeld = &Error{Code: Conflict, Message: "The claim is not held by that value."}
	// ErrCounterNotFound: no live counter under this key.
	ErrCounterNotFound = &Error{Code: NotFound, Message: "No such counter."}
	// ErrCounterChanged: the counter moved between the caller's read and write.
	ErrCounterChanged = &Error{Code: Conflict, Message: "The counter changed meanwhile."}
)

// Busy returns the Unavailable outcome of a store that is throttling,
// failing for the moment or slower than its call budget, with a Retry-After
// of retryAfter seconds, wrapping cause so that logs and errors.Is still see
// it. Its sentence is the one a user reads for every engine.
func Busy(retryAfter int, cause error) error {
	return fmt.Errorf("%w (%w)", &Error{Code: Unavailable, RetryAfter: retryAfter,
		Message: "The service is busy; try again in a moment."}, cause)
}
