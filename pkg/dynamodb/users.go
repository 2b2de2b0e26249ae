package dynamodb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/todofn/todofn/pkg/todo"
)

// CreateUser implements todo.UserStore: one PutItem on condition that no
// item has the address. It sets u.Version to 1 only when the write commits.
func (s *Store) CreateUser(ctx context.Context, u *todo.User) error {
	if err := s.create(ctx, userEntity, s.users, userItem(u, 1)); err != nil {
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
	if err := s.update(ctx, userEntity, s.users, userKey(u.Email), userItem(u, u.Version+1), u.Version); err != nil {
		return err
	}
	u.Version++
	return nil
}

// DeleteUser implements todo.UserDeleter with an unconditional DeleteItem;
// the users table's stream then carries a REMOVE with the old image.
func (s *Store) DeleteUser(ctx context.Context, email string) error {
	_, err := s.client.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String(s.users), Key: userKey(email)})
	if err != nil {
		return fmt.Errorf("dynamodb: delete user: %w", err)
	}
	return nil
}
