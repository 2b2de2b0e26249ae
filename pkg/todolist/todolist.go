// Package todolist is the todo-list service: it adds (idempotently),
// changes, deletes and lists one owner's todos on the domain's stores,
// within the owner's quota of todos and budget of writes. The HTTP handlers
// only decode a request, call it and encode the answer.
package todolist

import (
	"context"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// maxUpdateRetries bounds the read-modify-write loop under contention.
const maxUpdateRetries = 5

// Service keeps todos. Every method is scoped to the owner it is given.
type Service struct {
	Todos todo.TodoStore
	// Claims keeps the Idempotency-Key records and the marks of deleted
	// todos (see idempotency.go).
	Claims todo.ClaimStore
	// Throttles keeps each owner's write budget and todo counter (see
	// quota.go); nil turns both off.
	Throttles todo.ThrottleStore
	// Quota is the most todos one owner may have; 0 means no quota.
	Quota int
	// Writes is each owner's budget of adds, changes and deletes; the zero
	// Budget allows everything.
	Writes limit.Budget
	// BulkBatch is how many todos one batch of Clear or MarkAll reads and
	// changes; 0 (or more than todo.MaxBatch) means todo.MaxBatch.
	BulkBatch int
	Now       func() time.Time // nil means time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// takeWrite takes one write from the owner's budget, or returns a
// RateLimited error (with RetryAfter) when the budget is spent.
func (s *Service) takeWrite(ctx context.Context, userID string) error {
	if s.Throttles == nil {
		return nil
	}
	l := limit.Limiter{Store: s.Throttles, Now: s.Now}
	_, err := l.Take(ctx, "writes:"+userID, s.Writes, "You are changing your todos too quickly.")
	return err
}

// giveWrite gives back a write taken by a replay that found the todo
// stored by another request after all. It is best effort.
func (s *Service) giveWrite(ctx context.Context, userID string) {
	if s.Throttles == nil {
		return
	}
	l := limit.Limiter{Store: s.Throttles, Now: s.Now}
	_ = l.Give(ctx, "writes:"+userID, s.Writes)
}

// Add creates a todo for userID, within the owner's quota (else
// QuotaExceeded) and write budget (else RateLimited). With an idempotency
// key, a retry with the same key and input within IdempotencyTTL answers
// what the first call answered (the same todo, replayed true), even if the
// todo has since been changed or deleted; the same key with another input
// is refused with IdempotencyKeyReused. Only a call that stores a todo
// pays from the write budget: a replay costs nothing, so a client that
// retries one add is never refused for retrying (see addOnce).
func (s *Service) Add(ctx context.Context, userID string, in todo.TodoInput, key string) (t *todo.Todo, replayed bool, err error) {
	if in.Title == nil {
		return nil, false, todo.FieldError("title", "Give the todo a title.")
	}
	title, err := todo.NormalizeTitle(*in.Title)
	if err != nil {
		return nil, false, err
	}
	if key != "" && !validIdempotencyKey(key) {
		return nil, false, &todo.Error{Code: todo.Invalid, Field: "Idempotency-Key",
			Message: "The Idempotency-Key header must be 1 to 255 visible ASCII characters."}
	}
	done := in.Done != nil && *in.Done
	now := s.now()
	t = &todo.Todo{ID: ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()).String(),
		UserID: userID, Title: title, Done: done, CreatedAt: now, UpdatedAt: now}
	if a := s.atomicWriter(); a != nil {
		if ok, err := s.addAtomic(ctx, a, t, key); ok {
			if err != nil {
				return nil, false, err
			}
			return t, false, nil
		}
	}
	var out *todo.Todo
	err = s.inTx(ctx, func(s *Service) (err error) {
		if key == "" {
			out, replayed = t, false
			if err := s.takeWrite(ctx, userID); err != nil {
				out = nil
				return err
			}
			return s.create(ctx, t)
		}
		out, replayed, err = s.addOnce(ctx, t, key)
		return err
	})
	return out, replayed, err
}

// create stores t in a slot of its owner's quota: the slot is taken before
// the write and given back when the write surely stored nothing.
func (s *Service) create(ctx context.Context, t *todo.Todo) error {
	done, err := s.reserve(ctx, t.UserID)
	if err != nil {
		return err
	}
	defer done()
	err = s.Todos.CreateTodo(ctx, t)
	if err != nil && storedNothing(err) {
		s.release(ctx, t.UserID, nil)
	}
	return err
}

// storedNothing reports whether a failed write surely changed nothing: the
// store refused it (a Conflict, say). After a store or network failure
// (Internal, Unavailable) the write may still have been applied.
func storedNothing(err error) bool {
	c := todo.ErrorCode(err)
	return c != todo.Internal && c != todo.Unavailable
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Update applies the fields of in to the owner's todo id, on its latest
// version, so concurrent edits of different fields both survive. It returns
// NotFound for a todo the owner does not have, Conflict when the todo kept
// changing under it, and RateLimited when the owner's write budget is
// spent.
func (s *Service) Update(ctx context.Context, userID, id string, in todo.TodoInput) (*todo.Todo, error) {
	return s.UpdateIf(ctx, userID, id, in, nil)
}

// UpdateIf is Update under an If-Match precondition: with match nil it is
// Update; otherwise the todo is changed only if its version is one of
// match, in one conditional write on the version read (never a retry,
// which could overwrite a newer version), and a todo with another version,
// or one that changed before the write, is a PreconditionFailed error that
// carries the todo as it is now. Of concurrent calls with the same match,
// so, exactly one changes the todo.
func (s *Service) UpdateIf(ctx context.Context, userID, id string, in todo.TodoInput, match []int64) (*todo.Todo, error) {
	id, err := s.todoID(id)
	if err != nil {
		return nil, err
	}
	if in.Title == nil && in.Done == nil {
		return nil, todo.FieldError("title", "Send a new title, done, or both.")
	}
	var title string
	if in.Title != nil {
		if title, err = todo.NormalizeTitle(*in.Title); err != nil {
			return nil, err
		}
	}
	if a := s.atomicWriter(); a != nil {
		if t, ok, err := s.updateIfAtomic(ctx, a, userID, id, in, title, match); ok {
			return t, err
		}
	}
	var out *todo.Todo
	err = s.inTx(ctx, func(s *Service) (err error) {
		out, err = s.updateIf(ctx, userID, id, in, title, match)
		return err
	})
	return out, err
}

// updateIf is UpdateIf's writes, once the input is checked.
func (s *Service) updateIf(ctx context.Context, userID, id string, in todo.TodoInput, title string, match []int64) (*todo.Todo, error) {
	if err := s.takeWrite(ctx, userID); err != nil {
		return nil, err
	}
	for range maxUpdateRetries {
		t, err := s.Todos.Todo(ctx, userID, id)
		if err != nil {
			return nil, err
		}
		if match != nil && !matches(match, t.Version) {
			return nil, preconditionFailed(t)
		}
		if in.Title != nil {
			t.Title = title
		}
		if in.Done != nil {
			t.Done = *in.Done
		}
		t.UpdatedAt = s.now()
		err = s.Todos.UpdateTodo(ctx, t)
		if match != nil && todo.ErrorCode(err) == todo.Conflict {
			return nil, s.current(ctx, userID, id)
		}
		if todo.ErrorCode(err) != todo.Conflict {
			return t, err
		}
	}
	return nil, todo.Errorf(todo.Conflict, "The todo is being changed by another request; try again.")
}

// Delete removes the owner's todo id and gives its slot of the quota back.
// It returns NotFound for a todo the owner does not have and RateLimited
// when the owner's write budget is spent. A todo young enough for its
// Idempotency-Key to be remembered is marked deleted first, so that no
// replay of that key brings it back (see idempotency.go).
func (s *Service) Delete(ctx context.Context, userID, id string) error {
	return s.DeleteIf(ctx, userID, id, nil)
}

// DeleteIf is Delete under an If-Match precondition: with match nil it is
// Delete; otherwise the todo is deleted only if its version is one of
// match, in one conditional delete on the version read, and a todo with
// another version, or one that changed before the delete, is a
// PreconditionFailed error that carries the todo as it is now.
func (s *Service) DeleteIf(ctx context.Context, userID, id string, match []int64) error {
	id, err := s.todoID(id)
	if err != nil {
		return err
	}
	if a := s.atomicWriter(); a != nil {
		if ok, err := s.deleteIfAtomic(ctx, a, userID, id, match); ok {
			return err
		}
	}
	return s.inTx(ctx, func(s *Service) error { return s.deleteIf(ctx, userID, id, match) })
}

// deleteIf is DeleteIf's writes, once the ID is checked.
func (s *Service) deleteIf(ctx context.Context, userID, id string, match []int64) error {
	if err := s.takeWrite(ctx, userID); err != nil {
		return err
	}
	var version int64 // 0: any
	if match != nil {
		t, err := s.Todos.Todo(ctx, userID, id)
		if err != nil {
			return err
		}
		if !matches(match, t.Version) {
			return preconditionFailed(t)
		}
		version = t.Version
	}
	if err := s.markDeleted(ctx, userID, id); err != nil {
		return err
	}
	err := s.deleteTodo(ctx, userID, id, version)
	if version != 0 && todo.ErrorCode(err) == todo.Conflict {
		return s.current(ctx, userID, id)
	}
	return err
}

// matches reports whether version is one of match.
func matches(match []int64, version int64) bool {
	for _, v := range match {
		if v == version {
			return true
		}
	}
	return false
}

// preconditionFailed is the PreconditionFailed error that carries t.
func preconditionFailed(t *todo.Todo) error {
	return &todo.Error{Code: todo.PreconditionFailed, Current: t,
		Message: "The todo was changed on another device; here it is as it is now."}
}

// current reads the todo after a conditional write lost to another change:
// PreconditionFailed with the todo, or the read's error (NotFound when the
// other change deleted it).
func (s *Service) current(ctx context.Context, userID, id string) error {
	t, err := s.Todos.Todo(ctx, userID, id)
	if err != nil {
		return err
	}
	return preconditionFailed(t)
}

// List returns one page of the owner's todos, newest first, only those
// whose Done equals *q.Done when it is set. q.Limit must be 1 to
// todo.MaxPageSize. The first page (no q.After) carries the owner's
// counts: only it, so paging on costs no more reads.
func (s *Service) List(ctx context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error) {
	if q.Limit < 1 || q.Limit > todo.MaxPageSize {
		return todo.TodoPage{}, &todo.Error{Code: todo.Invalid, Field: "limit",
			Message: "The limit must be a whole number from 1 to 100."}
	}
	q.Count = q.After == ""
	return s.Todos.Todos(ctx, userID, q)
}

// MaxIDSkew is how far past the service's clock a todo ID's time may be.
// IDs are made by Add from the clock of the function that stored the todo,
// so an ID dated later than now plus this (a margin for the clocks of
// different function instances) was never made, whatever its characters.
const MaxIDSkew = time.Hour

// todoID checks that id is a todo ID, a ULID (26 Crockford base32
// characters, either case, https://github.com/ulid/spec) dated no later
// than now plus MaxIDSkew, and returns it in canonical upper case. Anything
// else names no todo: NotFound, before any store is asked, so no store
// ever sees a time it cannot encode (the largest ULID is dated in the year
// 10889).
func (s *Service) todoID(id string) (string, error) {
	u, err := ulid.ParseStrict(id)
	if err != nil || ulid.Time(u.Time()).After(s.now().Add(MaxIDSkew)) {
		return "", todo.Errorf(todo.NotFound, "No such todo.")
	}
	return strings.ToUpper(id), nil
}
