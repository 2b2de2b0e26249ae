package dynamodb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/todofn/todofn/pkg/todo"
)

func userNotFound() error { return todo.Errorf(todo.NotFound, "No such account.") }

// CreateUser implements todo.UserStore: one PutItem on condition that no
// item has the address. It sets u.Version to 1 only when the write commits.
func (s *Store) CreateUser(ctx context.Context, u *todo.User) error {
	item, err := marshalItem(newUserItem(u, 1))
	if err != nil {
		return fmt.Errorf("dynamodb: create user: %w", err)
	}
	_, err = s.client.PutItem(ctx, &ddb.PutItemInput{
		TableName:                aws.String(s.users),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": "email"},
	})
	if _, failed := conditionFailed(err); failed {
		return todo.Errorf(todo.Conflict, "An account with this address exists.")
	}
	if err != nil {
		return fmt.Errorf("dynamodb: create user: %w", err)
	}
	u.Version = 1
	return nil
}

// User implements todo.UserStore with a strongly consistent GetItem.
func (s *Store) User(ctx context.Context, email string) (*todo.User, error) {
	item, err := s.getItem(ctx, s.users, userKey(email))
	if err != nil {
		return nil, fmt.Errorf("dynamodb: get user: %w", err)
	}
	if item == nil {
		return nil, userNotFound()
	}
	u, err := decodeUser(item)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: decode user: %w", err)
	}
	return u, nil
}

// UpdateUser implements todo.UserStore: one PutItem on condition that the
// item exists with version u.Version. When the condition fails, the old
// item returned with the failure (or, where the server does not return it,
// a strongly consistent read) tells Conflict from NotFound.
func (s *Store) UpdateUser(ctx context.Context, u *todo.User) error {
	item, err := marshalItem(newUserItem(u, u.Version+1))
	if err != nil {
		return fmt.Errorf("dynamodb: update user: %w", err)
	}
	_, err = s.client.PutItem(ctx, &ddb.PutItemInput{
		TableName:                           aws.String(s.users),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_exists(#pk) AND #v = :v"),
		ExpressionAttributeNames:            withNames(map[string]string{"#pk": "email"}),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": number(u.Version)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := conditionFailed(err); failed {
		if len(old) == 0 {
			if old, err = s.getItem(ctx, s.users, userKey(u.Email)); err != nil {
				return fmt.Errorf("dynamodb: update user: read after failed condition: %w", err)
			}
		}
		if old == nil {
			return userNotFound()
		}
		return todo.Errorf(todo.Conflict, "The account changed meanwhile.")
	}
	if err != nil {
		return fmt.Errorf("dynamodb: update user: %w", err)
	}
	u.Version++
	return nil
}
