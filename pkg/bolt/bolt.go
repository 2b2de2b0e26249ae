// Package bolt is the embedded storage engine: a single bbolt file, the
// local default. It implements every todo store interface and keeps a
// durable change feed of the users bucket (the embedded counterpart of a
// DynamoDB or Tablestore stream), which the local server hands to the mailer.
//
// By default the file is held open, and locked, by one process. With
// Options.Shared the file is opened for each transaction instead, so several
// function binaries on one machine can share it (each waits for the file
// lock); that is slower and meant for local runs only.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

var (
	bucketUsers   = []byte("users")
	bucketTodos   = []byte("todos")
	bucketKeys    = []byte("keys")
	bucketChanges = []byte("changes")
	bucketMeta    = []byte("meta")
)

// Options tune Open.
type Options struct {
	// Shared opens the file for each transaction instead of holding it, so
	// several processes can use it in turn.
	Shared bool
	// LockTimeout bounds the wait for the file lock (default 10s).
	LockTimeout time.Duration
}

// Store is the embedded engine. It is safe for concurrent use.
type Store struct {
	path string
	opts Options

	mu sync.Mutex // guards db in shared mode: one open handle per process
	db *bbolt.DB  // held open unless Shared

	notify chan struct{} // poked after a commit that appended changes
}

var _ todo.Store = (*Store)(nil)

// Open opens (creating if needed) the store file at path and its buckets.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 10 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bolt: create folder: %w", err)
	}
	s := &Store{path: path, opts: opts, notify: make(chan struct{}, 1)}
	db, err := s.openDB()
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketUsers, bucketTodos, bucketKeys, bucketChanges, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: create buckets: %w", err)
	}
	if opts.Shared {
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("bolt: close: %w", err)
		}
	} else {
		s.db = db
	}
	return s, nil
}

func (s *Store) openDB() (*bbolt.DB, error) {
	db, err := bbolt.Open(s.path, 0o600, &bbolt.Options{Timeout: s.opts.LockTimeout})
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", s.path, err)
	}
	return db, nil
}

// Close closes the file. It waits for running transactions.
func (s *Store) Close() error {
	if s.db == nil {
		return nil
	}
	return s.db.Close()
}

// view and update run fn in a read or write transaction.
func (s *Store) view(fn func(*bbolt.Tx) error) error { return s.run(false, fn) }

func (s *Store) update(fn func(*bbolt.Tx) error) error { return s.run(true, fn) }

func (s *Store) run(write bool, fn func(*bbolt.Tx) error) error {
	db := s.db
	if s.opts.Shared {
		s.mu.Lock()
		defer s.mu.Unlock()
		var err error
		if db, err = s.openDB(); err != nil {
			return err
		}
		defer db.Close()
	}
	if write {
		return db.Update(fn)
	}
	return db.View(fn)
}

func getJSON(b *bbolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("bolt: decode %q: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("bolt: encode %q: %w", key, err)
	}
	return b.Put(key, data)
}

// CreateUser implements todo.UserStore.
func (s *Store) CreateUser(_ context.Context, u *todo.User) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(u.Email)) != nil {
			return todo.Errorf(todo.Conflict, "An account with this address exists.")
		}
		nu := *u
		nu.Version = 1
		if err := putJSON(b, []byte(u.Email), &nu); err != nil {
			return err
		}
		return appendChange(tx, todo.UserChange{New: &nu})
	})
	if err != nil {
		return err
	}
	u.Version = 1
	s.poke()
	return nil
}

// User implements todo.UserStore.
func (s *Store) User(_ context.Context, email string) (*todo.User, error) {
	var u todo.User
	var found bool
	err := s.view(func(tx *bbolt.Tx) (err error) {
		found, err = getJSON(tx.Bucket(bucketUsers), []byte(email), &u)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, todo.Errorf(todo.NotFound, "No such account.")
	}
	return &u, nil
}

// UpdateUser implements todo.UserStore.
func (s *Store) UpdateUser(_ context.Context, u *todo.User) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		var old todo.User
		found, err := getJSON(b, []byte(u.Email), &old)
		if err != nil {
			return err
		}
		if !found {
			return todo.Errorf(todo.NotFound, "No such account.")
		}
		if old.Version != u.Version {
			return todo.Errorf(todo.Conflict, "The account changed meanwhile.")
		}
		nu := *u
		nu.Version++
		if err := putJSON(b, []byte(u.Email), &nu); err != nil {
			return err
		}
		return appendChange(tx, todo.UserChange{Old: &old, New: &nu})
	})
	if err != nil {
		return err
	}
	u.Version++
	s.poke()
	return nil
}

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
			return todo.Errorf(todo.Conflict, "A todo with this ID exists.")
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

func todoNotFound() error { return todo.Errorf(todo.NotFound, "No such todo.") }

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
		return nil, todoNotFound()
	}
	return &t, nil
}

// UpdateTodo implements todo.TodoStore.
func (s *Store) UpdateTodo(_ context.Context, t *todo.Todo) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTodos)
		k := todoKey(t.UserID, t.ID)
		var old todo.Todo
		found, err := getJSON(b, k, &old)
		if err != nil {
			return err
		}
		if !found {
			return todoNotFound()
		}
		if old.Version != t.Version {
			return todo.Errorf(todo.Conflict, "The todo changed meanwhile.")
		}
		nt := *t
		nt.Version++
		return putJSON(b, k, &nt)
	})
	if err == nil {
		t.Version++
	}
	return err
}

// DeleteTodo implements todo.TodoStore.
func (s *Store) DeleteTodo(_ context.Context, userID, id string) error {
	return s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTodos)
		k := todoKey(userID, id)
		if b.Get(k) == nil {
			return todoNotFound()
		}
		return b.Delete(k)
	})
}

// Todos implements todo.TodoStore.
func (s *Store) Todos(_ context.Context, userID string, q todo.TodoQuery) (todo.TodoPage, error) {
	limit := q.Limit
	if limit <= 0 || limit > todo.MaxPageSize {
		limit = todo.DefaultPageSize
	}
	prefix := todoKey(userID, "")
	var page todo.TodoPage
	err := s.view(func(tx *bbolt.Tx) error {
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
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(page.Items) == limit {
				page.Next = page.Items[limit-1].ID
				return nil
			}
			var t todo.Todo
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("bolt: decode todo %q: %w", k, err)
			}
			page.Items = append(page.Items, t)
		}
		return nil
	})
	return page, err
}

// Claim implements todo.ClaimStore.
func (s *Store) Claim(_ context.Context, key, value string, expires time.Time) (string, bool, error) {
	type claim struct {
		Value   string
		Expires time.Time
	}
	held, fresh := value, true
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		k := []byte("claim:" + key)
		var c claim
		found, err := getJSON(b, k, &c)
		if err != nil {
			return err
		}
		if found && time.Now().Before(c.Expires) {
			held, fresh = c.Value, false
			return nil
		}
		return putJSON(b, k, claim{Value: value, Expires: expires})
	})
	return held, fresh, err
}

// Release implements todo.ClaimStore.
func (s *Store) Release(_ context.Context, key string) error {
	return s.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketKeys).Delete([]byte("claim:" + key))
	})
}

// Throttle implements todo.ThrottleStore.
func (s *Store) Throttle(_ context.Context, key string) (*todo.Throttle, error) {
	var t todo.Throttle
	var found bool
	err := s.view(func(tx *bbolt.Tx) (err error) {
		found, err = getJSON(tx.Bucket(bucketKeys), []byte("throttle:"+key), &t)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found || !time.Now().Before(t.Expires) {
		return nil, todo.Errorf(todo.NotFound, "No such counter.")
	}
	return &t, nil
}

// PutThrottle implements todo.ThrottleStore.
func (s *Store) PutThrottle(_ context.Context, t *todo.Throttle) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		k := []byte("throttle:" + t.Key)
		var old todo.Throttle
		found, err := getJSON(b, k, &old)
		if err != nil {
			return err
		}
		var stored int64
		if found && time.Now().Before(old.Expires) {
			stored = old.Version
		} else if found && t.Version != 0 {
			stored = old.Version // an expired record can still be updated by its reader
		}
		if stored != t.Version {
			return todo.Errorf(todo.Conflict, "The counter changed meanwhile.")
		}
		nt := *t
		nt.Version++
		return putJSON(b, k, &nt)
	})
	if err == nil {
		t.Version++
	}
	return err
}

// DeleteThrottle implements todo.ThrottleStore.
func (s *Store) DeleteThrottle(_ context.Context, key string) error {
	return s.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketKeys).Delete([]byte("throttle:" + key))
	})
}

// Sweep deletes expired claims and counters. The cloud engines leave this to
// the table's TTL; the local server calls it now and then.
func (s *Store) Sweep(now time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketKeys).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var rec struct{ Expires time.Time }
			if err := json.Unmarshal(v, &rec); err != nil || !rec.Expires.After(now) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

func binaryUint64(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}
