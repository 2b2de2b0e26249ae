package todo

import (
	"context"
	"time"
)

// UserStore keeps accounts. Every write is conditional, so two concurrent
// registrations cannot create two accounts and no update is lost.
//
// A write reports what happened to it even when the network lost the
// answer to an attempt the service applied and the engine's SDK resent
// it: the resend's failed condition is success when the record holds the
// call's own write (this holds for every store interface here; the
// conformance suite's LostAnswers cases check it on every engine).
type UserStore interface {
	// CreateUser stores a new account with Version 1. It returns a Conflict
	// error if an account with that e-mail address exists.
	CreateUser(ctx context.Context, u *User) error
	// User returns the account with that normalised address, or a NotFound
	// error.
	User(ctx context.Context, email string) (*User, error)
	// UpdateUser replaces the account if its stored Version still equals
	// u.Version, then sets u.Version to the new version. It returns a
	// Conflict error if the account changed in between and NotFound if it is
	// gone.
	UpdateUser(ctx context.Context, u *User) error
}

// TodoStore keeps todos. Every method is scoped to one owner: a todo of
// another user is reported as NotFound, never returned or changed.
type TodoStore interface {
	// CreateTodo stores a new todo with Version 1. It returns a Conflict error
	// if the owner already has a todo with that ID.
	CreateTodo(ctx context.Context, t *Todo) error
	// Todo returns the owner's todo, or a NotFound error.
	Todo(ctx context.Context, userID, id string) (*Todo, error)
	// UpdateTodo replaces the todo if its stored Version still equals
	// t.Version, then sets t.Version to the new version. It returns NotFound if
	// the owner has no such todo and Conflict if it changed in between.
	UpdateTodo(ctx context.Context, t *Todo) error
	// DeleteTodo removes the owner's todo, or returns a NotFound error. Of
	// concurrent calls, at least one reports the todo deleted; the others
	// may report it deleted too, or NotFound.
	DeleteTodo(ctx context.Context, userID, id string) error
	// DeleteTodoIf removes the owner's todo if its stored Version equals
	// version, in one conditional delete. It returns NotFound if the owner
	// has no such todo and Conflict if the todo has another version. Of
	// concurrent calls on one version, at least one reports the todo
	// deleted; the others may report it deleted too, or NotFound (as a
	// resent delete whose first attempt removed it reports it deleted).
	DeleteTodoIf(ctx context.Context, userID, id string, version int64) error
	// Todos returns one page of the owner's todos, newest first, only those
	// whose Done equals *q.Done when q.Done is set. A page may hold fewer
	// than q.Limit items only when it is the last one. With q.Count, the page
	// carries the owner's counts, read with the page (one read transaction
	// where the engine has them, else read right after the page's reads).
	Todos(ctx context.Context, userID string, q TodoQuery) (TodoPage, error)
	// ClearTodos deletes those of todos (the owner's, as Todos returned
	// them; at most MaxBatch) whose stored Version still equals their
	// Version, and returns how many it deleted. Each todo is deleted by its
	// own conditional write on that version, so a todo changed since it was
	// read (un-ticked, renamed) is left as it is and not counted, as is one
	// already gone; a failure or a crash part way leaves each todo deleted
	// or not, never half-written. With an error, deleted counts the todos
	// the call knows it deleted before the error.
	ClearTodos(ctx context.Context, userID string, todos []Todo) (deleted int, err error)
	// MarkTodos sets Done to done and UpdatedAt to at on those of todos (the
	// owner's, as Todos returned them; at most MaxBatch) whose stored
	// Version still equals their Version, each by its own conditional write
	// of the whole todo at the next version, and returns how many it
	// changed. A todo changed since it was read, or gone, is left as it is
	// and not counted; each todo is changed or not, as with ClearTodos.
	MarkTodos(ctx context.Context, userID string, todos []Todo, done bool, at time.Time) (changed int, err error)
}

// ClaimStore records that a one-time key (an Idempotency-Key, a mail already
// sent) has been used.
type ClaimStore interface {
	// Claim stores value under key unless an unexpired claim holds the key.
	// It returns the value that now holds the key and whether this call
	// stored it (true when the holder is this call's own write, whose
	// answer was lost).
	Claim(ctx context.Context, key, value string, expires time.Time) (held string, fresh bool, err error)
	// Release removes a claim, so the key can be claimed again. Releasing a
	// missing key is not an error.
	Release(ctx context.Context, key string) error
	// Settle replaces the claim under key by value to, expiring at expires,
	// if the key holds value from and that claim has not expired. Otherwise
	// it changes nothing and returns a Conflict error: the key is free, its
	// claim has expired, or another value holds it. The check and the write
	// are one conditional write, so of two holders only the one whose value
	// is stored can settle. It moves a claim from one state to the next
	// ("sending:<lease>" to "sent"); with an expires before now it releases
	// the claim only if it is still the caller's, which Release cannot do
	// (the key can then be claimed at once; the record itself goes with the
	// table's TTL).
	Settle(ctx context.Context, key, from, to string, expires time.Time) error
}

// CounterStore keeps atomic counters, on which the budgets of package limit
// count. Every change is one atomic conditional write, never a read
// followed by a write, so concurrent callers neither retry nor lose a
// count, and no change is applied twice: an engine never resends a change
// whose answer was lost, and reads back whether it landed (if it cannot
// tell, it reports an error, and the change may have counted).
type CounterStore interface {
	// AddCount changes the counter under key as one atomic step: v is the
	// stored count, 0 when there is none or it has expired, raised to floor
	// if it is lower. If floor <= v+delta <= ceiling, it stores v+delta,
	// expiring at expires, and returns v+delta and true; otherwise it stores
	// nothing and returns v and false (a take from a spent budget, or a give
	// to a full one). A delta of 0 only reads: it stores nothing and returns
	// v and whether v <= ceiling.
	AddCount(ctx context.Context, key string, delta, floor, ceiling int64, expires time.Time) (n int64, ok bool, err error)
}

// ThrottleStore keeps failure counters, and the atomic counters of
// CounterStore beside them.
type ThrottleStore interface {
	CounterStore
	// Throttle returns the counter under key, or a NotFound error. An expired
	// counter may be reported as NotFound.
	Throttle(ctx context.Context, key string) (*Throttle, error)
	// PutThrottle creates the counter (t.Version 0) or replaces it if its
	// stored Version still equals t.Version, then sets t.Version to the new
	// version. It returns Conflict if the counter changed in between.
	PutThrottle(ctx context.Context, t *Throttle) error
	// DeleteThrottle removes the counter; a missing one is not an error.
	DeleteThrottle(ctx context.Context, key string) error
}

// Store is everything a storage engine provides. Functions take only the
// parts they use.
type Store interface {
	UserStore
	TodoStore
	ClaimStore
	ThrottleStore
	SessionStore
	UserDeleter
	TodoPurger
	// Close releases the engine's resources.
	Close() error
}

// MailSender delivers mail.
type MailSender interface {
	// Send delivers m or returns an error; an error means the mail may not
	// have been delivered and the caller should retry.
	Send(ctx context.Context, m Mail) error
}
