package todolist

import (
	"context"

	"github.com/todofn/todofn/pkg/todo"
)

// inTx runs fn, a write's whole sequence of store calls (budget, quota,
// claims, the todo), on a copy of s whose stores share one transaction,
// when they are one engine that has transactions (todo.Transactor: the
// embedded store, where each commit is a sync to disk); else on s itself,
// call by call, as the cloud engines run it. Either way every call has the
// effect it has alone (todo.Transactor commits whatever fn returns), so the
// rules above hold unchanged; the transaction only makes the sequence one
// commit, and all or nothing in a crash. fn may run more than once: it
// sets its results afresh on each run.
func (s *Service) inTx(ctx context.Context, fn func(s *Service) error) error {
	tr, ok := s.Todos.(todo.Transactor)
	if !ok || !sameStore(s.Todos, s.Claims) || (s.Throttles != nil && !sameStore(s.Todos, s.Throttles)) {
		return fn(s)
	}
	return tr.InTransaction(ctx, func(st todo.Store) error {
		c := *s
		c.Todos, c.Claims = st, st
		if s.Throttles != nil {
			c.Throttles = st
		}
		return fn(&c)
	})
}

// sameStore reports whether a and b are the same store value.
func sameStore(a, b any) bool { return a == b }
