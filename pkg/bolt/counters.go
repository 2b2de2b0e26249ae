package bolt

import (
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// counter is a counter's record in the keys bucket, under "count:" + key.
// Sweep reads its Expires like a claim's.
type counter struct {
	Count   int64
	Expires time.Time
}

// AddCount implements todo.CounterStore in one write transaction (one read
// transaction for a delta of 0): bbolt runs one writer at a time, so the
// read, the check and the write cannot interleave with another caller's.
func (s *Store) AddCount(_ context.Context, key string, delta, floor, ceiling int64, expires time.Time) (int64, bool, error) {
	k := []byte("count:" + key)
	var n int64
	var ok bool
	load := func(b *bbolt.Bucket) error {
		var c counter
		found, err := getJSON(b, k, &c)
		if err != nil {
			return err
		}
		if found && s.now().Before(c.Expires) {
			n = c.Count
		}
		n = max(n, floor)
		return nil
	}
	if delta == 0 {
		err := s.view(func(tx *bbolt.Tx) error { return load(tx.Bucket(bucketKeys)) })
		return n, err == nil && n <= ceiling, err
	}
	err := s.update(func(tx *bbolt.Tx) error {
		n, ok = 0, false // afresh on each run (see update)
		b := tx.Bucket(bucketKeys)
		if err := load(b); err != nil {
			return err
		}
		if n+delta < floor || n+delta > ceiling {
			return nil
		}
		n, ok = n+delta, true
		return putJSON(b, k, counter{Count: n, Expires: expires})
	})
	if err != nil {
		return 0, false, err
	}
	return n, ok, nil
}
