package bolt

import (
	"context"
	"encoding/json"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

// claim is a claim's record in the keys bucket, under "claim:" + key.
type claim struct {
	Value   string
	Expires time.Time
}

// Claim implements todo.ClaimStore.
func (s *Store) Claim(_ context.Context, key, value string, expires time.Time) (string, bool, error) {
	held, fresh := value, true
	err := s.update(func(tx *bbolt.Tx) error {
		held, fresh = value, true // afresh on each run (see update)
		b := tx.Bucket(bucketKeys)
		k := []byte("claim:" + key)
		var c claim
		found, err := getJSON(b, k, &c)
		if err != nil {
			return err
		}
		if found && s.now().Before(c.Expires) {
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

// Settle implements todo.ClaimStore in one write transaction: it reads the
// claim and replaces it only if it holds from and has not expired.
func (s *Store) Settle(_ context.Context, key, from, to string, expires time.Time) error {
	return s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		k := []byte("claim:" + key)
		var c claim
		found, err := getJSON(b, k, &c)
		if err != nil {
			return err
		}
		if !found || c.Value != from || !s.now().Before(c.Expires) {
			return todo.ErrClaimNotHeld
		}
		return putJSON(b, k, claim{Value: to, Expires: expires})
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
	if !found || !s.now().Before(t.Expires) {
		return nil, todo.ErrCounterNotFound
	}
	return &t, nil
}

// PutThrottle implements todo.ThrottleStore.
func (s *Store) PutThrottle(_ context.Context, t *todo.Throttle) error {
	return s.updateVersioned(&t.Version, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		k := []byte("throttle:" + t.Key)
		var old todo.Throttle
		found, err := getJSON(b, k, &old)
		if err != nil {
			return err
		}
		var stored int64
		if found && s.now().Before(old.Expires) {
			stored = old.Version
		} else if found && t.Version != 0 {
			stored = old.Version // an expired record can still be updated by its reader
		}
		if stored != t.Version {
			return todo.ErrCounterChanged
		}
		nt := *t
		nt.Version++
		return putJSON(b, k, &nt)
	})
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
		n = 0 // afresh on each run (see update)
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

// now is the store's clock: Options.Now, or the wall clock.
func (s *Store) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}
