package tablestore

import (
	"context"
	"fmt"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/todofn/todofn/pkg/todo"
)

func userNotFound() error { return todo.Errorf(todo.NotFound, "No such account.") }

// CreateUser implements todo.UserStore: one PutRow that expects no row.
func (s *Store) CreateUser(ctx context.Context, u *todo.User) error {
	if !validKey(u.Email) {
		return fmt.Errorf("tablestore: create user: e-mail address is empty or longer than %d bytes", maxKeyBytes)
	}
	err := s.putRow(ctx, s.users, primaryKey("email", u.Email), userRow(u, 1), ots.RowExistenceExpectation_EXPECT_NOT_EXIST, nil)
	if conditionFailed(err) {
		return todo.Errorf(todo.Conflict, "An account with this address exists.")
	}
	if err != nil {
		return fmt.Errorf("tablestore: create user: %w", err)
	}
	u.Version = 1
	return nil
}

// User implements todo.UserStore with one GetRow.
func (s *Store) User(ctx context.Context, email string) (*todo.User, error) {
	if !validKey(email) {
		return nil, userNotFound()
	}
	c, found, err := s.getRow(ctx, s.users, primaryKey("email", email))
	if err != nil {
		return nil, fmt.Errorf("tablestore: get user: %w", err)
	}
	if !found {
		return nil, userNotFound()
	}
	u, err := userFrom(email, c)
	if err != nil {
		return nil, fmt.Errorf("tablestore: decode user: %w", err)
	}
	return u, nil
}

// UpdateUser implements todo.UserStore: one PutRow of the whole row that
// expects the row to exist with "version" equal to u.Version. When the
// condition fails, a read tells a vanished account (NotFound) from a
// changed one (Conflict).
func (s *Store) UpdateUser(ctx context.Context, u *todo.User) error {
	if !validKey(u.Email) {
		return userNotFound()
	}
	pk := primaryKey("email", u.Email)
	err := s.putRow(ctx, s.users, pk, userRow(u, u.Version+1), ots.RowExistenceExpectation_EXPECT_EXIST, versionIs(u.Version))
	if conditionFailed(err) {
		_, found, gerr := s.getRow(ctx, s.users, pk)
		switch {
		case gerr != nil:
			return fmt.Errorf("tablestore: update user: read after failed condition: %w", gerr)
		case !found:
			return userNotFound()
		}
		return todo.Errorf(todo.Conflict, "The account changed meanwhile.")
	}
	if err != nil {
		return fmt.Errorf("tablestore: update user: %w", err)
	}
	u.Version++
	return nil
}
