package bolt

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bbolt "go.etcd.io/bbolt"
)

// Group commit. bbolt runs one write transaction at a time, and each
// commit syncs the file twice: the data pages, then the meta page, each
// with fdatasync (go.etcd.io/bbolt v1.5.0 tx.go, Tx.write and
// Tx.writeMeta; NoSync stays off here). Under concurrent writes, the syncs
// are most of a write's cost, and each waits for every commit before it.
// So writes that arrive while a commit runs are queued, and the next
// commit runs all of them in one transaction: one pair of syncs for the
// group. A write that arrives with nothing running commits at once, so a
// lone writer waits for nothing.
//
// Durability is unchanged: a call returns only after the transaction that
// holds its writes has committed, syncs included, so what it reports
// stored is on disk. Each call's reads and writes are still atomic and
// isolated (they run inside one transaction, one call after the other),
// and a call that fails changes nothing: a failing call's transaction is
// rolled back whole, the call is then run alone, so that its error and
// its rollback are its own, and the rest run again without it. So a
// function passed to update may run more than once, always in a fresh
// transaction: it must set its results afresh on each run (never add to
// what a previous run left), and act outside the transaction only after
// update returns.

// group queues write calls for the next commit.
type group struct {
	mu      sync.Mutex
	queue   []*call
	leading bool // a call is committing the queue

	commits atomic.Int64 // transactions committed or tried (tests)
	// beforeCommit, when set, runs after a leader took its batch, before it
	// commits it (tests).
	beforeCommit func()
}

// call is one write waiting for its commit.
type call struct {
	fn   func(*bbolt.Tx) error
	done chan error
}

// errLead tells a queued call that it leads the next commit.
var errLead = errors.New("bolt: lead the next commit")

// groupUpdate runs fn in a write transaction shared with the writes queued
// beside it, and returns once that transaction has committed (or fn
// failed).
func (s *Store) groupUpdate(fn func(*bbolt.Tx) error) error {
	g := &s.group
	c := &call{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		if err := <-c.done; err != errLead {
			return err
		}
	}
	// Lead: commit the queue, which holds c, then hand the lead on to the
	// first call queued meanwhile, if any.
	g.mu.Lock()
	batch := g.queue
	g.queue = nil
	g.mu.Unlock()
	if g.beforeCommit != nil {
		g.beforeCommit()
	}
	s.commit(batch)
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- errLead
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	return <-c.done
}

// commit runs batch in one write transaction and answers each call. A call
// that fails is run alone, and the others again without it.
func (s *Store) commit(batch []*call) {
	for len(batch) > 0 {
		failed := -1
		s.group.commits.Add(1)
		err := s.db.Update(func(tx *bbolt.Tx) error {
			for i, c := range batch {
				if err := safely(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range batch {
				c.done <- err // nil, or the commit's own failure
			}
			return
		}
		c := batch[failed]
		if len(batch) == 1 {
			c.done <- err
			return
		}
		s.group.commits.Add(1)
		c.done <- s.db.Update(func(tx *bbolt.Tx) error { return safely(c.fn, tx) })
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
}

// safely runs fn, turning a panic into an error: a panicking call must not
// leave the calls sharing its transaction waiting.
func safely(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bolt: panic in a write transaction: %v", p)
		}
	}()
	return fn(tx)
}
