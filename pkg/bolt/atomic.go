package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

var _ todo.AtomicWriter = (*Store)(nil)

// AtomicWrite implements todo.AtomicWriter in one write transaction (shared
// with the writes queued beside it, group.go, or the one InTransaction
// runs): it checks every write's condition first and writes only if all
// hold, so a refusal writes nothing, and bbolt commits the writes whole or
// not at all. Records are written as the single calls write them.
func (s *Store) AtomicWrite(_ context.Context, ws []todo.Write) error {
	if err := todo.CheckWrites(ws); err != nil {
		return err
	}
	return s.update(func(tx *bbolt.Tx) error {
		todos, keys := tx.Bucket(bucketTodos), tx.Bucket(bucketKeys)
		var failed []int
		for i, w := range ws {
			ok, err := s.holds(todos, keys, w)
			if err != nil {
				return err
			}
			if !ok {
				failed = append(failed, i)
			}
		}
		if failed != nil {
			return &todo.Refusal{Failed: failed}
		}
		for _, w := range ws {
			if err := s.apply(todos, keys, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// holds reports whether w's condition holds on the records as they are.
func (s *Store) holds(todos, keys *bbolt.Bucket, w todo.Write) (bool, error) {
	switch w.Op {
	case todo.OpCreateTodo:
		return todos.Get(todoKey(w.Todo.UserID, w.Todo.ID)) == nil, nil
	case todo.OpUpdateTodo, todo.OpDeleteTodo:
		var old todo.Todo
		found, err := getJSON(todos, todoKey(w.Todo.UserID, w.Todo.ID), &old)
		if err != nil || !found {
			return false, err
		}
		return old.Version == w.Todo.Version || (w.Op == todo.OpDeleteTodo && w.Todo.Version == 0), nil
	case todo.OpClaim:
		var c claim
		found, err := getJSON(keys, []byte("claim:"+w.Key), &c)
		return err == nil && !(found && s.now().Before(c.Expires)), err
	}
	var c counter
	found, err := getJSON(keys, []byte("count:"+w.Key), &c)
	if err != nil {
		return false, err
	}
	live := found && s.now().Before(c.Expires)
	switch w.Op {
	case todo.OpCountInRange:
		v := c.Count
		return live && v >= w.Floor && v+w.Delta >= w.Floor && v+w.Delta <= w.Ceiling, nil
	case todo.OpCountLow:
		return (!live || c.Count < w.Floor) && w.Delta >= 0 && w.Floor+w.Delta <= w.Ceiling, nil
	}
	return live && c.Count == w.Count, nil // OpCheckCount
}

// apply makes w's change, its condition checked.
func (s *Store) apply(todos, keys *bbolt.Bucket, w todo.Write) error {
	k := todoKey(w.Todo.UserID, w.Todo.ID)
	switch w.Op {
	case todo.OpCreateTodo:
		t := w.Todo
		t.Version = 1
		return putJSON(todos, k, &t)
	case todo.OpUpdateTodo:
		t := w.Todo
		t.Version++
		return putJSON(todos, k, &t)
	case todo.OpDeleteTodo:
		return todos.Delete(k)
	case todo.OpClaim:
		return putJSON(keys, []byte("claim:"+w.Key), claim{Value: w.Value, Expires: w.Expires})
	case todo.OpCountInRange:
		var c counter
		if _, err := getJSON(keys, []byte("count:"+w.Key), &c); err != nil {
			return err
		}
		return putJSON(keys, []byte("count:"+w.Key), counter{Count: c.Count + w.Delta, Expires: w.Expires})
	case todo.OpCountLow:
		return putJSON(keys, []byte("count:"+w.Key), counter{Count: w.Floor + w.Delta, Expires: w.Expires})
	}
	return nil // OpCheckCount changes nothing
}
