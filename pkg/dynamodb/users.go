package dynamodb

import (
	"context"

	"github.com/todofn/todofn/pkg/todo"
)

func userNotFound() error { return todo.Errorf(todo.NotFound, "No such account.") }

// CreateUser implements todo.UserStore: one PutItem on condition that no
// item has the address. It sets u.Version to 1 only when the write commits.
func (s *Store) CreateUser(ctx context.Context, u *todo.User) error {
	if err := s.create(ctx, userEntity, s.users, newUserItem(u, 1)); err != nil {
		return err
	}
	u.Version = 1
	return nil
}

// User implements todo.UserStore with a strongly consistent GetItem.
func (s *Store) User(ctx context.Context, email string) (*todo.User, error) {
	return get(ctx, s, userEntity, s.users, userKey(email), decodeUser)
}

// UpdateUser implements todo.UserStore: one PutItem on condition that the
// item exists with version u.Version. When the condition fails, the old
// item returned with the failure (or, where the server does not return it,
// a strongly consistent read) tells Conflict from NotFound.
func (s *Store) UpdateUser(ctx context.Context, u *todo.User) error {
	if err := s.update(ctx, userEntity, s.users, userKey(u.Email), newUserItem(u, u.Version+1), u.Version); err != nil {
		return err
	}
	u.Version++
	return nil
}
