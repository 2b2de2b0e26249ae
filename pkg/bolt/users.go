package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"github.com/todofn/todofn/pkg/todo"
)

// CreateUser implements todo.UserStore.
func (s *Store) CreateUser(_ context.Context, u *todo.User) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(u.Email)) != nil {
			return todo.ErrUserExists
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
		return nil, todo.ErrUserNotFound
	}
	return &u, nil
}

// UpdateUser implements todo.UserStore.
func (s *Store) UpdateUser(_ context.Context, u *todo.User) error {
	err := s.updateVersioned(&u.Version, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		var old todo.User
		found, err := getJSON(b, []byte(u.Email), &old)
		if err != nil {
			return err
		}
		if !found {
			return todo.ErrUserNotFound
		}
		if old.Version != u.Version {
			return todo.ErrUserChanged
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
	s.poke()
	return nil
}

// DeleteUser implements todo.UserDeleter in one write transaction that
// removes the account and appends its removal (Old only) to the change feed.
func (s *Store) DeleteUser(_ context.Context, email string) error {
	removed := false
	err := s.update(func(tx *bbolt.Tx) error {
		removed = false // afresh on each run (see update)
		b := tx.Bucket(bucketUsers)
		var old todo.User
		found, err := getJSON(b, []byte(email), &old)
		if err != nil || !found {
			return err
		}
		if err := b.Delete([]byte(email)); err != nil {
			return err
		}
		removed = true
		return appendChange(tx, todo.UserChange{Old: &old})
	})
	if err != nil {
		return err
	}
	if removed {
		s.poke()
	}
	return nil
}
