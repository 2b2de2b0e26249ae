package todolist

import (
	"context"
	"errors"

	"github.com/todofn/todofn/pkg/limit"
	"github.com/todofn/todofn/pkg/todo"
)

// The fast path. Where the store is a todo.AtomicWriter (DynamoDB's
// TransactWriteItems) and keeps the todos, the claims and the counters
// alike, a write's changes (the write
// budget's take, the quota's slot, the Idempotency-Key's claim, the mark of
// a deleted todo, the todo) go to the store as one atomic write: one write
// request instead of one per change. Its conditions are the ones the
// call-by-call path checks, so when they hold the outcome is the one that
// path would have reached; when any fails, the store applied nothing and
// the call-by-call path runs as it always did, from the start, and decides
// (RateLimited and its wait, QuotaExceeded, the first count and the
// recount, a replay, NotFound, a conflict) with its own calls. An error
// whose outcome is unknown (the atomic write may have been applied) is
// returned as it is, never followed by the other path, which could then
// write a second time.
//
// A store that runs several calls in one transaction (todo.Transactor: the
// embedded store, which is an AtomicWriter too) keeps the call-by-call
// path in that transaction (tx.go): it is one commit already, whatever the
// calls decide, where an atomic write refused for a condition would be a
// transaction tried in vain before it.

// atomicWriter returns the store's todo.AtomicWriter if it has one, has no
// transactions, and keeps the todos, the claims and the counters.
func (s *Service) atomicWriter() todo.AtomicWriter {
	a, ok := s.Todos.(todo.AtomicWriter)
	if _, tx := s.Todos.(todo.Transactor); !ok || tx ||
		!sameStore(s.Todos, s.Claims) || (s.Throttles != nil && !sameStore(s.Todos, s.Throttles)) {
		return nil
	}
	return a
}

// errSlow says the atomic write was refused, nothing applied: take the
// call-by-call path.
var errSlow = errors.New("todolist: atomic write refused")

// atomically applies ws in one atomic write of a, after the owner's
// write-budget take when take is set (and the budget is on). The take is a
// token bucket's counter (package limit), which a condition can only meet
// in one of AddCount's two cases: it is tried low (the bucket refilled
// since the owner's last write, as it has for anyone writing slower than
// the budget's rate) and, refused for the take alone, once in range (a
// burst). It returns nil when all were applied, a *todo.Refusal whose
// Failed index ws (the take left out) when nothing was, with the take
// refused reported as errSlow, and any other error when the outcome is
// unknown.
func (s *Service) atomically(ctx context.Context, a todo.AtomicWriter, userID string, ws []todo.Write, take bool) error {
	var st limit.Step
	if take && s.Throttles != nil {
		l := limit.Limiter{Store: s.Throttles, Now: s.Now}
		st, take = l.TakeStep("writes:"+userID, s.Writes)
	} else {
		take = false
	}
	if !take {
		return a.AtomicWrite(ctx, ws)
	}
	all := make([]todo.Write, 1, len(ws)+1)
	all = append(all, ws...)
	for _, low := range []bool{true, false} {
		all[0] = todo.CountWrite(st.Key, st.Delta, st.Floor, st.Ceiling, st.Expires, low)
		err := a.AtomicWrite(ctx, all)
		var r *todo.Refusal
		if !errors.As(err, &r) {
			return err
		}
		if !r.Has(0) {
			failed := make([]int, len(r.Failed))
			for i, f := range r.Failed {
				failed[i] = f - 1
			}
			return &todo.Refusal{Failed: failed}
		}
		if len(r.Failed) > 1 {
			break // more than the take failed: the slow path decides
		}
	}
	return errSlow
}

// refused reports whether err says that an atomic write applied nothing.
func refused(err error) bool {
	var r *todo.Refusal
	return err == errSlow || errors.As(err, &r)
}

// slotWrite is the quota's slot as an atomic write: the owner's todos
// counted (the counter holds the count plus one, so at least 1) and below
// the quota. A count that is missing (not counted yet) or full fails it,
// and the call-by-call path counts or recounts.
func (s *Service) slotWrite(userID string) todo.Write {
	return todo.CountWrite(quotaKey(userID), 1, 1, int64(s.Quota)+1, s.now().Add(counterTTL), false)
}

// addAtomic stores t with its quota slot and write-budget take, and with
// the Idempotency-Key's record claim when it is not empty (claimed
// straight in its done state: the todo lands with it), in one atomic
// write. ok is false when the store refused it (nothing applied): the
// call-by-call path then runs.
func (s *Service) addAtomic(ctx context.Context, a todo.AtomicWriter, t *todo.Todo, key string) (ok bool, err error) {
	ws := make([]todo.Write, 0, 3)
	if s.quotaOn() {
		ws = append(ws, s.slotWrite(t.UserID))
	}
	ws = append(ws, todo.CreateWrite(t))
	if key != "" {
		rec := record{State: stateDone, FP: fingerprint(t), Todo: savedTodo{ID: t.ID, Title: t.Title,
			Done: t.Done, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}}
		ws = append(ws, todo.ClaimWrite("idem:"+t.UserID+":"+key, rec.encode(), t.CreatedAt.Add(IdempotencyTTL)))
	}
	err = s.atomically(ctx, a, t.UserID, ws, true)
	if refused(err) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	t.Version = 1
	return true, nil
}

// deleteAtomic deletes the owner's todo id (at version, or any when it is
// 0) with its write-budget take, the mark that keeps a replay from
// bringing it back (idempotency.go) and, when the todos have been counted,
// its slot given back on condition that they were last counted when the
// read before it says (a recount since may already lack the todo: then
// the call-by-call path gives nothing back). ok is false when the store
// refused it.
func (s *Service) deleteAtomic(ctx context.Context, a todo.AtomicWriter, userID, id string, version int64) (ok bool, err error) {
	counted, isCounted := s.countedAt(ctx, userID)
	ws := []todo.Write{todo.DeleteWrite(userID, id, version)}
	now := s.now()
	if exp := markExpiry(id, now); exp.After(now) {
		ws = append(ws, todo.ClaimWrite("gone:"+userID+":"+id, markDeleted, exp))
	}
	if isCounted {
		ws = append(ws, todo.CheckCountWrite(countedKey(userID), counted),
			todo.CountWrite(quotaKey(userID), -1, 1, unbounded, now.Add(counterTTL), false))
	}
	err = s.atomically(ctx, a, userID, ws, true)
	if refused(err) {
		return false, nil
	}
	return true, err
}

// updateAtomic writes t, changed from the version read, with the
// write-budget take. ok is false when the store refused it (the todo
// changed since, or the budget): the call-by-call path then runs.
func (s *Service) updateAtomic(ctx context.Context, a todo.AtomicWriter, t *todo.Todo) (ok bool, err error) {
	err = s.atomically(ctx, a, t.UserID, []todo.Write{todo.UpdateWrite(t)}, true)
	if refused(err) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	t.Version++
	return true, nil
}

// updateIfAtomic is UpdateIf's fast path: the todo read, changed, and
// written at the version read with the write-budget take. ok is false,
// and the call-by-call path runs, when the read fails, the version is not
// one of match, or the store refused the write; those answers (NotFound,
// PreconditionFailed, RateLimited, a retry on a newer version) are its.
func (s *Service) updateIfAtomic(ctx context.Context, a todo.AtomicWriter, userID, id string, in todo.TodoInput, title string, match []int64) (*todo.Todo, bool, error) {
	t, err := s.Todos.Todo(ctx, userID, id)
	if err != nil || (match != nil && !matches(match, t.Version)) {
		return nil, false, nil
	}
	if in.Title != nil {
		t.Title = title
	}
	if in.Done != nil {
		t.Done = *in.Done
	}
	t.UpdatedAt = s.now()
	ok, err := s.updateAtomic(ctx, a, t)
	if !ok || err != nil {
		return nil, ok, err
	}
	return t, true, nil
}

// deleteIfAtomic is DeleteIf's fast path: with match, the todo read and
// deleted at the version read (a version not in match takes the
// call-by-call path, which answers PreconditionFailed); without, deleted
// at any version. ok is false when the call-by-call path must run.
func (s *Service) deleteIfAtomic(ctx context.Context, a todo.AtomicWriter, userID, id string, match []int64) (bool, error) {
	var version int64
	if match != nil {
		t, err := s.Todos.Todo(ctx, userID, id)
		if err != nil || !matches(match, t.Version) {
			return false, nil
		}
		version = t.Version
	}
	return s.deleteAtomic(ctx, a, userID, id, version)
}
