package todolist

import (
	"context"
	"fmt"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// The quota is kept as a counter per owner in the throttle store, under
// "todocount:<owner>", changed only by conditional writes (the stored
// Version), so concurrent adds cannot take more slots than there are:
//
//   - Failures is the count: the owner's stored todos plus the slots
//     reserved by adds still running;
//   - WindowStart is when the todos were last counted;
//   - LockedUntil is when the last slot was reserved;
//   - Expires is counterTTL after the last write.
//
// An add reserves a slot before it writes the todo and gives it back when
// the write surely stored nothing; a delete gives its slot back after the
// todo is gone. A failure in between (a crash, a store error whose outcome
// is unknown, a give-back that fails) can only leave the count too high,
// never too low, so the quota always holds. The count is repaired by
// counting the owner's todos (listing their pages) when there is no counter
// (a new owner, a counter expired after long idleness, todos from before
// the quota) and when the counter says full: at most once per
// recountEvery, and only when no slot was reserved for settleWindow (every
// add that reserved one has finished, so the listing sees all it stored).
// The counted value is written only if the counter did not change while
// the todos were listed. A delete reads when the todos were last counted
// before it deletes, and gives its slot back only if they have not been
// counted again since (that count may already lack its todo; the counter
// stays too high until the next one).
const (
	counterTTL = 90 * 24 * time.Hour
	// settleWindow is longer than any add runs (the functions time out
	// after 10 s).
	settleWindow = time.Minute
	// recountEvery bounds the listing an owner at the quota can cause.
	recountEvery = time.Minute
	// maxCounterRetries bounds the optimistic-concurrency loops.
	maxCounterRetries = 8
)

func counterKey(userID string) string { return "todocount:" + userID }

func (s *Service) quotaOn() bool { return s.Quota > 0 && s.Throttles != nil }

// reserve takes one slot of the owner's quota, or returns QuotaExceeded.
func (s *Service) reserve(ctx context.Context, userID string) error {
	if !s.quotaOn() {
		return nil
	}
	for range maxCounterRetries {
		now := s.now()
		c, err := s.Throttles.Throttle(ctx, counterKey(userID))
		switch {
		case todo.ErrorCode(err) == todo.NotFound:
			c, err = s.recount(ctx, userID, &todo.Throttle{Key: counterKey(userID)}, now)
		case err == nil && c.Failures >= s.Quota && mayRecount(c, now):
			c, err = s.recount(ctx, userID, c, now)
		}
		if todo.ErrorCode(err) == todo.Conflict {
			continue
		}
		if err != nil {
			return err
		}
		if c.Failures >= s.Quota {
			return &todo.Error{Code: todo.QuotaExceeded,
				Message: fmt.Sprintf("Your list holds %d todos, as many as it may; delete some to add more.", s.Quota)}
		}
		c.Failures++
		c.LockedUntil, c.Expires = now, now.Add(counterTTL)
		err = s.Throttles.PutThrottle(ctx, c)
		if todo.ErrorCode(err) != todo.Conflict {
			return err
		}
	}
	return &todo.Error{Code: todo.Unavailable, RetryAfter: 1, Message: "Too many todos are being added at once; try again in a moment."}
}

// mayRecount reports whether a full counter c may be repaired at now.
func mayRecount(c *todo.Throttle, now time.Time) bool {
	return now.Sub(c.WindowStart) >= recountEvery && now.Sub(c.LockedUntil) >= settleWindow
}

// recount counts the owner's todos and writes the count into c, if c did
// not change meanwhile (else Conflict).
func (s *Service) recount(ctx context.Context, userID string, c *todo.Throttle, now time.Time) (*todo.Throttle, error) {
	n := 0
	q := todo.TodoQuery{Limit: todo.MaxPageSize}
	for {
		page, err := s.Todos.Todos(ctx, userID, q)
		if err != nil {
			return nil, err
		}
		n += len(page.Items)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	c.Failures, c.WindowStart, c.Expires = n, now, now.Add(counterTTL)
	if err := s.Throttles.PutThrottle(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// countedAt returns when the owner's todos were last counted, read by a
// delete before it deletes, for release; ok is false when there is no
// counter (or it cannot be read): then the delete gives nothing back.
func (s *Service) countedAt(ctx context.Context, userID string) (at time.Time, ok bool) {
	if !s.quotaOn() {
		return time.Time{}, false
	}
	c, err := s.Throttles.Throttle(ctx, counterKey(userID))
	if err != nil {
		return time.Time{}, false
	}
	return c.WindowStart, true
}

// deleteTodo deletes the owner's todo id and gives its slot back.
func (s *Service) deleteTodo(ctx context.Context, userID, id string) error {
	counted, ok := s.countedAt(ctx, userID)
	if err := s.Todos.DeleteTodo(ctx, userID, id); err != nil {
		return err
	}
	if ok {
		s.release(ctx, userID, &counted)
	}
	return nil
}

// release gives one slot back: that of an add whose write stored nothing
// (counted nil), or that of a deleted todo if the todos were last counted
// at *counted, read before the delete, and not since. It is best effort: a slot
// not given back leaves the count too high until the next recount.
func (s *Service) release(ctx context.Context, userID string, counted *time.Time) {
	if !s.quotaOn() {
		return
	}
	for range maxCounterRetries {
		c, err := s.Throttles.Throttle(ctx, counterKey(userID))
		if err != nil || c.Failures == 0 {
			return // no counter: the next add counts
		}
		if counted != nil && !c.WindowStart.Equal(*counted) {
			return // counted again since the delete began: the count may lack the todo
		}
		c.Failures--
		c.Expires = s.now().Add(counterTTL)
		if todo.ErrorCode(s.Throttles.PutThrottle(ctx, c)) != todo.Conflict {
			return
		}
	}
}
