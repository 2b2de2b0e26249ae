package todolist

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// An Idempotency-Key is a claim "idem:<owner>:<key>" in the claim store,
// expiring IdempotencyTTL after the first request. Its value is a record
// (compact JSON): the request's fingerprint, the todo the first request
// made (ID and times included, so a replay can answer it to the byte), and
// a state:
//
//   - pending: claimed by the first request before it stored the todo. The
//     todo may be missing because that request is still running, failed
//     before the write (store down, quota full) or died between the write
//     and the settle. A replay is the same request: it stores the todo if
//     it is missing and was never deleted, then settles.
//   - done: the todo was stored and answered. A replay answers the record,
//     whether the todo still exists, was changed or was deleted since; it
//     never writes a todo.
//
// pending becomes done by one conditional write (ClaimStore.Settle) by
// whoever learns the todo was stored. The same key with another body is
// refused (IdempotencyKeyReused) in either state.
//
// A pending record alone cannot tell a todo that was never stored from one
// that was stored and then deleted. So Delete marks a todo younger than the
// key's memory before deleting it: claim "gone:<owner>:<id>" = "deleted".
// A replay that stores a pending record's todo claims the same key
// ("alive") after its write; finding "deleted" it takes its todo back. As
// the mark precedes the delete and the check follows the create, either
// the check sees the mark or the delete comes after the create and removes
// it: a deleted todo never comes back.
const (
	statePending = "pending"
	stateDone    = "done"

	markDeleted = "deleted"
	markAlive   = "alive"
	// markMargin keeps a mark past the key it guards, for clock skew
	// between functions; at least MaxIDSkew (see markExpiry).
	markMargin = MaxIDSkew
)

// record is the value of an Idempotency-Key's claim.
type record struct {
	State string    `json:"s"`
	FP    string    `json:"fp"`
	Todo  savedTodo `json:"t"`
	// legacy is a record written as "<id> <fingerprint>" by an earlier
	// version: it knows the todo's ID only.
	legacy bool
}

// savedTodo is the first answer's todo.
type savedTodo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"c"`
	UpdatedAt time.Time `json:"u"`
}

func (r record) encode() string {
	b, _ := json.Marshal(r) // strings, a bool and times: cannot fail
	return string(b)
}

func (r record) todo(userID string) *todo.Todo {
	return &todo.Todo{ID: r.Todo.ID, UserID: userID, Title: r.Todo.Title, Done: r.Todo.Done,
		CreatedAt: r.Todo.CreatedAt, UpdatedAt: r.Todo.UpdatedAt, Version: 1}
}

// parseRecord reads a claim's value; t is the request being replayed, whose
// fields stand in for what a legacy record does not hold.
func parseRecord(held string, t *todo.Todo) record {
	var r record
	if json.Unmarshal([]byte(held), &r) == nil && r.State != "" {
		return r
	}
	id, fp, _ := strings.Cut(held, " ")
	return record{State: statePending, FP: fp, legacy: true,
		Todo: savedTodo{ID: id, Title: t.Title, Done: t.Done, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}}
}

func fingerprint(t *todo.Todo) string {
	sum := sha256.Sum256([]byte(strconv.FormatBool(t.Done) + "\x00" + t.Title))
	return hex.EncodeToString(sum[:8])
}

// addOnce is Add with an idempotency key: it claims the key for t, or
// replays the record a previous request with that key left.
//
// Only a write pays from the owner's write budget: the request that
// claimed the key, before it stores the todo, and a replay of a pending
// record that must store the todo itself. A replay that finds the todo
// stored, or a done record, takes nothing. A fresh claim whose write the
// budget refuses is released (only if it is still ours), so the key is as
// if never used and the retry is a first request again.
func (s *Service) addOnce(ctx context.Context, t *todo.Todo, key string) (*todo.Todo, bool, error) {
	k := "idem:" + t.UserID + ":" + key
	rec := record{State: statePending, FP: fingerprint(t), Todo: savedTodo{ID: t.ID, Title: t.Title,
		Done: t.Done, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}}
	held, fresh, err := s.Claims.Claim(ctx, k, rec.encode(), t.CreatedAt.Add(IdempotencyTTL))
	if err != nil {
		return nil, false, err
	}
	if fresh {
		if err := s.takeWrite(ctx, t.UserID); err != nil {
			// A past expiry frees the key, only if the claim is still ours.
			// (The stores expire claims by the wall clock.)
			_ = s.Claims.Settle(ctx, k, rec.encode(), "released", time.Now().Add(-time.Second))
			return nil, false, err
		}
		err := s.create(ctx, t)
		if todo.ErrorCode(err) == todo.Conflict {
			err = nil // a concurrent replay of this key stored it
		}
		if err != nil {
			return nil, false, err // the claim stays pending: a replay tries again
		}
		s.settle(ctx, k, rec.encode(), rec)
		t.Version = 1
		return t, false, nil
	}
	prev := parseRecord(held, t)
	if prev.FP != rec.FP {
		return nil, false, todo.Errorf(todo.IdempotencyKeyReused, "This Idempotency-Key was used for a different todo; use a new key.")
	}
	if prev.State == stateDone {
		return prev.todo(t.UserID), true, nil
	}
	return s.resume(ctx, k, held, prev, t.UserID)
}

// resume replays a pending record: it answers the record's todo if it is
// stored, or was stored and deleted since; else it stores it now.
func (s *Service) resume(ctx context.Context, k, held string, rec record, userID string) (*todo.Todo, bool, error) {
	t := rec.todo(userID)
	replay := func() (*todo.Todo, bool, error) {
		s.settle(ctx, k, held, rec)
		return t, true, nil
	}
	got, err := s.Todos.Todo(ctx, userID, t.ID)
	if err == nil {
		if rec.legacy { // the first answer is not in the record: the todo is the best we have
			t = got
		}
		return replay()
	}
	if todo.ErrorCode(err) != todo.NotFound {
		return nil, false, err
	}
	if err := s.takeWrite(ctx, userID); err != nil {
		// This replay would write, so it pays; refused, it looks once more
		// whether the first request stored the todo meanwhile (then it is
		// a replay after all, and free).
		if _, gerr := s.Todos.Todo(ctx, userID, t.ID); gerr == nil {
			return replay()
		}
		return nil, false, err
	}
	err = s.create(ctx, t)
	if todo.ErrorCode(err) == todo.Conflict {
		s.giveWrite(ctx, userID) // it wrote nothing after all
		return replay()          // stored meanwhile by the first request or another replay
	}
	if err != nil {
		return nil, false, err
	}
	deleted, err := s.wasDeleted(ctx, t)
	if deleted || err != nil {
		// Deleted after the first request stored it (or we cannot tell):
		// take it back; the delete stands.
		_ = s.deleteTodo(ctx, userID, t.ID, 0)
		if err != nil {
			return nil, false, err
		}
		return replay()
	}
	s.settle(ctx, k, held, rec)
	return t, false, nil
}

// settle moves the key's claim from the value from to done with rec's todo.
// It is best effort: a claim left pending is settled by the next replay.
func (s *Service) settle(ctx context.Context, k, from string, rec record) {
	rec.State, rec.legacy = stateDone, false
	_ = s.Claims.Settle(ctx, k, from, rec.encode(), rec.Todo.CreatedAt.Add(IdempotencyTTL))
}

// markExpiry is when the mark of the todo id stops mattering: after the
// Idempotency-Key that may have made it is forgotten. That key expires
// IdempotencyTTL after the todo's creation, the time in its ID, made by a
// server's clock; the ID of a delete, though, is the client's. So the
// expiry is counted from the ID's time or from now, whichever is earlier:
// never later than now + IdempotencyTTL + markMargin, which still outlives
// every key, since markMargin covers the skew todoID allows an ID's time.
func markExpiry(id string, now time.Time) time.Time {
	u, _ := ulid.ParseStrict(id) // checked by todoID
	from := ulid.Time(u.Time())
	if from.After(now) {
		from = now
	}
	return from.Add(IdempotencyTTL + markMargin)
}

// markDeleted marks the owner's todo id deleted, before it is, if a replay
// could still bring it back.
func (s *Service) markDeleted(ctx context.Context, userID, id string) error {
	exp := markExpiry(id, s.now())
	if !exp.After(s.now()) {
		return nil
	}
	k := "gone:" + userID + ":" + id
	for range maxUpdateRetries {
		held, fresh, err := s.Claims.Claim(ctx, k, markDeleted, exp)
		if err != nil || fresh || held == markDeleted {
			return err
		}
		err = s.Claims.Settle(ctx, k, held, markDeleted, exp)
		if todo.ErrorCode(err) != todo.Conflict {
			return err
		}
	}
	return todo.Errorf(todo.Conflict, "The todo is being changed by another request; try again.")
}

// wasDeleted reports whether t, just stored by a replay, had been marked
// deleted; otherwise it marks it alive, so a later delete must overwrite
// the mark before it deletes.
func (s *Service) wasDeleted(ctx context.Context, t *todo.Todo) (bool, error) {
	held, _, err := s.Claims.Claim(ctx, "gone:"+t.UserID+":"+t.ID, markAlive, markExpiry(t.ID, s.now()))
	return err == nil && held == markDeleted, err
}
