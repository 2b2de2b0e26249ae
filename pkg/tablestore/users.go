package tablestore

import (
	"context"
	"fmt"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

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
		return nil, todo.ErrUserNotFound
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
		return todo.ErrUserNotFound
	}
	if err := s.update(ctx, userEntity, s.users, primaryKey("email", u.Email), userRow(u, u.Version+1), u.Version); err != nil {
		return err
	}
	u.Version++
	return nil
}

// DeleteUser implements todo.UserDeleter with an unconditional DeleteRow;
// the users table's stream then carries a DeleteRow record.
func (s *Store) DeleteUser(ctx context.Context, email string) error {
	if !validKey(email) {
		return nil // no account can have such an address
	}
	if err := s.deleteRow(ctx, s.users, primaryKey("email", email), ots.RowExistenceExpectation_IGNORE); err != nil {
		return fmt.Errorf("tablestore: delete user: %w", err)
	}
	return nil
}
