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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"github.com/todofn/todofn/pkg/todo"
)

var (
	bucketUsers    = []byte("users")
	bucketTodos    = []byte("todos")
	bucketKeys     = []byte("keys")
	bucketChanges  = []byte("changes")
	bucketMeta     = []byte("meta")
	bucketSessions = []byte("sessions")
)

// ErrLocked is returned (wrapped) by Open, and by a transaction in shared
// mode, when another process holds the file's lock for longer than
// Options.LockTimeout.
var ErrLocked = errors.New("locked by another process")

// Options tune Open.
type Options struct {
	// Shared opens the file for each transaction instead of holding it, so
	// several processes can use it in turn.
	Shared bool
	// LockTimeout bounds the wait for the file lock, after which Open (or,
	// in shared mode, a transaction) fails with ErrLocked. The default is
	// 10s in shared mode, where other processes hold the lock for one
	// transaction each, and 100ms otherwise: a process that holds the file
	// open holds its lock until it closes the store or exits, so waiting
	// longer only delays the answer. bbolt polls the lock every 50ms and
	// gives up once less than that is left of the timeout
	// (go.etcd.io/bbolt v1.5.0 bolt_unix.go, flock), so at least two tries
	// are made.
	LockTimeout time.Duration
	// Now returns the current time; it decides whether a claim, a counter
	// or a session has expired. Nil means time.Now. Tests inject a clock
	// here.
	Now func() time.Time
}

// Store is the embedded engine. It is safe for concurrent use.
type Store struct {
	path string
	opts Options

	mu sync.Mutex // guards db in shared mode: one open handle per process
	db *bbolt.DB  // held open unless Shared

	notify chan struct{} // poked after a commit that appended changes

	group group // write calls waiting for the next commit (group.go)

	// tx, when set, is the write transaction every call of this Store runs
	// in: the Store InTransaction gives its function (tx.go). poked records
	// a change-feed poke, made once the transaction has committed.
	tx    *bbolt.Tx
	poked bool
}

var _ todo.Store = (*Store)(nil)

// Open opens (creating if needed) the store file at path and its buckets.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 100 * time.Millisecond
		if opts.Shared {
			opts.LockTimeout = 10 * time.Second
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bolt: create folder: %w", err)
	}
	s := &Store{path: path, opts: opts, notify: make(chan struct{}, 1)}
	db, err := s.openDB()
	if err != nil {
		return nil, err
	}
	if err := createBuckets(db); err != nil {
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

// buckets are the store's buckets, created by Open.
var buckets = [][]byte{bucketUsers, bucketTodos, bucketKeys, bucketChanges, bucketMeta, bucketSessions}

// createBuckets creates the buckets db lacks. When it has them all (every
// open but a file's first) it only reads: a bbolt write transaction
// commits, and so syncs the file twice, even when it changes nothing
// (go.etcd.io/bbolt tx.go, Commit: "write meta to disk" after "write dirty
// pages", each followed by fdatasync unless DB.NoSync), which cost every
// cold start on the embedded store two syncs before its first answer.
// Buckets are never deleted, so a bucket seen in the read stays.
func createBuckets(db *bbolt.DB) error {
	missing := false
	_ = db.View(func(tx *bbolt.Tx) error {
		for _, b := range buckets {
			if tx.Bucket(b) == nil {
				missing = true
			}
		}
		return nil
	})
	if !missing {
		return nil
	}
	return db.Update(func(tx *bbolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) openDB() (*bbolt.DB, error) {
	db, err := bbolt.Open(s.path, 0o600, &bbolt.Options{Timeout: s.opts.LockTimeout})
	if errors.Is(err, bberrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: %w (waited %s)", s.path, ErrLocked, s.opts.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", s.path, err)
	}
	return db, nil
}

// Close closes the file. It waits for running transactions. (The Store of
// a transaction has no file of its own: its Close does nothing.)
func (s *Store) Close() error {
	if s.db == nil {
		return nil
	}
	return s.db.Close()
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(*bbolt.Tx) error) error { return s.run(false, fn) }

// update runs fn in a write transaction and returns once it has committed
// (synced to disk) or fn has failed and changed nothing. Writes of
// concurrent calls may share the transaction (group.go), so fn may run
// more than once: it must set its results afresh on each run. In shared
// mode each call has a transaction of its own.
func (s *Store) update(fn func(*bbolt.Tx) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	if s.opts.Shared {
		return s.run(true, fn)
	}
	return s.groupUpdate(fn)
}

// updateVersioned runs fn, which stores the record at the version after
// *version, in a write transaction, and moves *version on once it has
// committed: the caller's copy then matches what is stored.
func (s *Store) updateVersioned(version *int64, fn func(*bbolt.Tx) error) error {
	if err := s.update(fn); err != nil {
		return err
	}
	*version++
	return nil
}

func (s *Store) run(write bool, fn func(*bbolt.Tx) error) error {
	if s.tx != nil {
		return fn(s.tx) // reads see the transaction's own writes
	}
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
