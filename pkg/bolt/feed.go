package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

// A change record in the changes bucket, keyed by a big-endian sequence
// number, written in the same transaction as the user row it describes.
type changeRecord struct {
	Old *todo.User `json:",omitempty"`
	New *todo.User `json:",omitempty"`
	At  time.Time
}

func appendChange(tx *bbolt.Tx, c todo.UserChange) error {
	b := tx.Bucket(bucketChanges)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("bolt: change sequence: %w", err)
	}
	return putJSON(b, seqKey(seq), changeRecord{Old: c.Old, New: c.New, At: time.Now().UTC()})
}

// poke wakes a Follow loop in this process without blocking.
func (s *Store) poke() {
	if s.tx != nil {
		s.poked = true // InTransaction pokes once it has committed
		return
	}
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// FollowOptions tune Follow.
type FollowOptions struct {
	// Poll is how often to look for changes written by other processes
	// (shared mode); changes from this process wake the loop at once.
	// Default 500ms.
	Poll time.Duration
	// Retry is the wait after a failed change before it is tried again.
	// Default 2s.
	Retry time.Duration
	// OnError, if set, is told of every failure (the loop itself is silent).
	OnError func(seq uint64, err error)
}

// Follow hands every change of the users bucket to handle, oldest first, at
// least once: a change is removed from the feed only after handle returns
// nil, and a failed one is retried (after opts.Retry) before any later one.
// It returns ctx's error when ctx is done. Run one Follow per store file.
func (s *Store) Follow(ctx context.Context, handle func(context.Context, todo.UserChange) error, opts FollowOptions) error {
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	if opts.Retry <= 0 {
		opts.Retry = 2 * time.Second
	}
	tick := time.NewTicker(opts.Poll)
	defer tick.Stop()
	for {
		wait := opts.Poll
		for {
			seq, rec, ok, err := s.firstChange()
			if err != nil {
				if opts.OnError != nil {
					opts.OnError(0, err)
				}
				wait = opts.Retry
				break
			}
			if !ok {
				break
			}
			if err := handle(ctx, todo.UserChange{Old: rec.Old, New: rec.New}); err != nil {
				if opts.OnError != nil {
					opts.OnError(seq, err)
				}
				wait = opts.Retry
				break
			}
			if err := s.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketChanges).Delete(seqKey(seq)) }); err != nil {
				if opts.OnError != nil {
					opts.OnError(seq, err)
				}
				wait = opts.Retry
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-s.notify:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (s *Store) firstChange() (seq uint64, rec changeRecord, ok bool, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		k, v := tx.Bucket(bucketChanges).Cursor().First()
		if k == nil {
			return nil
		}
		ok = true
		seq = binaryUint64(k)
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("bolt: decode change %d: %w", seq, err)
		}
		return nil
	})
	return seq, rec, ok, err
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
