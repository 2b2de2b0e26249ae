// Package todolist is the todo-list service: it adds (idempotently),
// changes, deletes and lists one owner's todos on the domain's stores. The
// HTTP handlers only decode a request, call it and encode the answer.
package todolist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// maxUpdateRetries bounds the read-modify-write loop under contention.
const maxUpdateRetries = 5

// Service keeps todos. Every method is scoped to the owner it is given.
type Service struct {
	Todos  todo.TodoStore
	Claims todo.ClaimStore  // Idempotency-Key records
	Now    func() time.Time // nil means time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Add creates a todo for userID. With an idempotency key, a retry with the
// same key and input returns the todo the first call created, with replayed
// true, instead of a second one; the same key with another input is refused
// with IdempotencyKeyReused.
func (s *Service) Add(ctx context.Context, userID string, in todo.TodoInput, key string) (t *todo.Todo, replayed bool, err error) {
	if in.Title == nil {
		return nil, false, todo.FieldError("title", "Give the todo a title.")
	}
	title, err := todo.NormalizeTitle(*in.Title)
	if err != nil {
		return nil, false, err
	}
	done := in.Done != nil && *in.Done
	now := s.now()
	t = &todo.Todo{ID: ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()).String(),
		UserID: userID, Title: title, Done: done, CreatedAt: now, UpdatedAt: now}
	if key == "" {
		return t, false, s.Todos.CreateTodo(ctx, t)
	}
	if !validIdempotencyKey(key) {
		return nil, false, &todo.Error{Code: todo.Invalid, Field: "Idempotency-Key",
			Message: "The Idempotency-Key header must be 1 to 255 visible ASCII characters."}
	}
	id, replay, err := s.claimKey(ctx, userID, key, t)
	if err != nil {
		return nil, false, err
	}
	t.ID = id
	if replay {
		// The first request may have failed before storing the todo:
		// create it now if it is missing.
		if got, err := s.Todos.Todo(ctx, userID, id); err == nil {
			return got, true, nil
		}
	}
	err = s.Todos.CreateTodo(ctx, t)
	if todo.ErrorCode(err) == todo.Conflict && replay {
		t, err = s.Todos.Todo(ctx, userID, id) // a concurrent retry stored it
	}
	if err != nil {
		return nil, false, err
	}
	return t, replay, nil
}

// claimKey records key for t's ID and input, or returns the ID a previous
// request with the same key and input recorded (replay).
func (s *Service) claimKey(ctx context.Context, userID, key string, t *todo.Todo) (id string, replay bool, err error) {
	sum := sha256.Sum256([]byte(strconv.FormatBool(t.Done) + "\x00" + t.Title))
	fp := hex.EncodeToString(sum[:8])
	held, fresh, err := s.Claims.Claim(ctx, "idem:"+userID+":"+key, t.ID+" "+fp, t.CreatedAt.Add(IdempotencyTTL))
	if err != nil || fresh {
		return t.ID, false, err
	}
	heldID, heldFP, _ := strings.Cut(held, " ")
	if heldFP != fp {
		return "", false, todo.Errorf(todo.IdempotencyKeyReused, "This Idempotency-Key was used for a different todo; use a new key.")
	}
	return heldID, true, nil
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
// NotFound for a todo the owner does not have, and Conflict when the todo
// kept changing under it.
func (s *Service) Update(ctx context.Context, userID, id string, in todo.TodoInput) (*todo.Todo, error) {
	id, err := todoID(id)
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
	for range maxUpdateRetries {
		t, err := s.Todos.Todo(ctx, userID, id)
		if err != nil {
			return nil, err
		}
		if in.Title != nil {
			t.Title = title
		}
		if in.Done != nil {
			t.Done = *in.Done
		}
		t.UpdatedAt = s.now()
		err = s.Todos.UpdateTodo(ctx, t)
		if todo.ErrorCode(err) != todo.Conflict {
			return t, err
		}
	}
	return nil, todo.Errorf(todo.Conflict, "The todo is being changed by another request; try again.")
}

// Delete removes the owner's todo id, or returns NotFound.
func (s *Service) Delete(ctx context.Context, userID, id string) error {
	id, err := todoID(id)
	if err != nil {
		return err
	}
	return s.Todos.DeleteTodo(ctx, userID, id)
}

// List returns one page of the owner's todos, newest first. q.Limit must
// be 1 to todo.MaxPageSize.
func (s *Service) List(ctx context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error) {
	if q.Limit < 1 || q.Limit > todo.MaxPageSize {
		return todo.TodoPage{}, &todo.Error{Code: todo.Invalid, Field: "limit",
			Message: "The limit must be a whole number from 1 to 100."}
	}
	return s.Todos.Todos(ctx, userID, q)
}

// todoID checks that id is a todo ID (a ULID) and returns it in canonical
// upper case; anything else names no todo.
func todoID(id string) (string, error) {
	if _, err := ulid.ParseStrict(id); err != nil {
		return "", todo.Errorf(todo.NotFound, "No such todo.")
	}
	return strings.ToUpper(id), nil
}
