package todolist

import (
	"context"
	"time"

	"github.com/todofn/todofn/pkg/todo"
)

// bulkMargin is the time a bulk call keeps back from its context's
// deadline: no batch starts with less left than this or than twice the
// longest batch so far, so the last one ends, and the answer is written,
// before the deadline. The idea is the stream policy's margin (package
// stream): stop starting work near the deadline and say what is left.
const bulkMargin = 2 * time.Second

// Clear deletes the owner's completed todos, a batch at a time (a page of
// done todos read, then ClearTodos on them), until none is left or the
// deadline of ctx is near; it gives each deleted todo's slot of the quota
// back as Delete does, and marks the young ones deleted first (see
// idempotency.go). A todo un-ticked or changed while Clear runs is not
// deleted: each delete is conditional on the version read. The whole call
// is one write of the owner's write budget (else RateLimited).
func (s *Service) Clear(ctx context.Context, userID string) (todo.BulkResult, error) {
	return s.bulk(ctx, userID, true, func(items []todo.Todo) (int, error) {
		for _, t := range items {
			if err := s.markDeleted(ctx, userID, t.ID); err != nil {
				return 0, err
			}
		}
		counted, ok := s.countedAt(ctx, userID)
		n, err := s.Todos.ClearTodos(ctx, userID, items)
		if ok && n > 0 {
			s.releaseN(ctx, userID, counted, n)
		}
		return n, err
	})
}

// MarkAll sets every todo of the owner to done, a batch at a time (a page
// of the todos in the other state, then MarkTodos on them), until none is
// left or the deadline of ctx is near. A todo changed while MarkAll runs
// keeps that change (each write is conditional on the version read) and
// is read again by the next batch. The call is one write of the owner's
// write budget.
func (s *Service) MarkAll(ctx context.Context, userID string, done bool) (todo.BulkResult, error) {
	return s.bulk(ctx, userID, !done, func(items []todo.Todo) (int, error) {
		return s.Todos.MarkTodos(ctx, userID, items, done, s.now())
	})
}

// batch is the number of todos one batch reads and changes.
func (s *Service) batch() int {
	if s.BulkBatch > 0 && s.BulkBatch < todo.MaxBatch {
		return s.BulkBatch
	}
	return todo.MaxBatch
}

// bulk runs batches of apply on the owner's todos whose Done is from,
// newest first, until a page holds none (or all of the last page were
// changed), or the next batch might not end before ctx's deadline. The
// first batch always runs, so every call makes progress.
func (s *Service) bulk(ctx context.Context, userID string, from bool, apply func([]todo.Todo) (int, error)) (todo.BulkResult, error) {
	if err := s.takeWrite(ctx, userID); err != nil {
		return todo.BulkResult{}, err
	}
	var res todo.BulkResult
	var longest time.Duration
	for first := true; ; first = false {
		start := s.now()
		if !first && !timeFor(ctx, start, longest) {
			res.More = true
			return res, nil
		}
		page, err := s.Todos.Todos(ctx, userID, todo.TodoQuery{Limit: s.batch(), Done: &from})
		if err != nil {
			return res, err
		}
		if len(page.Items) == 0 {
			return res, nil
		}
		n, err := apply(page.Items)
		res.Changed += n
		if err != nil {
			return res, err
		}
		longest = max(longest, s.now().Sub(start))
		if page.Next == "" && n == len(page.Items) {
			return res, nil
		}
	}
}

// timeFor reports whether a batch may start at now: ctx has no deadline,
// or more than bulkMargin and twice the longest batch so far are left.
func timeFor(ctx context.Context, now time.Time, longest time.Duration) bool {
	d, ok := ctx.Deadline()
	return !ok || d.Sub(now) > max(bulkMargin, 2*longest)
}

// releaseN gives back the slots of n todos deleted by one batch, if the
// todos were last counted at counted (read before the batch) and not
// since, as release does for one. The give-back is one atomic decrement
// that never takes the count below the stored 1: a count lower than n (it
// was too low already) is lowered to 1 instead. It is best effort.
func (s *Service) releaseN(ctx context.Context, userID string, counted int64, n int) {
	if at, err := s.readStamp(ctx, countedKey(userID)); err != nil || at != counted {
		return
	}
	delta := -int64(n)
	for range maxUpdateRetries {
		v, ok, err := s.Throttles.AddCount(ctx, quotaKey(userID), delta, 1, unbounded, s.now().Add(counterTTL))
		if err != nil || ok || v <= 1 {
			return
		}
		delta = 1 - v // v-n < 1: lower it to 1
	}
}
