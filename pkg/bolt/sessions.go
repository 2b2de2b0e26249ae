package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

// sessionKey lays sessions out as todos are (see todoKey): the owner's ID, a
// NUL byte and the session's ID, so one user's sessions are one key range.
func sessionKey(userID, id string) []byte { return todoKey(userID, id) }

// CreateSession implements todo.SessionStore in one write transaction over
// the users and sessions buckets: it reads the account of rs.Email, and
// stores the session only if the account still has ID rs.UserID and
// CredGen rs.CredGen and no session holds the key. A session that has
// expired but is not yet swept still holds its key.
func (s *Store) CreateSession(_ context.Context, rs *todo.Session) error {
	n := *rs
	n.Version = 1
	err := s.update(func(tx *bbolt.Tx) error {
		var u todo.User
		found, err := getJSON(tx.Bucket(bucketUsers), []byte(rs.Email), &u)
		if err != nil {
			return err
		}
		if !found || u.ID != rs.UserID || u.CredGen != rs.CredGen {
			return staleCredentials()
		}
		return putNew(tx.Bucket(bucketSessions), sessionKey(rs.UserID, rs.ID), &n, todo.ErrSessionExists)
	})
	if err == nil {
		rs.Version = 1
	}
	return err
}

// staleCredentials is CreateSession's Conflict for an account that is gone
// or whose credential generation moved on since the log-in read it.
func staleCredentials() error {
	return todo.ErrPasswordChanged
}

// putNew stores v under k unless the key is taken, which is a Conflict
// saying exists.
func putNew(b *bbolt.Bucket, k []byte, v any, exists error) error {
	if b.Get(k) != nil {
		return exists
	}
	return putJSON(b, k, v)
}

// Session implements todo.SessionStore. An expired session is NotFound,
// whether or not Sweep has removed it yet.
func (s *Store) Session(_ context.Context, userID, id string) (*todo.Session, error) {
	var rs todo.Session
	var found bool
	err := s.view(func(tx *bbolt.Tx) (err error) {
		found, err = getJSON(tx.Bucket(bucketSessions), sessionKey(userID, id), &rs)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found || rs.Expired(s.now()) {
		return nil, todo.ErrSessionNotFound
	}
	return &rs, nil
}

// SessionLive is Session's verdict without the session: nil when the
// user's session is stored and has not expired, else
// todo.ErrSessionNotFound. It is the check every authenticated request
// makes (package api's requireUser), so it reads only ExpiresAt from the
// stored JSON rather than decoding all of it (storedExpiry);
// TestSessionLiveIsSession holds it to Session.
func (s *Store) SessionLive(_ context.Context, userID, id string) error {
	var exp time.Time
	var found bool
	err := s.view(func(tx *bbolt.Tx) (err error) {
		k := sessionKey(userID, id)
		v := tx.Bucket(bucketSessions).Get(k)
		if found = v != nil; found {
			exp, err = storedExpiry(k, v)
		}
		return err
	})
	if err != nil {
		return err
	}
	if !found || todo.Expired(exp, s.now()) {
		return todo.ErrSessionNotFound
	}
	return nil
}

// storedExpiry reads the ExpiresAt of the stored session v, as
// encoding/json writes a todo.Session: it finds the field by its bytes (no
// string can hold them, since a '"' inside a JSON string is escaped, and
// no field of a session is an object) and decodes its value as
// json.Unmarshal does, by time.Time's UnmarshalJSON. Another shape is
// decoded whole. (A record broken elsewhere passes; Session reports it.)
func storedExpiry(k, v []byte) (time.Time, error) {
	const field = `,"ExpiresAt":"`
	if i := bytes.Index(v, []byte(field)); i >= 0 {
		rest := v[i+len(field)-1:] // from the opening quote
		if j := bytes.IndexByte(rest[1:], '"'); j >= 0 {
			var t time.Time
			if t.UnmarshalJSON(rest[:j+2]) == nil {
				return t, nil
			}
		}
	}
	var rs todo.Session
	if err := json.Unmarshal(v, &rs); err != nil {
		return time.Time{}, fmt.Errorf("bolt: decode %q: %w", k, err)
	}
	return rs.ExpiresAt, nil
}

// UpdateSession implements todo.SessionStore in one write transaction that
// reads the stored version and writes only if it equals rs.Version. Like
// the cloud engines it does not look at expiry: an expired session stays
// NotFound to readers whatever is written to it.
func (s *Store) UpdateSession(_ context.Context, rs *todo.Session) error {
	return s.updateVersioned(&rs.Version, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		k := sessionKey(rs.UserID, rs.ID)
		if err := storedVersionIs(b, k, rs.Version, todo.ErrSessionNotFound, todo.ErrSessionChanged); err != nil {
			return err
		}
		n := *rs
		n.Version++
		return putJSON(b, k, &n)
	})
}

// storedVersionIs returns nil if the record under k has that Version,
// notFound() if there is none, and a Conflict saying changed otherwise.
func storedVersionIs(b *bbolt.Bucket, k []byte, version int64, notFound, changed error) error {
	var old struct{ Version int64 }
	found, err := getJSON(b, k, &old)
	switch {
	case err != nil:
		return err
	case !found:
		return notFound
	case old.Version != version:
		return changed
	}
	return nil
}

// DeleteSession implements todo.SessionStore.
func (s *Store) DeleteSession(_ context.Context, userID, id string) error {
	return s.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).Delete(sessionKey(userID, id))
	})
}

// DeleteSessions implements todo.SessionStore in one write transaction over
// the user's key range. Expired sessions go too but are not counted.
func (s *Store) DeleteSessions(_ context.Context, userID, except string) (int, error) {
	n := 0
	now := s.now()
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0 // afresh on each run (see update)
		var keep []byte
		if except != "" {
			keep = sessionKey(userID, except)
		}
		return deleteRange(tx.Bucket(bucketSessions), sessionKey(userID, ""), func(k, v []byte) (bool, error) {
			if keep != nil && bytes.Equal(k, keep) {
				return false, nil
			}
			var rs todo.Session
			if err := json.Unmarshal(v, &rs); err != nil {
				return false, fmt.Errorf("bolt: decode session %q: %w", k, err)
			}
			if !rs.Expired(now) {
				n++
			}
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// SweepSessions deletes the sessions that have expired at now and returns
// how many went. The cloud engines leave this to the table's TTL.
func (s *Store) SweepSessions(now time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bbolt.Tx) error {
		n = 0 // afresh on each run (see update)
		return deleteRange(tx.Bucket(bucketSessions), nil, func(_, v []byte) (bool, error) {
			var rs todo.Session
			if err := json.Unmarshal(v, &rs); err != nil || rs.Expired(now) {
				n++
				return true, nil // an undecodable record is swept too
			}
			return false, nil
		})
	})
	return n, err
}

// deleteRange deletes the keys of b that start with prefix (all keys for a
// nil prefix) and for which drop says so. It collects the keys first and
// deletes them after the walk, since deleting under a cursor can make it
// skip the next key.
func deleteRange(b *bbolt.Bucket, prefix []byte, drop func(k, v []byte) (bool, error)) error {
	var doomed [][]byte
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		ok, err := drop(k, v)
		if err != nil {
			return err
		}
		if ok {
			doomed = append(doomed, bytes.Clone(k))
		}
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
