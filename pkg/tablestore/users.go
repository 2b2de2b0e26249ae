package tablestore

import (
	"context"
	"fmt"

	"github.com/todofn/todofn/pkg/todo"
)

func userNotFound() error { return todo.Errorf(todo.NotFound, "No such account.") }

// CreateUser implements todo.UserStore: one PutRow that expects no row.
func (s *Store) CreateUser(ctx context.Context, u *todo.User) error {
	if !validKey(u.Email) {
		return fmt.Errorf("tablestore: create user: e-mail address is empty or longer than %d bytes", maxKeyBytes)
	}
	if err := s.create(ctx, userEntity, s.users, primaryKey("email", u.Email), userRow(u, 1)); err != nil {
		return err
	}
	u.Version = 1
	return nil
}

// User implements todo.UserStore with one GetRow.
func (s *Store) User(ctx context.Context, email string) (*todo.User, error) {
	if !validKey(email) {
		return nil, userNotFound()
	}
	return get(ctx, s, userEntity, s.users, primaryKey("email", email), func(c columns) (*todo.User, error) {
		return userFrom(email, c)
	})
}

// UpdateUser implements todo.UserStore: one PutRow of the whole row that
// expects the row to exist with "version" equal to u.Version. When the
// condition fails, a read tells a vanished account (NotFound) from a
// changed one (Conflict).
func (s *Store) UpdateUser(ctx context.Context, u *todo.User) error {
	if !validKey(u.Email) {
		return userNotFound()
	}
	if err := s.update(ctx, userEntity, s.users, primaryKey("email", u.Email), userRow(u, u.Version+1), u.Version); err != nil {
		return err
	}
	u.Version++
	return nil
}
