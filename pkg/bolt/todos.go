package bolt

import (
	"bytes"
	"context"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

// todoKey is the owner's ID, a NUL byte and the todo's ID: one user's todos
// are one contiguous key range, sorted by ID.
func todoKey(userID, id string) []byte {
	return append(append([]byte(userID), 0), id...)
}

// CreateTodo implements todo.TodoStore.
func (s *Store) CreateTodo(_ context.Context, t *todo.Todo) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTodos)
		k := todoKey(t.UserID, t.ID)
		if b.Get(k) != nil {
			return todo.ErrTodoExists
		}
		nt := *t
		nt.Version = 1
		return putJSON(b, k, &nt)
	})
	if err == nil {
		t.Version = 1
	}
	return err
}

// Todo implements todo.TodoStore.
func (s *Store) Todo(_ context.Context, userID, id string) (*todo.Todo, error) {
	var t todo.Todo
	var found bool
	err := s.view(func(tx *bbolt.Tx) (err error) {
		found, err = getJSON(tx.Bucket(bucketTodos), todoKey(userID, id), &t)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, todo.ErrTodoNotFound
	}
	return &t, nil
}

// UpdateTodo implements todo.TodoStore.
func (s *Store) UpdateTodo(_ context.Context, t *todo.Todo) error {
	return s.updateVersioned(&t.Version, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTodos)
		k := todoKey(t.UserID, t.ID)
		var old todo.Todo
		found, err := getJSON(b, k, &old)
		if err != nil {
			return err
		}
		if !found {
			return todo.ErrTodoNotFound
		}
		if old.Version != t.Version {
			return todo.ErrTodoChanged
		}
		nt := *t
		nt.Version++
		return putJSON(b, k, &nt)
	})
}

// DeleteTodo implements todo.TodoStore.
func (s *Store) DeleteTodo(_ context.Context, userID, id string) error {
	return s.deleteTodo(userID, id, 0)
}

// DeleteTodoIf implements todo.TodoStore: the version check and the delete
// are one write transaction.
func (s *Store) DeleteTodoIf(_ context.Context, userID, id string, version int64) error {
	if version < 1 {
		return todo.ErrTodoChanged
	}
	return s.deleteTodo(userID, id, version)
}

// deleteTodo deletes the owner's todo, only at version when it is not 0.
func (s *Store) deleteTodo(userID, id string, version int64) error {
	return s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTodos)
		k := todoKey(userID, id)
		if b.Get(k) == nil {
			return todo.ErrTodoNotFound
		}
		if version != 0 {
			var old todo.Todo
			if _, err := getJSON(b, k, &old); err != nil {
				return err
			}
			if old.Version != version {
				return todo.ErrTodoChanged
			}
		}
		return b.Delete(k)
	})
}

// Todos implements todo.TodoStore. The page, the filter and the counts
// come from one read transaction, so the counts are exact for the moment
// of the read and agree with the page: the scan reads the todos it keeps
// and, with q.Count, counts the owner's whole range (on the first page in
// the same walk, which starts at the newest todo and then goes on to the
// oldest; on a later page in a walk of its own).
//
// The kept todos are read by hand (todocodec.go). With q.Answer, each is
// written as the answer sends it straight into the caller's buffer, cut
// from the stored JSON (appendWire), and the page has no Items: no todo is
// built and nothing is allocated per todo. Without, their IDs and titles
// are copied into one strings.Builder and the Items' are slices of the one
// string it holds, so a page costs a few allocations, not a dozen per
// todo.
func (s *Store) Todos(_ context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error) {
	limit := q.Limit
	if limit <= 0 || limit > todo.MaxPageSize {
		limit = todo.DefaultPageSize
	}
	prefix := todoKey(userID, "")
	ans := q.Answer
	var start int
	if ans != nil {
		start = len(ans.Buf)
	}
	var page todo.TodoPage
	var buf strings.Builder // the IDs and titles of the Items read by hand, back to back
	var spans [][2][2]int   // per item: its ID and title in buf; {{-1}} if json.Unmarshal read it
	err := s.view(func(tx *bbolt.Tx) error {
		// The first page's walk starts at the owner's newest todo, so it
		// counts them as it goes: the kept ones as it reads them, the rest
		// by their Done bytes once the page is full. A later page's walk
		// starts in the middle, so the count is a walk of its own.
		tally := q.Count && q.After == ""
		switch {
		case tally:
			page.Counts = &todo.TodoCounts{}
		case q.Count:
			counts, err := countTodos(tx, prefix)
			if err != nil {
				return err
			}
			page.Counts = counts
		}
		count := func(done bool) {
			if done {
				page.Counts.Completed++
			} else {
				page.Counts.Active++
			}
		}
		c := tx.Bucket(bucketTodos).Cursor()
		// Start at the newest key below After (or below the end of the
		// user's range) and walk backwards while inside the user's range.
		var k, v []byte
		if q.After != "" {
			k, _ = c.Seek(todoKey(userID, q.After))
		} else {
			k, _ = c.Seek(todoKey(userID+"\x01", "")) // first key past the range
		}
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		kept := 0
		var last []byte // the last kept todo's key
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if kept == limit {
				if page.Next == "" {
					page.Next = "-" // the last kept todo's ID, once it is a string
					if ans != nil {
						page.Next = string(last[len(prefix):])
					}
				}
				if !tally {
					return nil
				}
				done, err := storedDone(k, v)
				if err != nil {
					return err
				}
				count(done)
				continue
			}
			if ans == nil && page.Items == nil {
				page.Items = make([]todo.Todo, 0, limit)
				spans = make([][2][2]int, 0, limit)
				buf.Grow(limit * 64) // a ULID and a title of up to 38 bytes each, without growing
			}
			sc := scanned{noTimes: ans != nil}
			var t todo.Todo
			byHand := scanTodo(v, 0, &sc)
			if byHand {
				t = sc.t
			} else {
				var err error
				if t, err = decodeTodo(k, v); err != nil {
					return err
				}
			}
			if tally {
				count(t.Done)
			}
			if q.Done != nil && t.Done != *q.Done {
				continue
			}
			kept++
			last = k
			switch {
			case ans != nil:
				if kept > 1 {
					ans.Buf = append(ans.Buf, ',')
				}
				if byHand {
					ans.Buf = appendWire(ans.Buf, v, &sc)
				} else {
					dt := t // only this one escapes to the encoder, not each todo's t
					ans.Buf = ans.Todo(ans.Buf, &dt)
				}
			case byHand:
				page.Items = append(page.Items, t)
				spans = append(spans, [2][2]int{copyTo(&buf, v, sc.id), copyTo(&buf, v, sc.title)})
			default:
				page.Items = append(page.Items, t)
				spans = append(spans, [2][2]int{{-1}})
			}
		}
		return nil
	})
	if err != nil {
		if ans != nil {
			ans.Buf = ans.Buf[:start]
		}
		return todo.TodoPage{}, err
	}
	if ans != nil {
		ans.Written = true
		return page, nil
	}
	str := buf.String() // no copy: the builder's bytes, never written again
	for i, sp := range spans {
		if sp[0][0] >= 0 {
			t := &page.Items[i]
			t.ID, t.Title, t.UserID = str[sp[0][0]:sp[0][1]], str[sp[1][0]:sp[1][1]], userID
		}
	}
	if page.Next != "" {
		page.Next = page.Items[len(page.Items)-1].ID
	}
	return page, nil
}

// copyTo appends v[span[0]:span[1]] to buf and returns where it lies there.
func copyTo(buf *strings.Builder, v []byte, span [2]int) [2]int {
	start := buf.Len()
	buf.Write(v[span[0]:span[1]])
	return [2]int{start, buf.Len()}
}

// countTodos counts the todos under prefix by state.
func countTodos(tx *bbolt.Tx, prefix []byte) (*todo.TodoCounts, error) {
	var n todo.TodoCounts
	c := tx.Bucket(bucketTodos).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		done, err := storedDone(k, v)
		if err != nil {
			return nil, err
		}
		if done {
			n.Completed++
		} else {
			n.Active++
		}
	}
	return &n, nil
}

// DeleteTodos implements todo.TodoPurger in one write transaction over the
// owner's key range.
func (s *Store) DeleteTodos(_ context.Context, userID string) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0 // afresh on each run (see update)
		return deleteRange(tx.Bucket(bucketTodos), todoKey(userID, ""), func(_, _ []byte) (bool, error) {
			n++
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
