package bolt

import (
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

// ClearTodos implements todo.TodoStore in one write transaction: every
// todo still at the version read is deleted, or none is (bbolt commits a
// transaction whole or not at all), so a crash leaves each todo deleted or
// not.
func (s *Store) ClearTodos(_ context.Context, userID string, todos []todo.Todo) (int, error) {
	return s.bulk(userID, todos, func(b *bbolt.Bucket, k []byte, _ *todo.Todo) error { return b.Delete(k) })
}

// MarkTodos implements todo.TodoStore in one write transaction, as
// ClearTodos does.
func (s *Store) MarkTodos(_ context.Context, userID string, todos []todo.Todo, done bool, at time.Time) (int, error) {
	return s.bulk(userID, todos, func(b *bbolt.Bucket, k []byte, old *todo.Todo) error {
		old.Done, old.UpdatedAt = done, at
		old.Version++
		return putJSON(b, k, old)
	})
}

// bulk applies change, in one write transaction, to each of the owner's
// todos whose stored version still equals the version in todos, and
// returns how many it changed.
func (s *Store) bulk(userID string, todos []todo.Todo, change func(b *bbolt.Bucket, k []byte, old *todo.Todo) error) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0 // the transaction may run again
		b := tx.Bucket(bucketTodos)
		for _, t := range todos {
			k := todoKey(userID, t.ID)
			var old todo.Todo
			found, err := getJSON(b, k, &old)
			if err != nil {
				return err
			}
			if !found || old.Version != t.Version {
				continue // gone, or changed since it was read
			}
			if err := change(b, k, &old); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
