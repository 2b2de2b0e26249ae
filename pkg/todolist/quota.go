package todolist

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/todofn/todofn/pkg/todo"
)

// The quota is kept on the atomic counters of the throttle store
// (todo.CounterStore), so concurrent adds can neither take more slots than
// there are nor fail because they ran at the same time:
//
//   - "todoquota:<owner>" holds the count plus one: the owner's stored
//     todos and the slots reserved by adds still running. 0 (no counter,
//     or one expired after counterTTL without a write) means "not counted";
//   - "todoquota-counted:<owner>" holds when the todos were last counted,
//     in epoch milliseconds (each write stores at least the time it ran,
//     so it only grows);
//   - "todoquota-adding:<owner>" counts the adds between taking a slot and
//     finishing their write (each enters before it takes a slot and leaves
//     after its write); it expires settleWindow after its last change, so
//     an add that crashed in between holds nothing off for longer.
//
// An add reserves a slot (one atomic increment up to the quota) before it
// writes the todo and gives it back when the write surely stored nothing;
// a delete gives its slot back after the todo is gone. A failure in
// between (a crash, a store error whose outcome is unknown, a give-back
// that fails) can only leave the count too high, never too low, so the
// quota holds. The count is made by counting the owner's todos (listing
// their pages) when there is none (a new owner, a counter expired after
// long idleness, todos from before the quota): the add that finds it
// missing marks it counted, lists, and adds the todos dated before its
// mark; adds racing it count on top and their todos, dated later, are
// left out of the listing, so each slot is counted once. A full count is
// repaired by counting again, at most once per recountEvery and only when
// no add is between taking a slot and finishing its write (so the listing
// sees every todo whose slot the count holds): it is lowered to the
// listed number only if it did not change while the todos were listed. A
// delete reads when the todos were last counted before it deletes, and
// gives its slot back only if they have not been counted again since (that
// count may already lack its todo; the counter stays too high until the
// next one). That check is a read before the decrement: only a whole
// recount (stamp, listing and lowering) run between the two could still
// leave the count one too low.
//
// Where the store writes atomically (atomic.go), an add takes its slot and
// stores its todo in one write, on condition that the todos are counted
// (the counter holds at least 1) and below the quota; a missing or full
// count refuses it, and the call-by-call add above counts or recounts. It
// does not enter "adding": that count guards the time between a slot taken
// and its todo written, which is none when both land in one write, or
// neither. So the recount's reasoning holds with both kinds of add: when
// it finds nobody adding, every slot the count holds belongs to a todo
// already written (an atomic add's, or a call-by-call add's that left),
// and the listing sees it unless it is deleted meanwhile, which the
// stamp settles as for any delete. An atomic delete gives its slot back in
// the write that deletes the todo, on condition that the stamp still holds
// the time it read, so for it even a whole recount between the read and
// the decrement changes nothing: the write is refused, and the delete
// made call by call gives nothing back. An atomic write whose outcome is
// unknown took its slot exactly if it stored its todo: the count does not
// drift.
const (
	counterTTL = 90 * 24 * time.Hour
	// settleWindow is longer than any add runs (the functions time out
	// after 10 s).
	settleWindow = time.Minute
	// recountEvery bounds the listing an owner at the quota can cause.
	recountEvery = time.Minute
	// unbounded is a ceiling no count reaches.
	unbounded = math.MaxInt64 / 2
)

func quotaKey(userID string) string   { return "todoquota:" + userID }
func countedKey(userID string) string { return "todoquota-counted:" + userID }
func addingKey(userID string) string  { return "todoquota-adding:" + userID }

func (s *Service) quotaOn() bool { return s.Quota > 0 && s.Throttles != nil }

func (s *Service) quotaExceeded() error {
	return &todo.Error{Code: todo.QuotaExceeded,
		Message: fmt.Sprintf("Your list holds %d todos, as many as it may; delete some to add more.", s.Quota)}
}

// reserve takes one slot of the owner's quota, or returns QuotaExceeded.
// With a slot, the caller calls done once its write has finished (stored,
// refused or failed): until then a recount, which could not see the todo
// yet, keeps off.
func (s *Service) reserve(ctx context.Context, userID string) (done func(), err error) {
	if !s.quotaOn() {
		return func() {}, nil
	}
	for attempt := 0; ; attempt++ {
		now := s.now()
		exp := now.Add(counterTTL)
		// Entered before the slot is taken: a recount that finds nobody
		// adding cannot overlap a reservation whose todo is not written
		// yet, and so cannot free that slot a second time.
		if err := s.enter(ctx, userID, now); err != nil {
			return nil, err
		}
		done = func() { s.leave(ctx, userID) }
		n, ok, err := s.Throttles.AddCount(ctx, quotaKey(userID), 1, 0, int64(s.Quota)+1, exp)
		switch {
		case err != nil:
			done()
			return nil, err
		case ok && n == 1:
			if err := s.firstCount(ctx, userID, now); err != nil {
				done()
				return nil, err
			}
			return done, nil
		case ok:
			return done, nil
		}
		done()
		// Full: repair a count that drifted too high, once, if it may be.
		if attempt > 0 {
			return nil, s.quotaExceeded()
		}
		lowered, err := s.recount(ctx, userID, n, now)
		if err != nil {
			return nil, err
		}
		if !lowered {
			return nil, s.quotaExceeded()
		}
	}
}

// enter counts an add that may take a slot of userID's quota; leave
// uncounts it. The count expires settleWindow after its last change.
func (s *Service) enter(ctx context.Context, userID string, now time.Time) error {
	_, _, err := s.Throttles.AddCount(ctx, addingKey(userID), 1, 0, unbounded, now.Add(settleWindow))
	return err
}

// leave is best effort: one it fails to make holds recounts off until
// the count expires.
func (s *Service) leave(ctx context.Context, userID string) {
	_, _, _ = s.Throttles.AddCount(context.WithoutCancel(ctx), addingKey(userID), -1, 0, unbounded, s.now().Add(settleWindow))
}

// firstCount completes a reservation that found the owner's todos not
// counted: it marked them counted at 0 (the 1 stored), so it lists them
// and adds their number and its own slot, then gives the slot back if that
// is over the quota.
func (s *Service) firstCount(ctx context.Context, userID string, now time.Time) error {
	k, exp := quotaKey(userID), now.Add(counterTTL)
	// Counted from now on, before the listing: a full count met meanwhile
	// is not recounted while this count is still being made.
	if err := s.stamp(ctx, countedKey(userID), now); err != nil {
		return err
	}
	// Only todos from before this add took the marker: the adds that
	// counted on top of it meanwhile hold their own slots already, and
	// their todos (dated from their own clock reading, not earlier) are
	// left out, so none is counted twice.
	m, err := s.countTodos(ctx, userID, now.UnixMilli())
	if err != nil {
		// Uncounted again, unless adds counted on top meanwhile (then the
		// count stays too low by the todos not listed until it is repaired
		// or expires: an outage of the todos table is the only way here).
		_, _, _ = s.Throttles.AddCount(ctx, k, -1, 0, 0, exp)
		return err
	}
	n, _, err := s.Throttles.AddCount(ctx, k, int64(m)+1, 0, unbounded, exp)
	if err != nil {
		return err
	}
	if n-1 > int64(s.Quota) {
		s.release(ctx, userID, nil)
		return s.quotaExceeded()
	}
	return nil
}

// recount lists the owner's todos and lowers a full count, which holds
// full+1, to their number if it may be repaired at now (see mayRecount)
// and did not change meanwhile. It reports whether it lowered it.
func (s *Service) recount(ctx context.Context, userID string, full int64, now time.Time) (bool, error) {
	if ok, err := s.mayRecount(ctx, userID, now); err != nil || !ok {
		return false, err
	}
	// Counted from now on: a delete that read the previous time gives
	// nothing back, since the listing may already lack its todo.
	if err := s.stamp(ctx, countedKey(userID), now); err != nil {
		return false, err
	}
	m, err := s.countTodos(ctx, userID, math.MaxInt64)
	if err != nil {
		return false, err
	}
	// Lower full to m+1 only if it still holds full: floor and ceiling m+1
	// pass full+delta and refuse any other count.
	target := int64(m) + 1
	if target >= full {
		return false, nil
	}
	_, lowered, err := s.Throttles.AddCount(ctx, quotaKey(userID), target-full, target, target, now.Add(counterTTL))
	return lowered, err
}

// mayRecount reports whether a full count may be repaired at now: counted
// at least recountEvery ago, and no add between taking a slot and
// finishing its write.
func (s *Service) mayRecount(ctx context.Context, userID string, now time.Time) (bool, error) {
	counted, err := s.readStamp(ctx, countedKey(userID))
	if err != nil {
		return false, err
	}
	adding, err := s.readStamp(ctx, addingKey(userID))
	if err != nil {
		return false, err
	}
	return now.UnixMilli()-counted >= recountEvery.Milliseconds() && adding == 0, nil
}

// countTodos lists the owner's todos and returns how many there are whose
// ID (a ULID, dated when its add ran) is dated before the epoch millisecond
// before.
func (s *Service) countTodos(ctx context.Context, userID string, before int64) (int, error) {
	n := 0
	q := todo.TodoQuery{Limit: todo.MaxPageSize}
	for {
		page, err := s.Todos.Todos(ctx, userID, q)
		if err != nil {
			return 0, err
		}
		for _, t := range page.Items {
			if id, err := ulid.ParseStrict(t.ID); err != nil || int64(id.Time()) < before {
				n++ // an ID that is no ULID counts: too high, never too low
			}
		}
		if page.Next == "" {
			return n, nil
		}
		q.After = page.Next
	}
}

// stamp records now under key: the stored time becomes at least now, in
// one atomic write (raised to now, plus one).
func (s *Service) stamp(ctx context.Context, key string, now time.Time) error {
	_, _, err := s.Throttles.AddCount(ctx, key, 1, now.UnixMilli(), unbounded, now.Add(counterTTL))
	return err
}

// readStamp returns the time stored under key, 0 if none.
func (s *Service) readStamp(ctx context.Context, key string) (int64, error) {
	n, _, err := s.Throttles.AddCount(ctx, key, 0, 0, unbounded, time.Time{})
	return n, err
}

// countedAt returns when the owner's todos were last counted, read by a
// delete before it deletes, for release; ok is false when they have not
// been counted (or it cannot be read): then the delete gives nothing back.
func (s *Service) countedAt(ctx context.Context, userID string) (at int64, ok bool) {
	if !s.quotaOn() {
		return 0, false
	}
	at, err := s.readStamp(ctx, countedKey(userID))
	return at, err == nil && at != 0
}

// deleteTodo deletes the owner's todo id, only at version unless it is 0,
// and gives its slot back.
func (s *Service) deleteTodo(ctx context.Context, userID, id string, version int64) error {
	counted, ok := s.countedAt(ctx, userID)
	var err error
	if version == 0 {
		err = s.Todos.DeleteTodo(ctx, userID, id)
	} else {
		err = s.Todos.DeleteTodoIf(ctx, userID, id, version)
	}
	if err != nil {
		return err
	}
	if ok {
		s.release(ctx, userID, &counted)
	}
	return nil
}

// release gives one slot back: that of an add whose write stored nothing
// (counted nil), or that of a deleted todo if the todos were last counted
// at *counted, read before the delete, and not since. It is best effort: a
// slot not given back leaves the count too high until the next recount.
// The give-back is one atomic decrement that never takes the count below
// zero (the stored 1).
func (s *Service) release(ctx context.Context, userID string, counted *int64) {
	if !s.quotaOn() {
		return
	}
	if counted != nil {
		if at, err := s.readStamp(ctx, countedKey(userID)); err != nil || at != *counted {
			return // counted again since the delete began: the count may lack the todo
		}
	}
	_, _, _ = s.Throttles.AddCount(ctx, quotaKey(userID), -1, 1, unbounded, s.now().Add(counterTTL))
}
