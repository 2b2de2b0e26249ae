package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

var _ todo.Transactor = (*Store)(nil)

// InTransaction implements todo.Transactor: fn's calls run in one bbolt
// write transaction, which commits (with the writes queued beside it,
// group.go) once fn returns, so a todo write that is several store calls
// is one commit and one pair of syncs instead of one per call. Every
// method here checks before it writes, so a call that fails inside the
// transaction has written nothing, and the calls around it stand. Called
// on the Store fn was given, it runs fn in the same transaction.
func (s *Store) InTransaction(_ context.Context, fn func(todo.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	var fnErr error
	var inner *Store
	err := s.update(func(tx *bbolt.Tx) error {
		inner = &Store{path: s.path, opts: s.opts, notify: s.notify, tx: tx}
		fnErr = fn(inner) // afresh on each run (see update)
		return nil        // commit whatever fn answers: each call stands as if alone
	})
	if err != nil {
		return err
	}
	if inner.poked {
		s.poke() // the change feed's news, now that it is committed
	}
	return fnErr
}
