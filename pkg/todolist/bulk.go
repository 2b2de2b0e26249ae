package todolist

import (
	"context"
	"errors"
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
	fast := func(a todo.AtomicWriter, items []todo.Todo, take bool) (int, []todo.Todo, bool, error) {
		now := s.now()
		counted, isCounted := s.countedAt(ctx, userID)
		per := func(t todo.Todo) []todo.Write {
			ws := []todo.Write{todo.DeleteWrite(userID, t.ID, t.Version)}
			if exp := markExpiry(t.ID, now); exp.After(now) {
				ws = append(ws, todo.ClaimWrite("gone:"+userID+":"+t.ID, markDeleted, exp))
			}
			return ws
		}
		extra := func(k int) []todo.Write {
			if !isCounted {
				return nil
			}
			return []todo.Write{todo.CheckCountWrite(countedKey(userID), counted),
				todo.CountWrite(quotaKey(userID), -int64(k), 1, unbounded, now.Add(counterTTL), false)}
		}
		return s.bulkAtomic(ctx, a, userID, items, take, per, extra)
	}
	return s.bulk(ctx, userID, true, fast, func(items []todo.Todo) (int, error) {
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
	fast := func(a todo.AtomicWriter, items []todo.Todo, take bool) (int, []todo.Todo, bool, error) {
		at := s.now()
		per := func(t todo.Todo) []todo.Write {
			t.UserID, t.Done, t.UpdatedAt = userID, done, at
			return []todo.Write{todo.UpdateWrite(&t)}
		}
		return s.bulkAtomic(ctx, a, userID, items, take, per, func(int) []todo.Write { return nil })
	}
	return s.bulk(ctx, userID, !done, fast, func(items []todo.Todo) (int, error) {
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

// atomicBatch is a bulk change's batch as atomic writes (bulkAtomic):
// given the store, the batch and whether the write-budget take is still to
// be made, it returns the todos changed, those left for the call-by-call
// path, whether it made the take, and an error whose outcome is unknown.
type atomicBatch func(a todo.AtomicWriter, items []todo.Todo, take bool) (changed int, left []todo.Todo, took bool, err error)

// bulk runs batches of apply on the owner's todos whose Done is from,
// newest first, until a page holds none (or all of the last page were
// changed), or the next batch might not end before ctx's deadline. The
// first batch always runs, so every call makes progress. Where the store
// writes atomically, each batch is first given to fast, the first one with
// the write-budget take, and apply gets only what fast leaves (with the
// take made first if fast did not make it); elsewhere the take is made
// before the first batch.
func (s *Service) bulk(ctx context.Context, userID string, from bool, fast atomicBatch, apply func([]todo.Todo) (int, error)) (todo.BulkResult, error) {
	a := s.atomicWriter()
	took := a == nil
	if took {
		if err := s.takeWrite(ctx, userID); err != nil {
			return todo.BulkResult{}, err
		}
	}
	take := func() error {
		if took {
			return nil
		}
		took = true
		return s.takeWrite(ctx, userID)
	}
	if a != nil {
		apply0 := apply
		apply = func(items []todo.Todo) (int, error) {
			n, left, tookFast, err := fast(a, items, !took)
			took = took || tookFast
			if err != nil || len(left) == 0 {
				return n, err
			}
			if err := take(); err != nil {
				return n, err
			}
			m, err := apply0(left)
			return n + m, err
		}
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
			return res, take() // a call that changes nothing still pays its write
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

// bulkAtomic applies one batch of a bulk change in atomic writes of at
// most todo.MaxAtomicWrites writes each: per gives each todo's writes (its
// own first: the conditional delete or update), extra the writes that go
// with k of them (the stamp check and the quota's give-back), and the
// first write carries the write-budget take when take is set. A refusal
// that names only todos' own writes drops those todos (changed or gone
// since they were read, which the store methods skip too) and sends the
// rest once more; any other refusal, or a second one, leaves the rest of
// the batch to the call-by-call path (left). An error whose outcome is
// unknown ends the batch.
func (s *Service) bulkAtomic(ctx context.Context, a todo.AtomicWriter, userID string, items []todo.Todo, take bool,
	per func(todo.Todo) []todo.Write, extra func(k int) []todo.Write) (changed int, left []todo.Todo, took bool, err error) {
	room := todo.MaxAtomicWrites - len(extra(1)) - 1 // 1: the take, if it goes in this write
	for len(items) > 0 {
		chunk, used := 0, 0
		for chunk < len(items) && used+len(per(items[chunk])) <= room {
			used += len(per(items[chunk]))
			chunk++
		}
		todos := items[:chunk]
		for attempt := 0; ; attempt++ {
			var ws []todo.Write
			var own []int // own[i]: the todo whose own write ws[i] is, else -1
			for i, t := range todos {
				for j, w := range per(t) {
					ws, own = append(ws, w), append(own, -1)
					if j == 0 {
						own[len(own)-1] = i
					}
				}
			}
			ws = append(ws, extra(len(todos))...)
			err := s.atomically(ctx, a, userID, ws, take)
			if err == nil {
				changed, took, take = changed+len(todos), took || take, false
				break
			}
			var r *todo.Refusal
			if !errors.As(err, &r) {
				if err == errSlow {
					return changed, items, took, nil
				}
				return changed, nil, took, err
			}
			gone := map[int]bool{}
			for _, f := range r.Failed {
				if f >= len(own) || own[f] < 0 {
					gone = nil
					break
				}
				gone[own[f]] = true
			}
			if attempt > 0 || len(gone) == 0 {
				return changed, items, took, nil
			}
			kept := make([]todo.Todo, 0, len(todos)-len(gone))
			for i, t := range todos {
				if !gone[i] {
					kept = append(kept, t)
				}
			}
			if todos = kept; len(todos) == 0 {
				break
			}
		}
		items = items[chunk:]
	}
	return changed, nil, took, nil
}
