package tablestore

import (
	"context"
	"fmt"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

// Row key prefixes on the keys table.
const (
	claimPrefix    = "claim:"
	throttlePrefix = "throttle:"
)

// keysTTL is the keys table's time to live. Tablestore counts it from a
// row's last write, and the longest a row lives after one is 48 hours: a
// sent mail's claim (account.SentTTL), a log-in back-off (its lock plus
// LOGIN_BACKOFF_MAX, at most 24 h each); Idempotency-Keys and daily
// counters live 24 h. A week covers those with room to spare; it only frees
// storage, since reads treat an expired row as absent whatever the TTL. A
// budget with a window longer than a week would be forgotten early.
const keysTTL = 7 * 24 * time.Hour

// claimAttempts bounds Claim's and PutThrottle's retries when the row
// changes between a failed write and the read that follows it.
const claimAttempts = 5

func keyPK(key string) *ots.PrimaryKey { return primaryKey("key", key) }

// expiredRow is the column condition under which an expired row read with
// the given version may be replaced: it still has that version and it has
// expired at now. The version makes two writers that both saw the expired
// row race fairly: the first replaces it, the second's condition fails.
func expiredRow(version int64, now time.Time) ots.ColumnFilter {
	return versionAndExpiry(version, ots.CT_LESS_EQUAL, now)
}

// versionAndExpiry is the condition "the row has version, and its expires
// column compares to now by op" (a row without expires fails it).
func versionAndExpiry(version int64, op ots.ComparatorType, now time.Time) ots.ColumnFilter {
	exp := ots.NewSingleColumnCondition("expires", op, now.UnixMilli())
	exp.FilterIfMissing = true
	exp.LatestVersionOnly = true
	c := ots.NewCompositeColumnCondition(ots.LO_AND)
	c.AddFilter(versionIs(version))
	c.AddFilter(exp)
	return c
}

// Claim implements todo.ClaimStore. A PutRow that expects no row takes a
// free key. If the key is held, Claim reads the holder: an unexpired claim
// is returned as it is; an expired one is replaced by a PutRow conditional
// on the holder's version and expiry. If the row changes in between,
// Claim starts over, at most a few times. A holder that is this call's own
// write (its writeIDColumn token: an attempt that landed but whose answer
// was lost) is a fresh claim.
func (s *Store) Claim(ctx context.Context, key, value string, expires time.Time) (string, bool, error) {
	k := claimPrefix + key
	if !validKey(k) || key == "" {
		return "", false, fmt.Errorf("tablestore: claim: key is empty or longer than %d bytes", maxKeyBytes-len(claimPrefix))
	}
	exp := epochMillisCeil(expires)
	id := newWriteID()
	claimRow := func(version int64) row {
		var r row
		r = append(r, column{"value", value})
		r.int("expires", exp)
		r.int("version", version)
		return withWriteID(r, id)
	}
	for range claimAttempts {
		err := s.putRow(ctx, s.keys, keyPK(k), claimRow(1), ots.RowExistenceExpectation_EXPECT_NOT_EXIST, nil)
		if err == nil {
			return value, true, nil
		}
		if !conditionFailed(err) {
			return "", false, fmt.Errorf("tablestore: claim: %w", err)
		}
		c, found, err := s.getRow(ctx, s.keys, keyPK(k))
		if err != nil {
			return "", false, fmt.Errorf("tablestore: claim: read holder: %w", err)
		}
		if !found {
			continue // released meanwhile
		}
		if w, _ := c[writeIDColumn].(string); w == id {
			return value, true, nil // this call's own claim, whose answer was lost
		}
		d := &decoder{c: c}
		held, heldExp, version := d.str("value", false), d.int("expires", true), d.int("version", true)
		if err := d.err(); err != nil {
			return "", false, fmt.Errorf("tablestore: claim: decode holder: %w", err)
		}
		now := s.now()
		if !expired(heldExp, now) {
			return held, false, nil
		}
		err = s.putRow(ctx, s.keys, keyPK(k), claimRow(version+1), ots.RowExistenceExpectation_EXPECT_EXIST, expiredRow(version, now))
		if err == nil {
			return value, true, nil
		}
		if !conditionFailed(err) {
			return "", false, fmt.Errorf("tablestore: claim: replace expired claim: %w", err)
		}
	}
	return "", false, fmt.Errorf("tablestore: claim: key %q kept changing over %d attempts", key, claimAttempts)
}

// Release implements todo.ClaimStore with an unconditional DeleteRow.
func (s *Store) Release(ctx context.Context, key string) error {
	k := claimPrefix + key
	if !validKey(k) || key == "" {
		return nil // such a key cannot have been claimed
	}
	if err := s.deleteRow(ctx, s.keys, keyPK(k), ots.RowExistenceExpectation_IGNORE); err != nil {
		return fmt.Errorf("tablestore: release: %w", err)
	}
	return nil
}

// liveRow is the column condition under which a row read with the given
// version may be replaced by its holder: it still has that version and it
// has not expired at now.
func liveRow(version int64, now time.Time) ots.ColumnFilter {
	return versionAndExpiry(version, ots.CT_GREATER_THAN, now)
}

// Settle implements todo.ClaimStore. It reads the claim and, if it holds
// from and has not expired, replaces it with a PutRow conditional on the
// version it read and on the claim still being unexpired: a claim that
// changed or expired in between is a Conflict, as is one that was never
// from's, unless it holds this call's own write (see writeIDColumn).
func (s *Store) Settle(ctx context.Context, key, from, to string, expires time.Time) error {
	k := claimPrefix + key
	conflict := todo.ErrClaimNotHeld
	if !validKey(k) || key == "" {
		return conflict // such a key cannot have been claimed
	}
	c, found, err := s.getRow(ctx, s.keys, keyPK(k))
	if err != nil {
		return fmt.Errorf("tablestore: settle: read claim: %w", err)
	}
	if !found {
		return conflict
	}
	d := &decoder{c: c}
	held, heldExp, version := d.str("value", false), d.int("expires", true), d.int("version", true)
	if err := d.err(); err != nil {
		return fmt.Errorf("tablestore: settle: decode claim: %w", err)
	}
	now := s.now()
	if held != from || expired(heldExp, now) {
		return conflict
	}
	var r row
	r = append(r, column{"value", to})
	r.int("expires", epochMillisCeil(expires))
	r.int("version", version+1)
	id := newWriteID()
	err = s.putRow(ctx, s.keys, keyPK(k), withWriteID(r, id), ots.RowExistenceExpectation_EXPECT_EXIST, liveRow(version, now))
	if conditionFailed(err) {
		_, own, err := s.ownWrite(ctx, s.keys, keyPK(k), id)
		switch {
		case err != nil:
			return fmt.Errorf("tablestore: settle: %w", err)
		case own:
			return nil
		}
		return conflict
	}
	if err != nil {
		return fmt.Errorf("tablestore: settle: %w", err)
	}
	return nil
}

func throttleRow(t *todo.Throttle, version int64, id string) row {
	var r row
	r = append(r, column{writeIDColumn, id})
	r.int("failures", int64(t.Failures))
	r.time("windowStart", t.WindowStart)
	r.time("lockedUntil", t.LockedUntil)
	r.int("expires", epochMillisCeil(t.Expires))
	r.int("version", version)
	return r
}

// Throttle implements todo.ThrottleStore with one GetRow; an expired
// counter is reported as NotFound.
func (s *Store) Throttle(ctx context.Context, key string) (*todo.Throttle, error) {
	k := throttlePrefix + key
	if !validKey(k) || key == "" {
		return nil, todo.ErrCounterNotFound
	}
	c, found, err := s.getRow(ctx, s.keys, keyPK(k))
	if err != nil {
		return nil, fmt.Errorf("tablestore: get throttle: %w", err)
	}
	if !found {
		return nil, todo.ErrCounterNotFound
	}
	d := &decoder{c: c}
	t := &todo.Throttle{
		Key:         key,
		Failures:    int(d.int("failures", false)),
		WindowStart: d.time("windowStart", false),
		LockedUntil: d.time("lockedUntil", false),
		Version:     d.int("version", true),
	}
	exp := d.int("expires", true)
	if err := d.err(); err != nil {
		return nil, fmt.Errorf("tablestore: decode throttle: %w", err)
	}
	if expired(exp, s.now()) {
		return nil, todo.ErrCounterNotFound
	}
	t.Expires = time.UnixMilli(exp).UTC()
	return t, nil
}

// PutThrottle implements todo.ThrottleStore. Version 0 creates the counter
// with a PutRow that expects no row, or replaces an expired one under the
// condition of its version and expiry; any other version replaces the row
// if its "version" still equals t.Version. A failed condition is
// success when the row holds this call's own write (see writeIDColumn).
func (s *Store) PutThrottle(ctx context.Context, t *todo.Throttle) error {
	k := throttlePrefix + t.Key
	if !validKey(k) || t.Key == "" {
		return fmt.Errorf("tablestore: put throttle: key is empty or longer than %d bytes", maxKeyBytes-len(throttlePrefix))
	}
	conflict := func() error { return todo.ErrCounterChanged }
	id := newWriteID()
	if t.Version != 0 {
		err := s.putRow(ctx, s.keys, keyPK(k), throttleRow(t, t.Version+1, id), ots.RowExistenceExpectation_EXPECT_EXIST, versionIs(t.Version))
		if conditionFailed(err) {
			var own bool
			if _, own, err = s.ownWrite(ctx, s.keys, keyPK(k), id); err == nil && !own {
				return conflict()
			}
		}
		if err != nil {
			return fmt.Errorf("tablestore: put throttle: %w", err)
		}
		t.Version++
		return nil
	}
	for range claimAttempts {
		err := s.putRow(ctx, s.keys, keyPK(k), throttleRow(t, 1, id), ots.RowExistenceExpectation_EXPECT_NOT_EXIST, nil)
		if err == nil {
			t.Version = 1
			return nil
		}
		if !conditionFailed(err) {
			return fmt.Errorf("tablestore: put throttle: %w", err)
		}
		c, found, err := s.getRow(ctx, s.keys, keyPK(k))
		if err != nil {
			return fmt.Errorf("tablestore: put throttle: read counter: %w", err)
		}
		if !found {
			continue // deleted meanwhile
		}
		if w, _ := c[writeIDColumn].(string); w == id {
			t.Version = 1 // this call's own write, whose answer was lost
			return nil
		}
		d := &decoder{c: c}
		exp, version := d.int("expires", true), d.int("version", true)
		if err := d.err(); err != nil {
			return fmt.Errorf("tablestore: put throttle: decode counter: %w", err)
		}
		now := s.now()
		if !expired(exp, now) {
			return conflict()
		}
		err = s.putRow(ctx, s.keys, keyPK(k), throttleRow(t, 1, id), ots.RowExistenceExpectation_EXPECT_EXIST, expiredRow(version, now))
		if err == nil {
			t.Version = 1
			return nil
		}
		if !conditionFailed(err) {
			return fmt.Errorf("tablestore: put throttle: replace expired counter: %w", err)
		}
	}
	return conflict()
}

// DeleteThrottle implements todo.ThrottleStore with an unconditional
// DeleteRow.
func (s *Store) DeleteThrottle(ctx context.Context, key string) error {
	k := throttlePrefix + key
	if !validKey(k) || key == "" {
		return nil
	}
	if err := s.deleteRow(ctx, s.keys, keyPK(k), ots.RowExistenceExpectation_IGNORE); err != nil {
		return fmt.Errorf("tablestore: delete throttle: %w", err)
	}
	return nil
}
